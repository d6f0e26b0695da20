import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  evaluateRule,
  parseRuleSql,
  type RuleInput,
  RuleSqlError,
} from '../../src/iot-rules/sql.js';

const input = (payload: string | Buffer, overrides: Partial<RuleInput> = {}): RuleInput => ({
  topic: 'chat/send/Town137',
  payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
  clientId: 'alice.tab1',
  principal: 'abc123',
  timestamp: 1_764_081_600_123,
  ...overrides,
});

const run = (sql: string, payload: string | Buffer, overrides: Partial<RuleInput> = {}) =>
  evaluateRule(parseRuleSql(sql), input(payload, overrides));

describe('the examples of the AWS IoT SQL reference', () => {
  it('SELECT color AS rgb ... WHERE temperature > 50', () => {
    const sql = "SELECT color AS rgb FROM 'topic/subtopic' WHERE temperature > 50";
    expect(run(sql, '{"color":"red","temperature":100}')).toEqual({
      matched: true,
      output: { rgb: 'red' },
    });
    expect(run(sql, '{"color":"red","temperature":40}')).toEqual({ matched: false });
  });

  it('SELECT *, 15 AS speed adds a field to the payload', () => {
    expect(run("SELECT *, 15 AS speed FROM 'a/b'", '{"x":1}')).toMatchObject({
      output: { x: 1, speed: 15 },
    });
  });

  it('reaches into nested objects, naming the field after its last part', () => {
    expect(
      run("SELECT state.reported.color FROM 'a'", '{"state":{"reported":{"color":"blue"}}}'),
    ).toMatchObject({
      output: { color: 'blue' },
    });
  });

  it('evaluates WHERE before SELECT, without the SELECT aliases', () => {
    const sql = "SELECT temperature AS t FROM 'a' WHERE t > 50";
    expect(run(sql, '{"temperature":100}')).toEqual({ matched: false });
  });

  it('leaves Undefined values out of the output', () => {
    expect(run("SELECT a, b, topic(9) AS deep FROM 'a'", '{"a":null}')).toEqual({
      matched: true,
      output: { a: null },
    });
  });
});

describe('the rule of infra/rules/chat-send.sql', () => {
  const sql = `SELECT encode(*, 'base64') AS payload, topic() AS topic, clientid() AS clientId,
       principal() AS principal, timestamp() AS receivedAt, newuuid() AS ingestId
FROM 'chat/send/+'`;

  it('builds the filter event from any payload, JSON or not', () => {
    const bytes = Buffer.from([0xff, 0x00, 0x7b]);
    const result = run(sql, bytes);
    expect(result).toEqual({
      matched: true,
      output: {
        payload: bytes.toString('base64'),
        topic: 'chat/send/Town137',
        clientId: 'alice.tab1',
        principal: 'abc123',
        receivedAt: 1_764_081_600_123,
        ingestId: expect.stringMatching(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        ),
      },
    });
  });

  it('says clientid() is n/a and leaves principal out for a Data Plane publish', () => {
    const result = run(sql, '{}', { clientId: undefined, principal: undefined });
    expect(result).toMatchObject({ output: { clientId: 'n/a' } });
    expect(result.matched && 'principal' in result.output).toBe(false);
  });

  it('gives each evaluation a new uuid', () => {
    const first = run(sql, '{}');
    const second = run(sql, '{}');
    expect(
      first.matched && second.matched && first.output.ingestId !== second.output.ingestId,
    ).toBe(true);
  });
});

