import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { routedEvent } from '../src/http-api-event.js';
import { BundleNotBuiltError, loadLambdaBundle } from '../src/lambda-bundle.js';
import { errorThrownBy, rejectionOf } from '../src/rejection.js';
import { secretsStub } from '../src/secrets-stub.js';
import { jsonAnswer, startStubHttpServer } from '../src/stub-http.js';
import { waitFor } from '../src/wait.js';

describe('routedEvent', () => {
  it('fills the path from the route key, lower-cases headers and decodes the query', () => {
    const event = routedEvent(
      'GET /channels/{channel}/messages',
      { channel: 'Town 1' },
      { headers: { Authorization: 'Bearer t', 'user-agent': 'game' }, query: 'a=1&a=2&b=%20x' },
    );
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /channels/{channel}/messages',
      rawPath: '/channels/Town%201/messages',
      rawQueryString: 'a=1&a=2&b=%20x',
      queryStringParameters: { a: '1,2', b: ' x' },
      pathParameters: { channel: 'Town 1' },
      headers: { authorization: 'Bearer t', 'user-agent': 'game' },
      requestContext: { http: { method: 'GET', userAgent: 'game' }, stage: '$default' },
      isBase64Encoded: false,
    });
    expect(event.body).toBeUndefined();
  });
});

describe('loadLambdaBundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports the bundle with its settings in the environment only while it loads', async () => {
    const bundle = join(dir, 'handler.mjs');
    writeFileSync(
      bundle,
      'const setting = process.env.TEST_BUNDLE_SETTING;\n' +
        'export const handler = async (event, context) => ({ setting, event, name: context.functionName });\n',
    );
    const invoke = await loadLambdaBundle({
      bundle,
      functionName: 'probe',
      env: { TEST_BUNDLE_SETTING: 'on' },
    });
    expect(process.env.TEST_BUNDLE_SETTING).toBeUndefined();
    expect(await invoke({ n: 1 })).toEqual({ setting: 'on', event: { n: 1 }, name: 'probe' });
  });

  it('says how to build a bundle that is missing, and refuses one without a handler', async () => {
    await expect(
      loadLambdaBundle({ bundle: join(dir, 'missing.mjs'), functionName: 'x', env: {} }),
    ).rejects.toThrow(BundleNotBuiltError);
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const other = 1;\n');
    await expect(loadLambdaBundle({ bundle: empty, functionName: 'x', env: {} })).rejects.toThrow(
      /does not export a handler/,
    );
  });
});

describe('startStubHttpServer', () => {
  it('records requests and answers 204 unless told otherwise', async () => {
    const server = await startStubHttpServer();
    try {
      const empty = await fetch(`${server.url}/a?b=1`, { method: 'POST', body: 'hello' });
      expect(empty.status).toBe(204);
      server.answer = jsonAnswer(418, { error: 'teapot' });
      const json = await fetch(`${server.url}/b`);
      expect(json.status).toBe(418);
      expect(await json.json()).toEqual({ error: 'teapot' });
      expect(server.requests.map(({ method, url, body }) => ({ method, url, body }))).toEqual([
        { method: 'POST', url: '/a?b=1', body: 'hello' },
        { method: 'GET', url: '/b', body: '' },
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('rejectionOf and errorThrownBy', () => {
  it('give back the expected error, and fail on a success or another error', async () => {
    const range = new RangeError('out');
    expect(await rejectionOf(Promise.reject(range), RangeError)).toBe(range);
    await expect(rejectionOf(Promise.resolve(1), RangeError)).rejects.toThrow(/resolved/);
    await expect(rejectionOf(Promise.reject(new Error('x')), RangeError)).rejects.toThrow(
      /expected a RangeError/,
    );
    expect(
      errorThrownBy(() => {
        throw range;
      }, RangeError),
    ).toBe(range);
    expect(errorThrownBy(() => 1, RangeError)).toBeUndefined();
    expect(() =>
      errorThrownBy(() => {
        throw new TypeError('x');
      }, RangeError),
    ).toThrow(/expected a RangeError/);
  });
});

describe('secretsStub and waitFor', () => {
  it('answers held secrets, refuses others with the AWS error name, and lists what was asked', async () => {
    const stub = secretsStub({ a: 'A' }, 'AccessDeniedException');
    expect(await stub.fetch('a')).toBe('A');
    await expect(stub.fetch('b')).rejects.toThrow('AccessDeniedException');
    expect(stub.asked).toEqual(['a', 'b']);
  });

  it('waitFor fails naming what it waited for', async () => {
    await expect(waitFor('nothing', () => false, 30)).rejects.toThrow(
      'timed out after 30 ms waiting for nothing',
    );
  });
});
