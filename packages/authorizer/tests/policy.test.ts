import { MAX_CHANNEL_PATTERNS } from '@game-chat/auth/tokens';
import type { PlayerId } from '@game-chat/protocol/names';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildPolicyDocuments,
  iotArnBase,
  MAX_POLICY_DOCUMENT_LENGTH,
  MAX_POLICY_DOCUMENTS,
  type PolicyScope,
} from '../src/policy.js';
import { allows, grantedPairs } from './helpers/iot-policy.js';

const ARN = 'arn:aws:iot:eu-west-1:123456789012';
const alice = 'alice' as PlayerId;

function documentsFor(scope: Partial<PolicyScope> = {}) {
  const result = buildPolicyDocuments({
    iotArn: ARN,
    topicPrefix: 'chat',
    playerId: alice,
    channels: undefined,
    ...scope,
  });
  if (!result.ok) throw new Error(result.message);
  return result.documents;
}

describe('iotArnBase', () => {
  it.each([
    [
      'arn:aws:lambda:eu-west-1:123456789012:function:authorizer',
      'arn:aws:iot:eu-west-1:123456789012',
    ],
    [
      'arn:aws:lambda:us-east-1:210987654321:function:authorizer:live',
      'arn:aws:iot:us-east-1:210987654321',
    ],
    [
      'arn:aws-cn:lambda:cn-north-1:123456789012:function:a',
      'arn:aws-cn:iot:cn-north-1:123456789012',
    ],
  ])('takes partition, region and account from %s', (functionArn, expected) => {
    expect(iotArnBase(functionArn)).toBe(expected);
  });

  it('throws on something that is not a Lambda ARN', () => {
    expect(() => iotArnBase('arn:aws:iot:eu-west-1:123456789012:rule/x')).toThrow(TypeError);
  });
});

describe('policy for a player allowed every channel', () => {
  const documents = documentsFor();
  const can = (action: string, resource: string) =>
    allows(documents, `iot:${action}`, `${ARN}:${resource}`);

  it.each([
    ['Connect', 'client/alice', true],
    ['Connect', 'client/alice.tab2', true],
    ['Connect', 'client/bob', false],
    ['Connect', 'client/alicex', false],
    ['Publish', 'topic/chat/send/Town137', true],
    ['Publish', 'topic/chat/whisper/bob', true],
    ['Publish', 'topic/chat/room/Town137', false],
    ['Publish', 'topic/chat/inbox/bob', false],
    ['Publish', 'topic/chat/inbox/alice', false],
    ['Subscribe', 'topicfilter/chat/room/Town137', true],
    ['Subscribe', 'topicfilter/chat/inbox/alice', true],
    ['Subscribe', 'topicfilter/chat/inbox/bob', false],
    ['Subscribe', 'topicfilter/chat/inbox/+', false],
    ['Subscribe', 'topicfilter/chat/#', false],
    ['Subscribe', 'topicfilter/chat/send/Town137', false],
    ['Subscribe', 'topicfilter/chat/presence/Town137', true],
    ['Receive', 'topic/chat/room/Town137', true],
    ['Receive', 'topic/chat/presence/Town137', true],
    ['Receive', 'topic/chat/inbox/alice', true],
    ['Receive', 'topic/chat/inbox/bob', false],
    ['Receive', 'topic/chat/send/Town137', false],
  ] as const)('%s on %s: %s', (action, resource, expected) => {
    expect(can(action, resource)).toBe(expected);
  });

  it('uses the configured topic prefix', () => {
    const custom = documentsFor({ topicPrefix: 'game1' });
    expect(allows(custom, 'iot:Publish', `${ARN}:topic/game1/send/Town137`)).toBe(true);
    expect(allows(custom, 'iot:Publish', `${ARN}:topic/chat/send/Town137`)).toBe(false);
  });
});

