import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_MUTE_SECONDS, MAX_PAYLOAD_BYTES } from '../src/limits.js';
import {
  byteLength,
  compareMessageIds,
  isMessageId,
  MESSAGE_KINDS,
  parseAnnouncementBody,
  parseHistoryQuery,
  parseJsonObject,
  parseMuteBody,
  parseSendPayload,
  parseServerMessage,
  SYSTEM_SENDER,
  toServerMessage,
  validateClientMsgId,
} from '../src/payloads.js';
import { itRefusesEach } from './refusals.js';
import {
  anyString,
  anyValue,
  expectFailure,
  expectOk,
  expectWellFormed,
  HOSTILE_VALUES,
} from './support.js';

const encoder = new TextEncoder();
const json = (value: unknown) => JSON.stringify(value);
const utf8 = (text: string) => encoder.encode(text);
/** Concatenates valid UTF-8 text with raw (possibly invalid) bytes. */
const withBytes = (before: string, raw: readonly number[], after: string) =>
  Uint8Array.from([...utf8(before), ...raw, ...utf8(after)]);
/** A valid send payload of exactly `bytes` bytes: a short text and an ASCII pad field. */
const sendPayloadOfSize = (bytes: number) => {
  const empty = json({ text: 'hi', pad: '' });
  return json({ text: 'hi', pad: 'x'.repeat(bytes - empty.length) });
};
const RAW = '\u0000raw';
/** JSON of `object` with one field holding raw JSON that JSON.stringify cannot write (`1e400`). */
const jsonWithRaw = (object: object, key: string, raw: string) =>
  json({ ...object, [key]: RAW }).replace(json(RAW), raw);
const INVALID_UTF8: readonly (readonly [string, readonly number[]])[] = [
  ['a byte that never occurs in UTF-8', [0xff]],
  ['a lone continuation byte', [0x80]],
  ['an overlong NUL', [0xc0, 0x80]],
  ['an encoded UTF-16 surrogate', [0xed, 0xa0, 0x80]],
  ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['a truncated euro sign', [0xe2, 0x82]],
];
/** Anything a client could publish: arbitrary text, bytes, JSON, or not a payload at all. */
const anyPayload = fc.oneof(
  anyString,
  fc.uint8Array({ maxLength: 64 }),
  fc.json(),
  anyValue,
) as fc.Arbitrary<string>;
const messageId = fc.stringMatching(/^\d{1,16}-\d{1,16}$/);

describe('byteLength', () => {
  it.each([
    ['an ASCII letter', 'a', 1],
    ['a Latin-1 letter', 'é', 2],
    ['a euro sign', '€', 3],
    ['an emoji outside the BMP', '😀', 4],
    ['a lone surrogate, encoded as U+FFFD', '\uD800', 3],
  ])('counts %s as %i UTF-8 bytes', (_what, text, bytes) => {
    expect(byteLength(text)).toBe(bytes);
  });
});

