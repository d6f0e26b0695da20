import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../src/aws-location.js';
import {
  compilePolicy,
  type IotAction,
  iotArn,
  type PolicyDocument,
  type PolicyStatement,
  parsePolicyDocument,
} from '../../src/iot-core/policy.js';

const ARN = `arn:aws:iot:${LOCAL_AWS.region}:${LOCAL_AWS.accountId}`;
const topic = (name: string) => iotArn('topic', name, LOCAL_AWS);
const filter = (name: string) => iotArn('topicfilter', name, LOCAL_AWS);
const client = (name: string) => iotArn('client', name, LOCAL_AWS);

const allow = (Action: PolicyStatement['Action'], Resource: PolicyStatement['Resource']) =>
  ({ Effect: 'Allow', Action, Resource }) as const;
const deny = (Action: PolicyStatement['Action'], Resource: PolicyStatement['Resource']) =>
  ({ Effect: 'Deny', Action, Resource }) as const;

const policyOf = (statements: PolicyStatement[], clientId = 'alice') =>
  compilePolicy([{ Version: '2012-10-17', Statement: statements }], { clientId });

describe('resource wildcards', () => {
  const cases: [string, string, boolean][] = [
    // `*` crosses levels
    [`${ARN}:topic/chat/room/*`, topic('chat/room/Town137'), true],
    [`${ARN}:topic/chat/room/*`, topic('chat/room/a/b/c'), true],
    [`${ARN}:topic/chat/*/Town137`, topic('chat/room/x/Town137'), true],
    // `?` is exactly one character
    [`${ARN}:topic/chat/room/Town13?`, topic('chat/room/Town137'), true],
    [`${ARN}:topic/chat/room/Town13?`, topic('chat/room/Town13'), false],
    [`${ARN}:topic/chat/room/Town1?`, topic('chat/room/Town137'), false],
    [`${ARN}:topic/chat/room/?`, topic('chat/room/é'), true],
    // `+` and `#` are literal characters in policies
    [`${ARN}:topicfilter/chat/room/+`, filter('chat/room/+'), true],
    [`${ARN}:topicfilter/chat/room/+`, filter('chat/room/Town137'), false],
    [`${ARN}:topicfilter/chat/#`, filter('chat/room/Town137'), false],
    [`${ARN}:topicfilter/chat/room/*`, filter('chat/room/#'), true],
    // ARNs match whole: no prefix or suffix matches, kinds differ
    [`${ARN}:topic/chat/room`, topic('chat/room/Town137'), false],
    [`${ARN}:topic/chat/room/Town137`, topic('chat/room/Town1370'), false],
    [`${ARN}:topic/chat/room/*`, filter('chat/room/Town137'), false],
    [`arn:aws:iot:eu-west-1:${LOCAL_AWS.accountId}:topic/chat/room/*`, topic('chat/room/x'), false],
    ['*', topic('anything/at/all'), true],
    // regular-expression characters are plain text
    [`${ARN}:topic/a.c`, topic('abc'), false],
    [`${ARN}:topic/a(b)|c`, topic('a(b)|c'), true],
  ];
  it.each(cases)('%s on %s → %s', (pattern, resource, expected) => {
    expect(policyOf([allow('iot:Publish', pattern)]).allows('iot:Publish', resource)).toBe(
      expected,
    );
  });

  it('matches a pattern without wildcards only to itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        fc.pre(!/[*?$]/.test(a));
        const policy = policyOf([allow('iot:Receive', `${ARN}:topic/${a}`)]);
        expect(policy.allows('iot:Receive', topic(a))).toBe(true);
        expect(policy.allows('iot:Receive', topic(b))).toBe(a === b);
      }),
    );
  });

  it('lets a trailing * stand for any suffix, line breaks included', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (prefix, rest) => {
        fc.pre(!/[*?$]/.test(prefix));
        const policy = policyOf([allow('iot:Receive', `${ARN}:topic/${prefix}*`)]);
        expect(policy.allows('iot:Receive', topic(prefix + rest))).toBe(true);
      }),
    );
  });
});