describe('functions and operators', () => {
  it.each([
    ['topic(1)', 'chat'],
    ['topic(3)', 'Town137'],
    ['topic(4)', undefined],
    ['topic(0)', undefined],
    ['topic()', 'chat/send/Town137'],
    ["encode('hé', 'base64')", Buffer.from('hé').toString('base64')],
    ["encode(*, 'hex')", undefined],
  ])('%s → %j', (expression, expected) => {
    const result = run(`SELECT ${expression} AS value FROM '#'`, '{"n":1}');
    expect(result.matched ? result.output.value : 'no match').toBe(expected);
  });

  it.each([
    ['n = 1', true],
    ['n <> 1', false],
    ['n != 2', true],
    ['n < 2 AND n >= 1', true],
    ["n > 1 OR s = 'x'", true],
    ['NOT n = 1', false],
    ["NOT (n = 2 OR s = 'y')", true],
    ["n = 1 OR n = 2 AND s = 'y'", true], // AND binds tighter than OR
    ["(n = 1 OR n = 2) AND s = 'y'", false],
    ["s = 'x'", true],
    ["s = 'it''s'", false],
    ['b = true', true],
    ["n = '1'", false], // different types are Undefined, never true
    ["NOT n = '1'", false], // and NOT Undefined stays Undefined
    ['missing = 1', false],
    ['missing = 1 OR n = 1', true],
    ['o = o', false], // objects do not compare
    ['n > -5', true],
    ["clientid() = 'alice.tab1'", true],
    ["topic(2) = 'send'", true],
    ["TOPIC(2) = 'send' and N = 1", false], // keywords and functions in any case; fields are not
  ])('WHERE %s → %s', (where, expected) => {
    const result = run(`SELECT n FROM '#' WHERE ${where}`, '{"n":1,"s":"x","b":true,"o":{}}');
    expect(result.matched).toBe(expected);
  });

  it('keeps payload keys named like Object.prototype members as plain fields', () => {
    const result = run(
      "SELECT *, 1 AS constructor FROM '#'",
      '{"__proto__":{"polluted":true},"a":1}',
    );
    expect(result.matched).toBe(true);
    const output = result.matched ? result.output : {};
    expect(JSON.stringify(output)).toBe('{"__proto__":{"polluted":true},"a":1,"constructor":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('payloads that are not JSON objects', () => {
  it.each([['not json'], ['[1,2]'], ['42']])('SELECT * on %s is a rule error', (payload) => {
    expect(run("SELECT * FROM '#'", payload)).toEqual({
      matched: false,
      error: expect.stringMatching(/JSON object/),
    });
  });

  it('reads fields of a non-JSON payload as Undefined', () => {
    expect(run("SELECT a, topic() AS t FROM '#'", 'not json')).toEqual({
      matched: true,
      output: { t: 'chat/send/Town137' },
    });
    expect(run("SELECT a FROM '#' WHERE a = 1", 'not json')).toEqual({ matched: false });
  });
});

describe('the payload is parsed only for statements that read it', () => {
  const send = "SELECT encode(*, 'base64') AS payload, topic() AS topic FROM 'chat/send/+'";

  it.each([
    [send, false],
    ["SELECT topic(3) AS name, timestamp() AS at FROM '#' WHERE topic(2) = 'send'", false],
    ["SELECT * FROM '#'", true],
    ["SELECT a FROM '#'", true],
    ["SELECT topic() FROM '#' WHERE NOT (a.b > 1)", true],
    ["SELECT encode(text, 'base64') AS t FROM '#'", true],
    ["SELECT topic(n) AS level FROM '#'", true],
  ])('%s: needsDocument %s', (sql, needed) => {
    expect(parseRuleSql(sql).needsDocument).toBe(needed);
  });

  it('never calls JSON.parse for a rule that only passes the payload on', () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      expect(run(send, '{"text":"hi"}').matched).toBe(true);
      expect(parse).not.toHaveBeenCalled();
      run("SELECT * FROM '#'", '{"text":"hi"}');
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  it('answers as if it had parsed it, whatever the payload', () => {
    const statements = [
      send,
      "SELECT topic(3) AS name, clientid() AS c, 1 AS one FROM '#' WHERE topic(2) = 'send'",
      "SELECT principal() AS p FROM '#' WHERE NOT (timestamp() < 0)",
    ].map(parseRuleSql);
    const payload = fc.oneof(
      fc.json().map((text) => Buffer.from(text)),
      fc.string().map((text) => Buffer.from(text)),
      fc.uint8Array().map((bytes) => Buffer.from(bytes)),
    );
    fc.assert(
      fc.property(fc.constantFrom(...statements), payload, (statement, bytes) => {
        expect(statement.needsDocument).toBe(false);
        const parsing = { ...statement, needsDocument: true };
        const message = input(bytes);
        expect(evaluateRule(statement, message)).toEqual(evaluateRule(parsing, message));
      }),
    );
  });
});

describe('parse errors', () => {
  it.each([
    ["SELECT * 'a'", /expected FROM but found 'a'/],
    ['SELECT * FROM a', /expected a quoted topic filter after FROM but found "a"/],
    ["SELECT * FROM 'a/#/b'", /FROM: topic filter has a misplaced wildcard/],
    ["SELECT * FROM 'a' WHERE", /expected a value, a field or a function but found the end/],
    ["SELECT * FROM 'a' extra", /expected the end of the statement/],
    ["SELECT lower(x) FROM 'a'", /function lower\(\) is not supported/],
    ["SELECT topic(1, 2) FROM 'a'", /topic\(\) takes 0 or 1 arguments, not 2/],
    ["SELECT clientid(*) FROM 'a'", /expected a value, a field or a function but found "\*"/],
    ["SELECT x AS FROM 'a'", /expected a name after AS/],
    ["SELECT * FROM 'a' -- comment", /unexpected character "-"/],
    ["SELECT 'open FROM 'a'", /expected FROM but found "a"|unterminated string/],
    ["SELECT a. FROM 'a'", /expected a field name after "."/],
    ['', /expected SELECT but found the end/],
  ])('%s', (sql, message) => {
    expect(() => parseRuleSql(sql)).toThrow(message);
  });

  it('reports the position of the problem', () => {
    try {
      parseRuleSql("SELECT * FROM 'a' WHERE n = = 1");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RuleSqlError);
      expect((error as RuleSqlError).position).toBe(28);
      expect((error as Error).message).toMatch(/at character 29/);
    }
  });

  it('throws nothing but a RuleSqlError, whatever the text', () => {
    fc.assert(
      fc.property(fc.string(), (sql) => {
        try {
          parseRuleSql(sql);
        } catch (error) {
          expect(error).toBeInstanceOf(RuleSqlError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