describe('parseJsonObject', () => {
  it('reads an object from text and from UTF-8 bytes alike', () => {
    const text = json({ text: 'héllo 😀', n: 1 });
    expect(parseJsonObject(text)).toEqual({ ok: true, value: { text: 'héllo 😀', n: 1 } });
    expect(parseJsonObject(utf8(text))).toEqual(parseJsonObject(text));
  });

  /** The test that `parseJsonObject` refuses `raw` as invalid, saying `message`. */
  const refusedSaying = (message: string) => (_what: string, raw: string) => {
    expect(parseJsonObject(raw)).toEqual({ ok: false, code: 'invalid', message });
  };

  it.each([
    ['a string', '"hello"'],
    ['a number', '42'],
    ['null', 'null'],
    ['a boolean', 'true'],
    ['an empty array', '[]'],
    ['an array holding a valid payload', '[{"text":"hi"}]'],
  ])('refuses %s as JSON that is not an object', refusedSaying('payload must be a JSON object'));

  it.each([
    ['empty input', ''],
    ['an unclosed object', '{'],
    ['single quotes', "{'text':'hi'}"],
    ['a trailing comma', '{"text":"hi",}'],
    ['NaN', 'NaN'],
    ['two objects', '{"a":1}{"b":2}'],
  ])('refuses %s as not JSON', refusedSaying('payload is not valid JSON'));

  it.each(INVALID_UTF8)('refuses bytes with %s as not UTF-8', (_what, raw) => {
    expect(parseJsonObject(withBytes('{"text":"', raw, '"}'))).toMatchObject({
      ok: false,
      code: 'invalid',
      message: 'payload is not valid UTF-8',
    });
  });

  it.each(HOSTILE_VALUES)('refuses %s instead of text or bytes', (_label, raw) => {
    expectFailure(parseJsonObject(raw as string), 'invalid');
  });

  describe('at the 8 KiB bound', () => {
    it('accepts exactly 8192 bytes as text and as bytes', () => {
      const raw = sendPayloadOfSize(MAX_PAYLOAD_BYTES);
      expect(byteLength(raw)).toBe(8192);
      expect(parseJsonObject(raw).ok).toBe(true);
      expect(parseJsonObject(utf8(raw)).ok).toBe(true);
    });

    it('refuses 8193 bytes as text and as bytes', () => {
      const raw = sendPayloadOfSize(MAX_PAYLOAD_BYTES + 1);
      expectFailure(parseJsonObject(raw), 'too_long');
      expectFailure(parseJsonObject(utf8(raw)), 'too_long');
    });

    it('counts UTF-8 bytes, not UTF-16 units', () => {
      const raw = json({ text: 'é'.repeat(4100) });
      expect(raw.length).toBeLessThan(MAX_PAYLOAD_BYTES);
      expectFailure(parseJsonObject(raw), 'too_long');
    });

    it('refuses oversized bytes before decoding them, even when they are not UTF-8', () => {
      expectFailure(parseJsonObject(new Uint8Array(MAX_PAYLOAD_BYTES + 1).fill(0xff)), 'too_long');
    });

    it('honours a smaller bound', () => {
      expect(parseJsonObject('{"a":1}', 7).ok).toBe(true);
      expectFailure(parseJsonObject('{"a":12}', 7), 'too_long');
    });
  });

  it('keeps __proto__ and constructor keys as plain data without touching any prototype', () => {
    const raw = '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}';
    const value = expectOk(parseJsonObject(raw));
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts exactly the JSON texts whose value is a non-array object', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 3 }), (raw) => {
        const value: unknown = JSON.parse(raw);
        const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
        const result = parseJsonObject(raw, Number.POSITIVE_INFINITY);
        expect(result.ok).toBe(isObject);
        if (result.ok) expect(result.value).toEqual(value);
      }),
    );
  });

  it('never throws, whatever it is handed', () => {
    fc.assert(fc.property(anyPayload, (raw) => expectWellFormed(parseJsonObject(raw))));
  });
});

describe('validateClientMsgId', () => {
  it.each([
    ['absent', undefined],
    ['one character', 'a'],
    ['64 characters', 'c'.repeat(64)],
    ['printable ASCII punctuation', 'a1-b2_c3:~!'],
  ])('accepts %s', (_what, input) => {
    expect(validateClientMsgId(input)).toEqual({ ok: true, value: input });
  });

  itRefusesEach('refuses a clientMsgId that is %s', validateClientMsgId, 'invalid', [
    ['empty', ''],
    ['65 characters', 'c'.repeat(65)],
    ['with a space', 'a b'],
    ['with a non-ASCII letter', 'ü'],
    ['with a NUL character', 'a\u0000'],
    ['a number', 42],
    ['null', null],
    ['infinite', Number.POSITIVE_INFINITY],
    ['an array', ['a']],
  ]);
});

