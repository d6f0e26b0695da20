import { createTopics } from '@game-chat/protocol/topics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../src/aws-location.js';
import type { OutgoingPublish } from '../../src/iot-core/broker.js';
import { IOT_LIMITS } from '../../src/iot-core/limits.js';
import { iotArn } from '../../src/iot-core/policy.js';
import { type DataPlane, startDataPlane } from '../../src/iot-data-plane/server.js';
import { createLogger } from '../../src/logger.js';

const published: OutgoingPublish[] = [];
let failNext = false;
let dataPlane: DataPlane;

beforeAll(async () => {
  dataPlane = await startDataPlane({
    host: '127.0.0.1',
    port: 0,
    publish: async (message) => {
      if (failNext) {
        failNext = false;
        throw new Error('broker down');
      }
      published.push(message);
    },
    // The Lambdas' role, as Terraform grants it: publish to rooms and inboxes, nothing else.
    callerPolicy: {
      Statement: {
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: createTopics('chat')
          .serverPublishScope()
          .map((topic) => iotArn('topic', topic, LOCAL_AWS)),
      },
    },
    location: LOCAL_AWS,
    log: createLogger({ mode: 'silent' }),
  });
});
afterAll(() => dataPlane.close());

const post = (path: string, body: string | Buffer = '{}', method = 'POST') =>
  fetch(`${dataPlane.url}${path}`, { method, body: method === 'GET' ? undefined : body });

describe('Publish', () => {
  it('publishes the raw body to the decoded topic and answers 200 {}', async () => {
    const response = await post('/topics/chat%2Froom%2FTown137?qos=1', Buffer.from([0, 1, 2]));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    expect(published.at(-1)).toEqual({
      topic: 'chat/room/Town137',
      payload: Buffer.from([0, 1, 2]),
      qos: 1,
      retain: false,
    });
  });

  it('accepts an unencoded topic path and QoS 0 by default', async () => {
    await post('/topics/chat/inbox/alice');
    expect(published.at(-1)).toMatchObject({ topic: 'chat/inbox/alice', qos: 0, retain: false });
  });

  it.each([
    ['qos 2', '/topics/chat/room/a?qos=2', 400, 'InvalidRequestException'],
    ['a bad retain flag', '/topics/chat/room/a?retain=yes', 400, 'InvalidRequestException'],
    ['a wildcard topic', '/topics/chat%2F%2B', 400, 'InvalidRequestException'],
    ['a topic of 9 levels', '/topics/a/b/c/d/e/f/g/h/i', 400, 'InvalidRequestException'],
    ['broken percent-encoding', '/topics/%E0%A4', 400, 'InvalidRequestException'],
    [
      'a reserved topic',
      '/topics/%24aws%2Fevents%2Fpresence%2Fconnected%2Fx',
      401,
      'UnauthorizedException',
    ],
    ['another resource', '/things/x/shadow', 404, 'ResourceNotFoundException'],
  ])('refuses %s with the AWS error shape', async (_case, path, status, type) => {
    const before = published.length;
    const response = await post(path);
    expect(response.status).toBe(status);
    expect(response.headers.get('x-amzn-errortype')).toBe(type);
    expect(await response.json()).toEqual({ message: expect.any(String) });
    expect(published).toHaveLength(before);
  });

  it('refuses another method', async () => {
    const response = await post('/topics/chat/room/a', undefined, 'GET');
    expect(response.status).toBe(405);
    expect(response.headers.get('x-amzn-errortype')).toBe('MethodNotAllowedException');
  });

  it('refuses a payload over 128 KB and accepts one of exactly 128 KB', async () => {
    const before = published.length;
    const tooLarge = await post(
      '/topics/chat/room/a',
      Buffer.alloc(IOT_LIMITS.maxPayloadBytes + 1),
    );
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('x-amzn-errortype')).toBe('RequestEntityTooLargeException');
    expect(published).toHaveLength(before);
    const largest = await post('/topics/chat/room/a', Buffer.alloc(IOT_LIMITS.maxPayloadBytes));
    expect(largest.status).toBe(200);
  });

  it('answers InternalFailureException when the broker cannot take the message', async () => {
    failNext = true;
    const response = await post('/topics/chat/room/a');
    expect(response.status).toBe(500);
    expect(response.headers.get('x-amzn-errortype')).toBe('InternalFailureException');
  });
});

describe("the callers' IAM policy", () => {
  it.each([
    ['a send topic (a loop through the rules)', '/topics/chat/send/Town137'],
    ['a whisper topic', '/topics/chat%2Fwhisper%2Fbob'],
    ['another prefix', '/topics/game/room/Town137'],
    ['the bare room level', '/topics/chat/room'],
    ['a topic outside the chat', '/topics/a'],
    ['a retained message (no iot:RetainPublish)', '/topics/chat/room/Town137?retain=true'],
  ])('forbids %s as AWS does: 403 ForbiddenException, "Forbidden"', async (_case, path) => {
    const before = published.length;
    const response = await post(path, '{"text":"hi"}');
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
    expect(await response.json()).toEqual({ message: 'Forbidden' });
    expect(published).toHaveLength(before);
  });

  it("allows any level below a room or inbox, as IAM's * spans slashes", async () => {
    const response = await post('/topics/chat/room/Town137/extra', 'x');
    expect(response.status).toBe(200);
    expect(published.at(-1)?.topic).toBe('chat/room/Town137/extra');
  });
});

describe('an injected outage (setFault)', () => {
  it('fails matching publishes as the SDK reads a Data Plane error, until cleared', async () => {
    const before = published.length;
    dataPlane.setFault({ topics: (topic) => topic.startsWith('chat/room/') });
    const failed = await post('/topics/chat%2Froom%2FTown137?qos=1', 'x');
    expect(failed.status).toBe(503);
    expect(failed.headers.get('x-amzn-errortype')).toBe('ServiceUnavailableException');
    expect(await failed.json()).toEqual({ message: expect.any(String) });
    // Other topics go through.
    expect((await post('/topics/chat%2Finbox%2Falice?qos=1', 'y')).status).toBe(200);
    dataPlane.setFault({ status: 500, errorType: 'InternalFailureException' });
    const all = await post('/topics/chat%2Finbox%2Falice?qos=1', 'z');
    expect([all.status, all.headers.get('x-amzn-errortype')]).toEqual([
      500,
      'InternalFailureException',
    ]);
    dataPlane.setFault(undefined);
    expect((await post('/topics/chat%2Froom%2FTown137?qos=1', 'x')).status).toBe(200);
    expect(published.slice(before).map((message) => message.topic)).toEqual([
      'chat/inbox/alice',
      'chat/room/Town137',
    ]);
  });
});
