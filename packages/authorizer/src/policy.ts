import type { PlayerId } from '@game-chat/protocol/names';
import { createTopics } from '@game-chat/protocol/topics';
import type { PolicyDocument } from 'aws-lambda';

/** AWS limits for a custom authorizer's answer (aws-fidelity.md §2.2). */
export const MAX_POLICY_DOCUMENTS = 10;
export const MAX_POLICY_DOCUMENT_LENGTH = 2048;

type IotAction = 'iot:Connect' | 'iot:Publish' | 'iot:Subscribe' | 'iot:Receive';
const ACTION_ORDER: readonly IotAction[] = [
  'iot:Connect',
  'iot:Publish',
  'iot:Subscribe',
  'iot:Receive',
];

export interface PolicyScope {
  /** `arn:{partition}:iot:{region}:{account}`, see `iotArnBase`. */
  readonly iotArn: string;
  readonly topicPrefix: string;
  readonly playerId: PlayerId;
  /** The token's `channels` claim; absent means every channel. */
  readonly channels: readonly string[] | undefined;
}

export type PolicyResult =
  | { readonly ok: true; readonly documents: PolicyDocument[] }
  | { readonly ok: false; readonly message: string };

const LAMBDA_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:[^:]+(:[^:]+)?$/;

/**
 * The IoT ARN base of the account and region the function runs in, from
 * `context.invokedFunctionArn` (`arn:aws:lambda:eu-west-1:123456789012:function:name`).
 */
export function iotArnBase(invokedFunctionArn: string): string {
  const match = LAMBDA_ARN.exec(invokedFunctionArn);
  if (!match) throw new TypeError(`not a Lambda function ARN: ${invokedFunctionArn}`);
  const [, partition, region, account] = match;
  return `arn:${partition}:iot:${region}:${account}`;
}

/**
 * The grants of contract §4, as (action, resource) pairs. IoT policies read `*` as any characters,
 * across levels, and `+` and `#` literally; player ids and channel patterns cannot hold `+`,
 * `#`, `?` or `$`, so nothing here widens beyond what it names.
 */
function grants(scope: PolicyScope): [IotAction, string][] {
  const topics = createTopics(scope.topicPrefix);
  const { iotArn, playerId } = scope;
  const channels = new Set(scope.channels ?? ['*']);
  const topic = (name: string) => `${iotArn}:topic/${name}`;
  const filter = (name: string) => `${iotArn}:topicfilter/${name}`;
  const inbox = topics.inbox(playerId);
  const pairs: [IotAction, string][] = [
    // `alice.*` also matches `alice.` or `alice.+`; the authorizer checks the client id itself.
    ['iot:Connect', `${iotArn}:client/${playerId}`],
    ['iot:Connect', `${iotArn}:client/${playerId}.*`],
    ['iot:Publish', topic(`${topics.prefix}/whisper/*`)],
    ['iot:Subscribe', filter(inbox)],
    ['iot:Receive', topic(inbox)],
  ];
  for (const channel of channels) {
    pairs.push(
      ['iot:Publish', topic(`${topics.prefix}/send/${channel}`)],
      // A subscription to `chat/room/#` passes this check, but Receive, checked on every
      // delivery, still only lets the allowed rooms (and presence topics) through.
      ['iot:Subscribe', filter(`${topics.prefix}/room/${channel}`)],
      ['iot:Subscribe', filter(`${topics.prefix}/presence/${channel}`)],
      ['iot:Receive', topic(`${topics.prefix}/room/${channel}`)],
      ['iot:Receive', topic(`${topics.prefix}/presence/${channel}`)],
    );
  }
  return pairs;
}

function render(statements: ReadonlyMap<IotAction, readonly string[]>): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: ACTION_ORDER.filter((action) => statements.has(action)).map((action) => ({
      Effect: 'Allow',
      Action: action,
      Resource: [...(statements.get(action) ?? [])],
    })),
  };
}

const renderedLength = (statements: ReadonlyMap<IotAction, readonly string[]>) =>
  JSON.stringify(render(statements)).length;

/**
 * The policy documents for one player: as few as the 2,048-character limit allows, at most
 * 10. A `channels` claim too long to fit is refused rather than cut short.
 */
export function buildPolicyDocuments(scope: PolicyScope): PolicyResult {
  const documents: PolicyDocument[] = [];
  let current = new Map<IotAction, string[]>();
  for (const [action, resource] of grants(scope)) {
    const next = new Map(current);
    next.set(action, [...(current.get(action) ?? []), resource]);
    if (renderedLength(next) <= MAX_POLICY_DOCUMENT_LENGTH) {
      current = next;
      continue;
    }
    const alone = new Map([[action, [resource]]]);
    if (current.size === 0 || renderedLength(alone) > MAX_POLICY_DOCUMENT_LENGTH) {
      return { ok: false, message: 'a policy resource is longer than a policy document may be' };
    }
    documents.push(render(current));
    current = alone;
  }
  if (current.size > 0) documents.push(render(current));
  if (documents.length > MAX_POLICY_DOCUMENTS) {
    return { ok: false, message: 'the token names too many channels for an IoT policy' };
  }
  return { ok: true, documents };
}