describe('parseSendPayload', () => {
  it('reads the contract shape', () => {
    expect(parseSendPayload(json({ text: 'hello', clientMsgId: 'a1b2c3' }))).toEqual({
      ok: true,
      value: {
        text: 'hello',
        length: 5,
        clientMsgId: 'a1b2c3',
        expiresInMs: undefined,
        legacy: false,
      },
    });
  });

  it('reads UTF-8 bytes, normalises the text and counts it in code points', () => {
    const raw = utf8(json({ text: '  cafe\u0301 😀\n' }));
    expect(parseSendPayload(raw)).toEqual({
      ok: true,
      value: {
        text: 'café 😀',
        length: 6,
        clientMsgId: undefined,
        expiresInMs: undefined,
        legacy: false,
      },
    });
  });

  it("reads the original design's shape and ignores its publish_id and channel", () => {
    const raw = json({ message: 'hello', publish_id: 'p-1', channel: 'Elsewhere/+/#' });
    expect(parseSendPayload(raw)).toEqual({
      ok: true,
      value: {
        text: 'hello',
        length: 5,
        clientMsgId: undefined,
        expiresInMs: undefined,
        legacy: true,
      },
    });
  });

  it('ignores a legacy publish_id of any type', () => {
    const raw = '{"message":"hello","publish_id":1e400,"channel":{"__proto__":null}}';
    expect(expectOk(parseSendPayload(raw)).legacy).toBe(true);
  });

  it('prefers text when a payload carries both text and message', () => {
    expect(expectOk(parseSendPayload(json({ text: 'new', message: 'old' })))).toMatchObject({
      text: 'new',
      legacy: false,
    });
  });

  it('does not fall back to message when text is present but not a string', () => {
    expectFailure(parseSendPayload(json({ text: null, message: 'hello' })), 'invalid');
  });

  itRefusesEach('refuses a payload with %s as invalid', parseSendPayload, 'invalid', [
    ['no text at all', '{}'],
    ['only a clientMsgId', '{"clientMsgId":"a"}'],
    ['a numeric text', '{"text":42}'],
    ['an infinite text', '{"text":1e400}'],
    ['an array as text', '{"text":["hi"]}'],
    ['an object as text', '{"text":{"toString":"hi"}}'],
    ['a numeric legacy message', '{"message":42}'],
    ['text hidden under __proto__', '{"__proto__":{"text":"hi"}}'],
    ['text hidden under constructor', '{"constructor":{"text":"hi"}}'],
    ['a bad clientMsgId', '{"text":"hi","clientMsgId":"a b"}'],
    ['an infinite clientMsgId', '{"text":"hi","clientMsgId":1e400}'],
    ['a zero expiresInMs', '{"text":"hi","expiresInMs":0}'],
    ['a negative expiresInMs', '{"text":"hi","expiresInMs":-5}'],
    ['a fractional expiresInMs', '{"text":"hi","expiresInMs":1.5}'],
    ['an expiresInMs over an hour', '{"text":"hi","expiresInMs":3600001}'],
    ['an infinite expiresInMs', '{"text":"hi","expiresInMs":1e400}'],
    ['a string expiresInMs', '{"text":"hi","expiresInMs":"5000"}'],
    ['an escaped lone surrogate', '{"text":"hi \\ud800"}'],
    ['an escaped control character', '{"text":"hi \\u001b[2J"}'],
    ['a JSON array', '[{"text":"hi"}]'],
    ['a JSON string', '"hi"'],
    ['not JSON', 'hi'],
  ]);

  it.each(INVALID_UTF8)('refuses bytes with %s as invalid', (_what, raw) => {
    expectFailure(parseSendPayload(withBytes('{"text":"hi', raw, '"}')), 'invalid');
  });

  it.each([
    ['empty text', ''],
    ['only spaces', '   '],
    ['only zero-width and bidi characters', '\u200B\u202E'],
  ])('refuses %s as empty', (_what, text) => {
    expectFailure(parseSendPayload(json({ text })), 'empty');
  });

  it('reads expiresInMs from 1 ms to an hour', () => {
    for (const expiresInMs of [1, 24_000, 3_600_000]) {
      expect(expectOk(parseSendPayload(json({ text: 'hi', expiresInMs }))).expiresInMs).toBe(
        expiresInMs,
      );
    }
  });

  it('takes an inherited clientMsgId for absent, not from the prototype', () => {
    const raw = '{"text":"hi","__proto__":{"clientMsgId":"x"}}';
    expect(expectOk(parseSendPayload(raw)).clientMsgId).toBeUndefined();
  });

  it('accepts 500 emoji and refuses 501', () => {
    expect(expectOk(parseSendPayload(json({ text: '😀'.repeat(500) }))).length).toBe(500);
    expectFailure(parseSendPayload(json({ text: '😀'.repeat(501) })), 'too_long');
  });

  it('accepts a payload of exactly 8192 bytes and refuses 8193', () => {
    expect(expectOk(parseSendPayload(sendPayloadOfSize(8192))).text).toBe('hi');
    expectFailure(parseSendPayload(utf8(sendPayloadOfSize(8193))), 'too_long');
  });

  it('honours configured text and payload limits', () => {
    const options = { maxTextLength: 3, maxPayloadBytes: 20 };
    expect(expectOk(parseSendPayload(json({ text: 'abc' }), options)).text).toBe('abc');
    expectFailure(parseSendPayload(json({ text: 'abcd' }), options), 'too_long');
    expectFailure(parseSendPayload(json({ text: 'a', clientMsgId: 'abcd' }), options), 'too_long');
  });

  it('never throws, whatever it is handed', () => {
    fc.assert(fc.property(anyPayload, (raw) => expectWellFormed(parseSendPayload(raw))));
  });

  it('never throws on objects of hostile field values', () => {
    const field = fc.oneof(anyString, fc.jsonValue());
    const body = fc.record(
      { text: field, message: field, clientMsgId: field, publish_id: field, __proto__: field },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(body, (value) => {
        const result = parseSendPayload(json(value));
        expectWellFormed(result);
        if (result.ok) expect(result.value.text).toBe(result.value.text.normalize('NFC').trim());
      }),
    );
  });
});

