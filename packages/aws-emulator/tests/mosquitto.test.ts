import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { customAuthUsername } from '@game-chat/protocol/custom-auth';
import { waitFor } from '@game-chat/testing/mqtt-client';
import { describe, expect, it } from 'vitest';
import { localStackForFile } from './helpers/local-stack.js';
import {
  type Credentials,
  mosquittoPub,
  mosquittoSub,
  stopAllMosquittoClients,
} from './helpers/mosquitto.js';

/**
 * The chat with Debian's mosquitto clients as the players (CI installs `mosquitto-clients`):
 * the broker must speak MQTT 3.1.1 to an implementation it was not written against.
 */

const file = localStackForFile({}, stopAllMosquittoClients);

const port = () => Number(new URL(file.stack.urls.mqtt).port);

async function player(playerId: string, name: string): Promise<Credentials> {
  const credentials = await file.stack.issueSignedToken(playerId, { name });
  return { port: port(), clientId: playerId, username: customAuthUsername(playerId, credentials) };
}

/** What the root `pnpm token` script runs (the auth package builds before these tests run). */
const TOKEN_COMMAND = fileURLToPath(new URL('../../../packages/auth/dist/cli.js', import.meta.url));

/** `pnpm token <playerId> --username`, the README's way, as the built executable. */
async function usernameFromTokenCommand(playerId: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    TOKEN_COMMAND,
    playerId,
    '--username',
    '--authorizer',
    file.stack.authorizerName,
  ]);
  return stdout.trim();
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
    await waitFor(
      'alice and bob to hear both',
      () => aliceHears.messages.length === 2 && bobHears.messages.length === 2,
    );

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

  it('connect with the user name `pnpm token --username` prints, as the README shows', async () => {
    const dana = {
      port: port(),
      clientId: 'dana',
      username: await usernameFromTokenCommand('dana'),
    };
    const danaHears = mosquittoSub({ ...dana, clientId: 'dana.sub' }, 'chat/room/Town140');
    await danaHears.subscribed;
    await mosquittoPub(dana, 'chat/send/Town140', '{"text":"from the README"}');
    await waitFor('dana to hear herself', () => danaHears.messages.length === 1);
    expect(JSON.parse(danaHears.messages[0] as string)).toMatchObject({ text: 'from the README' });
  });

  it.each([
    [
      'a token changed after signing',
      (username: string) => username.replace(/&token=(.)/, '&token=x$1'),
    ],
    [
      'no signature',
      (username: string) => username.replace(/&x-amz-customauthorizer-signature=[^&]*/, ''),
    ],
    [
      'no authorizer name',
      (username: string) => username.replace(/x-amz-customauthorizer-name=[^&]*&/, ''),
    ],
  ])('are refused with %s, as mosquitto reports it', async (_case, change) => {
    const alice = await player('alice', 'Alice');
    const before = file.stack.stats().broker.authorizerInvocations;
    await expect(
      mosquittoPub(
        { ...alice, username: change(alice.username) },
        'chat/send/Town137',
        '{"text":"x"}',
      ),
    ).rejects.toMatchObject({ stderr: expect.stringMatching(/not authori[sz]ed/i) });
    expect(file.stack.stats().broker.authorizerInvocations).toBe(before);
  });
});