describe('statements', () => {
  it('denies what no statement allows', () => {
    const policy = policyOf([allow('iot:Publish', topic('chat/send/*'))]);
    expect(policy.decide('iot:Publish', topic('chat/room/x'))).toBe('implicit-deny');
    expect(policy.decide('iot:Subscribe', filter('chat/send/x'))).toBe('implicit-deny');
  });

  it('lets an explicit Deny win over any Allow, in any order or document', () => {
    const statements = [allow('iot:*', '*'), deny('iot:Publish', topic('chat/room/*'))];
    for (const order of [statements, [...statements].reverse()]) {
      expect(policyOf(order).decide('iot:Publish', topic('chat/room/x'))).toBe('explicit-deny');
      expect(policyOf(order).allows('iot:Publish', topic('chat/send/x'))).toBe(true);
    }
    const split = compilePolicy(
      [
        { Statement: statements[0] as PolicyStatement },
        { Statement: [statements[1] as PolicyStatement] },
      ],
      { clientId: 'alice' },
    );
    expect(split.decide('iot:Publish', topic('chat/room/x'))).toBe('explicit-deny');
  });

  it.each<[string, PolicyStatement['Action'], IotAction, boolean]>([
    ['an exact action', 'iot:Publish', 'iot:Publish', true],
    ['another action', 'iot:Publish', 'iot:Receive', false],
    ['action names in any case', 'IOT:publish', 'iot:Publish', true],
    ['iot:*', 'iot:*', 'iot:Subscribe', true],
    ['a list', ['iot:Subscribe', 'iot:Receive'], 'iot:Receive', true],
    ['a prefix wildcard', 'iot:Re*', 'iot:RetainPublish', true],
  ])('matches %s', (_case, action, asked, expected) => {
    expect(policyOf([allow(action, '*')]).allows(asked, topic('t'))).toBe(expected);
  });

  it('supports NotAction and NotResource', () => {
    const policy = policyOf([
      { Effect: 'Allow', NotAction: 'iot:Publish', Resource: '*' },
      { Effect: 'Deny', Action: 'iot:Receive', NotResource: topic('chat/room/*') },
    ]);
    expect(policy.allows('iot:Publish', topic('chat/room/x'))).toBe(false);
    expect(policy.allows('iot:Receive', topic('chat/room/x'))).toBe(true);
    expect(policy.decide('iot:Receive', topic('chat/inbox/bob'))).toBe('explicit-deny');
  });

  it('never grants through a condition it cannot evaluate, but always denies through one', () => {
    const condition = { StringEquals: { 'aws:SourceIp': '10.0.0.1' } };
    const conditionalAllow = policyOf([{ ...allow('iot:*', '*'), Condition: condition }]);
    expect(conditionalAllow.allows('iot:Publish', topic('t'))).toBe(false);
    const conditionalDeny = policyOf([
      allow('iot:*', '*'),
      { ...deny('iot:*', '*'), Condition: condition },
    ]);
    expect(conditionalDeny.decide('iot:Publish', topic('t'))).toBe('explicit-deny');
  });
});

describe('policy variables', () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: IoT policy variables, not JS templates
  it('resolves ${iot:ClientId}', () => {
    const policy = policyOf([allow('iot:Connect', `${ARN}:client/\${iot:ClientId}`)], 'alice.tab2');
    expect(policy.allows('iot:Connect', client('alice.tab2'))).toBe(true);
    expect(policy.allows('iot:Connect', client('bob'))).toBe(false);
  });

  it('treats wildcard characters in a client id literally (AWS warns about `+`)', () => {
    const policy = policyOf(
      [allow('iot:Subscribe', `${ARN}:topicfilter/chat/inbox/\${iot:ClientId}`)],
      '*',
    );
    expect(policy.allows('iot:Subscribe', filter('chat/inbox/*'))).toBe(true);
    expect(policy.allows('iot:Subscribe', filter('chat/inbox/bob'))).toBe(false);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: IoT policy variables, not JS templates
  it('reads ${*}, ${?} and ${$} as the literal characters', () => {
    const policy = policyOf([allow('iot:Publish', `${ARN}:topic/a\${*}b\${?}c\${$}`)]);
    expect(policy.allows('iot:Publish', topic('a*b?c$'))).toBe(true);
    expect(policy.allows('iot:Publish', topic('axxbyc$'))).toBe(false);
  });

  it('lets a resource with a variable it cannot resolve match nothing', () => {
    const policy = policyOf([
      allow('iot:Connect', `${ARN}:client/\${iot:Connection.Thing.ThingName}`),
    ]);
    expect(policy.allows('iot:Connect', client(''))).toBe(false);
    expect(policy.allows('iot:Connect', client('alice'))).toBe(false);
  });
});

describe('parsePolicyDocument', () => {
  const valid: PolicyDocument = { Version: '2012-10-17', Statement: [allow('iot:Connect', '*')] };

  it('accepts an object or its JSON text (older AWS docs show strings)', () => {
    expect(parsePolicyDocument(valid)).toEqual({ ok: true, value: valid });
    expect(parsePolicyDocument(JSON.stringify(valid))).toEqual({ ok: true, value: valid });
    expect(parsePolicyDocument({ Statement: allow('iot:Connect', '*') }).ok).toBe(true);
  });

  it.each<[string, unknown, RegExp]>([
    ['not JSON', '{', /not valid JSON/],
    ['an array', [], /JSON object/],
    ['no statements', { Version: '2012-10-17' }, /no Statement/],
    ['an empty statement list', { Statement: [] }, /no Statement/],
    ['a bad effect', { Statement: [{ Effect: 'Maybe', Action: '*', Resource: '*' }] }, /Effect/],
    ['no action', { Statement: [{ Effect: 'Allow', Resource: '*' }] }, /Action and NotAction/],
    [
      'both Resource and NotResource',
      { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', NotResource: '*' }] },
      /Resource and NotResource/,
    ],
    [
      'a non-string resource',
      { Statement: [{ Effect: 'Allow', Action: '*', Resource: [1] }] },
      /Resource must be/,
    ],
    [
      'an empty action list',
      { Statement: [{ Effect: 'Allow', Action: [], Resource: '*' }] },
      /Action must be/,
    ],
  ])('refuses %s', (_case, input, message) => {
    const result = parsePolicyDocument(input);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toMatch(message);
  });
});