describe('message ids', () => {
  it.each([
    ['a stream id', '1764081600123-0', true],
    ['the smallest id', '0-0', true],
    ['16 digits on both sides', `${'9'.repeat(16)}-${'9'.repeat(16)}`, true],
    ['a time without a sequence', '1764081600123', false],
    ['a negative time', '-1-0', false],
    ['three parts', '1-2-3', false],
    ['an empty string', '', false],
    ['a missing sequence after the dash', '1-', false],
    ['a leading space', ' 1-0', false],
    ['a trailing newline', '1-0\n', false],
    ['17 digits of time', `${'1'.repeat(17)}-0`, false],
    ['full-width digits', '１-0', false],
    ['letters', 'a-b', false],
    ['a number', 1764081600123, false],
    ['null', null, false],
  ])('recognises %s: %s', (_what, value, valid) => {
    expect(isMessageId(value)).toBe(valid);
  });

  it.each([
    ['1-0', '2-0', -1],
    ['10-0', '9-0', 1],
    ['5-10', '5-9', 1],
    ['5-1', '5-1', 0],
    ['007-1', '7-1', 0],
    ['7-01', '7-1', 0],
    // Beyond Number.MAX_SAFE_INTEGER: a comparison through Number would call these equal.
    ['9007199254740993-0', '9007199254740992-0', 1],
    ['1-9007199254740992', '1-9007199254740993', -1],
  ])('orders %s against %s as %i', (a, b, order) => {
    expect(Math.sign(compareMessageIds(a, b))).toBe(order);
  });

  /** The oracle: a stream id is a pair of unsigned integers compared in order. */
  const byBigInt = (a: string, b: string) => {
    const [aMs, aSeq] = a.split('-').map(BigInt) as [bigint, bigint];
    const [bMs, bSeq] = b.split('-').map(BigInt) as [bigint, bigint];
    if (aMs !== bMs) return aMs < bMs ? -1 : 1;
    return aSeq < bSeq ? -1 : aSeq > bSeq ? 1 : 0;
  };

  it('orders ids as their numbers do', () => {
    fc.assert(
      fc.property(messageId, messageId, (a, b) => {
        expect(Math.sign(compareMessageIds(a, b))).toBe(byBigInt(a, b));
      }),
    );
  });

  it('orders ids that share a time by their sequence', () => {
    fc.assert(
      fc.property(fc.bigInt(0n, 10n ** 16n - 1n), messageId, messageId, (ms, a, b) => {
        const left = `${ms}-${a.split('-')[1]}`;
        const right = `${ms}-${b.split('-')[1]}`;
        expect(Math.sign(compareMessageIds(left, right))).toBe(byBigInt(left, right));
      }),
    );
  });

  it('sorts a list as the oracle does', () => {
    fc.assert(
      fc.property(fc.array(messageId, { maxLength: 30 }), (ids) => {
        const sorted = [...ids].sort(compareMessageIds).map((id) => id.split('-').map(BigInt));
        const expected = [...ids].sort(byBigInt).map((id) => id.split('-').map(BigInt));
        expect(sorted).toEqual(expected);
      }),
    );
  });
});

