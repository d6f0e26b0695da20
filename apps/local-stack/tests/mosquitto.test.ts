import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStack, type LocalStack } from '../src/stack.js';
import {
  type Credentials,
  mosquittoPub,
  mosquittoSub,
  stopAllMosquittoClients,
} from './helpers/mosquitto.js';
import { waitFor } from './helpers/mqtt.js';

/**
 * The chat with Debian's mosquitto clients as the players (CI installs `mosquitto-clients`):
 * the broker must speak MQTT 3.1.1 to an implementation it was not written against.
 */

let stack: LocalStack;

beforeAll(async () => {
  stack = await createLocalStack({ log: 'silent' });
}, 30_000);
afterEach(() => stopAllMosquittoClients());
afterAll(() => stack?.stop());

async function player(playerId: string, name: string): Promise<Credentials> {
  const token = await stack.issueToken(playerId, { name });
  return { port: Number(new URL(stack.urls.mqtt).port), clientId: playerId, token };
}

describe('mosquitto_pub / mosquitto_sub players', () => {
  it('chat in Town137 while a player in Town138 receives nothing', async () => {
    const [alice, bob, carol] = await Promise.all([
      player('alice', 'Alice'),
      player('bob', 'Bob'),
      player('carol', 'Carol'),
    ]);
    // Listeners use a second client id per player (`alice.sub`), as a second tab would.
    const aliceHears = mosquittoSub({ ...alice, clientId: 'alice.sub' }, 'chat/room/Town137');
    const bobHears = mosquittoSub({ ...bob, clientId: 'bob.sub' }, 'chat/room/Town137');
    const carolHears = mosquittoSub({ ...carol, clientId: 'carol.sub' }, 'chat/room/Town138');
    await Promise.all([aliceHears.subscribed, bobHears.subscribed, carolHears.subscribed]);

    await mosquittoPub(alice, 'chat/send/Town137', '{"text":"hello bob","clientMsgId":"m1"}');
    await waitFor('bob to hear alice', () => bobHears.messages.length === 1);
    await mosquittoPub(bob, 'chat/send/Town137', '{"text":"hello alice"}');
    await waitFor('alice to hear both', () => aliceHears.messages.length === 2);

    const heard = aliceHears.messages.map((line) => JSON.parse(line));
    expect(heard).toMatchObject([
      { kind: 'chat', channel: 'Town137', from: { id: 'alice', name: 'Alice' }, text: 'hello bob' },
      { kind: 'chat', channel: 'Town137', from: { id: 'bob', name: 'Bob' }, text: 'hello alice' },
    ]);
    expect(bobHears.messages).toEqual(aliceHears.messages);
    // Carol's own message proves she was listening all along, and got only her room.
    await mosquittoPub(carol, 'chat/send/Town138', '{"text":"quiet here"}');
    await waitFor('carol to hear her room', () => carolHears.messages.length === 1);
    expect(JSON.parse(carolHears.messages[0] as string)).toMatchObject({ channel: 'Town138' });
  });

  it('are refused with a forged token, as mosquitto reports it', async () => {
    const alice = await player('alice', 'Alice');
    await expect(
      mosquittoPub({ ...alice, token: `${alice.token}x` }, 'chat/send/Town137', '{"text":"x"}'),
    ).rejects.toMatchObject({ stderr: expect.stringMatching(/not authori[sz]ed/i) });
  });
});