describe('policy for a player limited to some channels', () => {
  const documents = documentsFor({ channels: ['Town137', 'Guild*'] });
  const can = (action: string, resource: string) =>
    allows(documents, `iot:${action}`, `${ARN}:${resource}`);

  it.each([
    ['Publish', 'topic/chat/send/Town137', true],
    ['Publish', 'topic/chat/send/Guild42', true],
    ['Publish', 'topic/chat/send/Town138', false],
    ['Subscribe', 'topicfilter/chat/room/Guild42', true],
    ['Subscribe', 'topicfilter/chat/room/+', false],
    ['Subscribe', 'topicfilter/chat/room/Town138', false],
    ['Receive', 'topic/chat/room/Guild42', true],
    ['Receive', 'topic/chat/room/Town138', false],
    ['Subscribe', 'topicfilter/chat/presence/Guild42', true],
    ['Subscribe', 'topicfilter/chat/presence/Town138', false],
    ['Receive', 'topic/chat/presence/Guild42', true],
    ['Receive', 'topic/chat/presence/Town138', false],
    ['Receive', 'topic/chat/inbox/alice', true],
    ['Publish', 'topic/chat/whisper/bob', true],
  ] as const)('%s on %s: %s', (action, resource, expected) => {
    expect(can(action, resource)).toBe(expected);
  });

  it('grants no channel at all for an empty channels claim, but keeps the inbox', () => {
    const none = documentsFor({ channels: [] });
    expect(allows(none, 'iot:Publish', `${ARN}:topic/chat/send/Town137`)).toBe(false);
    expect(allows(none, 'iot:Receive', `${ARN}:topic/chat/inbox/alice`)).toBe(true);
  });
});

describe('AWS size limits', () => {
  it('fits the largest token the verifier accepts: 20 channels of 64 characters, long prefix and ARN', () => {
    const longArn = 'arn:aws-us-gov:iot:us-gov-west-1:123456789012';
    const channels = Array.from(
      { length: MAX_CHANNEL_PATTERNS },
      (_, i) => `${'c'.repeat(62)}${String(i).padStart(2, '0')}`,
    );
    const result = buildPolicyDocuments({
      iotArn: longArn,
      topicPrefix: 'p'.repeat(32),
      playerId: 'a'.repeat(64) as PlayerId,
      channels,
    });

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.documents.length).toBeGreaterThan(1);
    expect(result.documents.length).toBeLessThanOrEqual(MAX_POLICY_DOCUMENTS);
    for (const document of result.documents) {
      expect(JSON.stringify(document).length).toBeLessThanOrEqual(MAX_POLICY_DOCUMENT_LENGTH);
    }
  });

  it('refuses rather than truncates when the grants cannot fit in 10 documents', () => {
    const channels = Array.from({ length: 200 }, (_, i) => `${'c'.repeat(60)}${i}`);

    const result = buildPolicyDocuments({
      iotArn: ARN,
      topicPrefix: 'chat',
      playerId: alice,
      channels,
    });

    expect(result).toEqual({ ok: false, message: expect.stringMatching(/too many channels/) });
  });

  it('splits any channel list without losing or widening a grant', () => {
    const channel = fc.stringMatching(/^[A-Za-z0-9_-]{1,63}\*?$/);
    fc.assert(
      fc.property(fc.uniqueArray(channel, { maxLength: MAX_CHANNEL_PATTERNS }), (channels) => {
        const result = buildPolicyDocuments({
          iotArn: ARN,
          topicPrefix: 'chat',
          playerId: alice,
          channels,
        });
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        for (const document of result.documents) {
          expect(JSON.stringify(document).length).toBeLessThanOrEqual(MAX_POLICY_DOCUMENT_LENGTH);
        }
        const pairs = grantedPairs(result.documents);
        expect(pairs).toHaveLength(5 + 5 * channels.length);
        for (const name of channels) {
          expect(pairs).toContain(`iot:Publish ${ARN}:topic/chat/send/${name}`);
          expect(pairs).toContain(`iot:Subscribe ${ARN}:topicfilter/chat/room/${name}`);
          expect(pairs).toContain(`iot:Subscribe ${ARN}:topicfilter/chat/presence/${name}`);
          expect(pairs).toContain(`iot:Receive ${ARN}:topic/chat/presence/${name}`);
        }
        expect(allows(result.documents, 'iot:Receive', `${ARN}:topic/chat/inbox/bob`)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