/** A chat message as the filter publishes it. */
const chat = {
  v: 1,
  id: '1764081600123-0',
  kind: 'chat',
  channel: 'Town137',
  from: { id: 'alice', name: 'Alice' },
  text: 'hello',
  sentAt: 1764081600123,
  clientMsgId: 'a1b2c3',
};

describe('parseServerMessage', () => {
  const notice = {
    v: 1,
    kind: 'notice',
    code: 'rate_limited',
    clientMsgId: 'a1b2c3',
    detail: 'Slow down: 5 messages per 5 s',
    retryAfterMs: 1200,
  };

  it('covers every message kind and the notice', () => {
    expect(MESSAGE_KINDS).toEqual(['chat', 'system', 'whisper', 'delete']);
  });

  it.each([
    ['a chat message', chat],
    ['a moderated chat message', { ...chat, text: 'what the ****', moderated: true }],
    ['an announcement', { ...chat, kind: 'system', from: SYSTEM_SENDER, clientMsgId: undefined }],
    ['a whisper', { ...chat, kind: 'whisper', channel: undefined, to: { id: 'bob' } }],
    ['a delete event', { ...chat, kind: 'delete', text: '', targetId: '1764081600100-3' }],
    ['a notice', notice],
    [
      'a notice without retry time or clientMsgId',
      { v: 1, kind: 'notice', code: 'muted', detail: 'Muted' },
    ],
    ['a notice that allows an immediate retry', { ...notice, retryAfterMs: 0 }],
    [
      'an unavailable notice',
      { ...notice, code: 'unavailable', detail: 'Chat is briefly unavailable', retryAfterMs: 2000 },
    ],
  ])('accepts %s', (_what, message) => {
    const raw = json(message);
    expect(parseServerMessage(raw)).toEqual({ ok: true, value: JSON.parse(raw) });
    expect(parseServerMessage(utf8(raw))).toEqual({ ok: true, value: JSON.parse(raw) });
  });

  it('accepts a message larger than the send limit: the server already bounded it', () => {
    const large = { ...chat, text: 'a'.repeat(MAX_PAYLOAD_BYTES * 2) };
    expect(parseServerMessage(json(large)).ok).toBe(true);
  });

  itRefusesEach('refuses %s', parseServerMessage, 'invalid', [
    ['a newer protocol version', json({ ...chat, v: 2 })],
    ['a version given as a string', json({ ...chat, v: '1' })],
    ['no version', json({ ...chat, v: undefined })],
    ['an unknown kind', json({ ...chat, kind: 'ping' })],
    ['no kind', json({ ...chat, kind: undefined })],
    [
      'a kind inherited through __proto__',
      jsonWithRaw({ ...chat, kind: undefined }, '__proto__', '{"kind":"chat"}'),
    ],
    ['a notice with an unknown code', json({ ...notice, code: 'nope' })],
    ['a notice without detail', json({ ...notice, detail: undefined })],
    ['a notice with a negative retry time', json({ ...notice, retryAfterMs: -1 })],
    ['a notice with a retry time as a string', json({ ...notice, retryAfterMs: '1200' })],
    ['a notice with an infinite retry time', jsonWithRaw(notice, 'retryAfterMs', '1e400')],
    ['a malformed id', json({ ...chat, id: 'abc' })],
    ['a numeric id', json({ ...chat, id: 1764081600123 })],
    ['no sender', json({ ...chat, from: undefined })],
    ['a sender that is an array', json({ ...chat, from: ['alice', 'Alice'] })],
    ['a sender with a numeric id', json({ ...chat, from: { id: 1, name: 'Alice' } })],
    ['a sender without a name', json({ ...chat, from: { id: 'alice' } })],
    [
      'a sender hidden under __proto__',
      jsonWithRaw(chat, 'from', '{"__proto__":{"id":"a","name":"A"}}'),
    ],
    ['no text', json({ ...chat, text: undefined })],
    ['a numeric text', json({ ...chat, text: 5 })],
    ['a time given as a string', json({ ...chat, sentAt: '1764081600123' })],
    ['an infinite time', jsonWithRaw(chat, 'sentAt', '1e400')],
    ['a delete event without a targetId', json({ ...chat, kind: 'delete', text: '' })],
    ['a delete event with a malformed targetId', json({ ...chat, kind: 'delete', targetId: 'x' })],
    ['a JSON array', json([chat])],
    ['null', 'null'],
    ['not JSON', 'hello'],
  ]);

  it.each(INVALID_UTF8)('refuses bytes with %s', (_what, raw) => {
    expectFailure(parseServerMessage(withBytes(json(chat).slice(0, -1), raw, '}')), 'invalid');
  });

  it('never throws, whatever it is handed', () => {
    fc.assert(fc.property(anyPayload, (raw) => expectWellFormed(parseServerMessage(raw))));
  });

  it('never throws on messages with arbitrary field values', () => {
    const field = fc.oneof(fc.jsonValue(), fc.constantFrom(1, 'chat', 'notice', 'delete', '1-0'));
    const message = fc.dictionary(
      fc.constantFrom(
        'v',
        'kind',
        'id',
        'from',
        'text',
        'sentAt',
        'code',
        'detail',
        'retryAfterMs',
        'targetId',
      ),
      field,
    );
    fc.assert(fc.property(message, (value) => expectWellFormed(parseServerMessage(json(value)))));
  });
});

describe('toServerMessage', () => {
  it('accepts a parsed message as it is, without a copy', () => {
    const value = JSON.parse(json(chat));
    const checked = toServerMessage(value);
    expect(checked).toEqual({ ok: true, value: chat });
    expect(checked.ok && checked.value).toBe(value);
  });

  itRefusesEach('refuses %s', toServerMessage, 'invalid', [
    ['undefined', undefined],
    ['null', null],
    ['a string of JSON', json(chat)],
    ['an array', [chat]],
    [
      'a kind inherited from the prototype',
      Object.assign(Object.create({ kind: 'chat' }), chat, { kind: undefined }),
    ],
  ]);

  it('answers as parseServerMessage does for the same JSON, whatever the value', () => {
    const field = fc.oneof(fc.jsonValue(), fc.constantFrom(1, 'chat', 'notice', 'delete', '1-0'));
    const keys = ['v', 'kind', 'id', 'from', 'text', 'sentAt', 'code', 'detail', 'retryAfterMs'];
    const message = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.constantFrom(...keys, 'targetId'), field),
      fc.constantFrom(...MESSAGE_KINDS).map((kind) => ({ ...chat, kind, targetId: '1-1' })),
    );
    // Only the wording of a refusal may differ: a value is not a payload.
    const outcome = (result: ReturnType<typeof toServerMessage>) =>
      result.ok ? result : { ok: false, code: result.code };
    fc.assert(
      fc.property(message, (value) => {
        // What a history page holds: values as JSON.parse gives them.
        const parsed: unknown = JSON.parse(json(value));
        expect(outcome(toServerMessage(parsed))).toEqual(outcome(parseServerMessage(json(value))));
      }),
    );
  });
});

describe('parseHistoryQuery', () => {
  /** Town137's history asked with `query` is refused as invalid, with exactly `message`. */
  const expectInvalidQuery = (query: Parameters<typeof parseHistoryQuery>[1], message: string) =>
    expect(parseHistoryQuery('Town137', query)).toEqual({ ok: false, code: 'invalid', message });

  it('defaults to the newest 50 messages without after', () => {
    const expected = {
      ok: true,
      value: { channel: 'Town137', after: undefined, before: undefined, limit: 50 },
    };
    expect(parseHistoryQuery('Town137')).toEqual(expected);
    expect(parseHistoryQuery('Town137', {})).toEqual(expected);
  });

  it.each([
    ['1', 1],
    ['50', 50],
    ['200', 200],
    ['007', 7],
  ])('accepts limit=%s', (limit, pageSize) => {
    expect(expectOk(parseHistoryQuery('Town137', { limit })).limit).toBe(pageSize);
  });

  it.each([
    ['0', '0'],
    ['201', '201'],
    ['1000', '1000'],
    ['a negative number', '-1'],
    ['a fraction', '1.5'],
    ['an exponent', '1e2'],
    ['a hexadecimal number', '0x10'],
    ['a leading space', ' 5'],
    ['an empty value', ''],
    ['a word', 'ten'],
    ['a number instead of query text', 50],
    ['null', null],
    ['a repeated parameter', ['5', '6']],
  ])('refuses limit %s', (_what, limit) => {
    expectInvalidQuery({ limit }, 'limit must be a whole number 1-200');
  });

  it('accepts exactly the whole numbers 1 to 200 as limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), (n) => {
        const result = parseHistoryQuery('Town137', { limit: String(n) });
        expect(result.ok).toBe(n >= 1 && n <= 200);
      }),
    );
  });

  it.each(['1764081600123-0', '0-0', '1764081600123-42'])('accepts after=%s', (after) => {
    expect(expectOk(parseHistoryQuery('Town137', { after, limit: '10' }))).toEqual({
      channel: 'Town137',
      after,
      before: undefined,
      limit: 10,
    });
  });

  it('accepts before=id for the page just older than it', () => {
    expect(expectOk(parseHistoryQuery('guild-1', { before: '1764081600123-7' }))).toEqual({
      channel: 'guild-1',
      after: undefined,
      before: '1764081600123-7',
      limit: 50,
    });
  });

  it.each([
    ['a time without a sequence', '1764081600123'],
    ['an empty value', ''],
    ['a word', 'oldest'],
    ['a repeated parameter', ['1-1', '1-2']],
  ])('refuses before as %s, naming it', (_what, before) => {
    expectInvalidQuery({ before }, 'before must be a message id such as 1764081600123-0');
  });

  it('refuses after and before together', () => {
    const result = parseHistoryQuery('Town137', { after: '1-1', before: '2-2' });
    expectFailure(result, 'invalid');
    expect(result.ok ? '' : result.message).toMatch(/after and before/);
  });

  it.each([
    ['a time without a sequence', '1764081600123'],
    ['an empty value', ''],
    ['a word', 'latest'],
    ['three parts', '1-2-3'],
    ['a negative id', '-1'],
    ['a time of 17 digits', `${'1'.repeat(17)}-0`],
    ['a number instead of query text', 1764081600123],
    ['null', null],
  ])('refuses after as %s', (_what, after) => {
    expectFailure(parseHistoryQuery('Town137', { after }), 'invalid');
  });

  it.each([
    ['a wildcard', '+', 'invalid'],
    ['a slash', 'Town/137', 'invalid'],
    ['nothing', '', 'empty'],
    ['no value', undefined, 'invalid'],
  ] as const)('refuses a channel of %s', (_what, channel, code) => {
    expectFailure(parseHistoryQuery(channel), code);
  });

  it('never throws on arbitrary parameters', () => {
    fc.assert(
      fc.property(anyValue, anyValue, anyValue, anyValue, (channel, after, before, limit) => {
        expectWellFormed(parseHistoryQuery(channel, { after, before, limit }));
      }),
    );
  });
});

describe('parseAnnouncementBody', () => {
  it('reads and normalises the text, dropping other fields', () => {
    const raw = json({ text: '  Server restart in 5 minutes \n', from: 'mallory' });
    expect(parseAnnouncementBody(raw)).toEqual({
      ok: true,
      value: { text: 'Server restart in 5 minutes' },
    });
  });

  it('reads UTF-8 bytes', () => {
    expect(expectOk(parseAnnouncementBody(utf8(json({ text: 'Bienvenue à tous 🎉' }))))).toEqual({
      text: 'Bienvenue à tous 🎉',
    });
  });

  it.each([
    ['no text', '{}', 'invalid'],
    ["the original design's message field", '{"message":"hi"}', 'invalid'],
    ['text under __proto__', '{"__proto__":{"text":"hi"}}', 'invalid'],
    ['a JSON array', '[]', 'invalid'],
    ['empty text', '{"text":""}', 'empty'],
    ['501 characters', json({ text: 'a'.repeat(501) }), 'too_long'],
    ['a body over 8 KiB', sendPayloadOfSize(MAX_PAYLOAD_BYTES + 1), 'too_long'],
  ] as const)('refuses a body with %s', (_what, raw, code) => {
    expectFailure(parseAnnouncementBody(raw), code);
  });

  it('refuses a body of invalid UTF-8', () => {
    expectFailure(parseAnnouncementBody(withBytes('{"text":"', [0xff], '"}')), 'invalid');
  });

  it('honours a configured text limit', () => {
    expect(parseAnnouncementBody(json({ text: 'a'.repeat(10) }), 10).ok).toBe(true);
    expectFailure(parseAnnouncementBody(json({ text: 'a'.repeat(11) }), 10), 'too_long');
  });

  it('never throws, whatever it is handed', () => {
    fc.assert(fc.property(anyPayload, (raw) => expectWellFormed(parseAnnouncementBody(raw))));
  });
});

describe('parseMuteBody', () => {
  it.each([
    ['seconds and a reason', { seconds: 600, reason: 'spam' }, { seconds: 600, reason: 'spam' }],
    ['seconds only', { seconds: 600 }, { seconds: 600, reason: undefined }],
    [
      'a reason to normalise',
      { seconds: 60, reason: '  flood\ning ' },
      { seconds: 60, reason: 'flood ing' },
    ],
    ['one second', { seconds: 1 }, { seconds: 1, reason: undefined }],
    ['30 days', { seconds: MAX_MUTE_SECONDS }, { seconds: MAX_MUTE_SECONDS, reason: undefined }],
    [
      'a 200-character reason',
      { seconds: 5, reason: 'r'.repeat(200) },
      { seconds: 5, reason: 'r'.repeat(200) },
    ],
  ])('reads %s', (_what, body, expected) => {
    expect(parseMuteBody(json(body))).toEqual({ ok: true, value: expected });
    expect(parseMuteBody(utf8(json(body)))).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['zero', '0'],
    ['negative', '-1'],
    ['a fraction', '1.5'],
    ['more than 30 days', String(MAX_MUTE_SECONDS + 1)],
    ['infinite', '1e400'],
    ['a string', '"600"'],
    ['null', 'null'],
    ['a boolean', 'true'],
    ['an array', '[600]'],
  ])('refuses seconds that are %s', (_what, seconds) => {
    expectFailure(parseMuteBody(`{"seconds":${seconds}}`), 'invalid');
  });

  itRefusesEach('refuses a body with %s', parseMuteBody, 'invalid', [
    ['missing seconds', '{"reason":"spam"}'],
    ['seconds under __proto__', '{"__proto__":{"seconds":600}}'],
    ['a JSON array', '[{"seconds":600}]'],
    ['not JSON', 'seconds=600'],
  ]);

  it.each([
    ['null', null, 'invalid'],
    ['a number', 5, 'invalid'],
    ['a control character', 'bad\u0007', 'invalid'],
    ['an empty string', '', 'empty'],
    ['only zero-width characters', '\u200B', 'empty'],
    ['201 characters', 'r'.repeat(201), 'too_long'],
  ] as const)('refuses a reason of %s and names the field', (_what, reason, code) => {
    const result = parseMuteBody(json({ seconds: 600, reason }));
    expectFailure(result, code);
    expect(result).toMatchObject({ message: expect.stringMatching(/^reason: /) });
  });

  it('accepts exactly the whole numbers of seconds from 1 to 30 days', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10, max: MAX_MUTE_SECONDS + 10 }), (seconds) => {
        const result = parseMuteBody(json({ seconds }));
        expect(result.ok).toBe(seconds >= 1 && seconds <= MAX_MUTE_SECONDS);
      }),
    );
  });

  it('never throws, whatever it is handed', () => {
    fc.assert(fc.property(anyPayload, (raw) => expectWellFormed(parseMuteBody(raw))));
  });
});
