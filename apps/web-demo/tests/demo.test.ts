import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type LocalStack,
  launchChromium,
  Player,
  type PlayerOptions,
  startDemoStack,
} from './support/browser.js';

let stack: LocalStack;
let browser: Browser;
const players: Player[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([startDemoStack(), launchChromium()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

afterEach(async () => {
  await Promise.all(players.splice(0).map((player) => player.close()));
});

async function signIn(
  name: string,
  options: PlayerOptions = {},
  on: LocalStack = stack,
): Promise<Player> {
  const player = await Player.signIn(browser, on, name, options);
  players.push(player);
  return player;
}

/** Two players signed in on `channel`: the first said `text`, and the second saw it. */
async function chatting(
  names: [string, string],
  channel: string,
  text: string,
  on: LocalStack = stack,
): Promise<[Player, Player]> {
  const [speaker, listener] = await Promise.all([
    signIn(names[0], { channel }, on),
    signIn(names[1], { channel }, on),
  ]);
  await speaker.say(text);
  await listener.row(text).waitFor();
  return [speaker, listener];
}

/** Polls until `read()` gives `expected` (or fails after the timeout): no fixed sleeps. */
function eventually<T>(read: () => Promise<T>, timeout = 10_000) {
  return expect.poll(read, { timeout, interval: 50 });
}

describe('web demo in Chromium against the local stack', () => {
  it('serves config.json made from the stack URLs, and signs in from a name', async () => {
    const config = await (await fetch(`${stack.urls.web}/config.json`)).json();
    expect(config).toEqual({
      endpoint: stack.urls.ws,
      apiUrl: stack.urls.api,
      authorizerName: stack.authorizerName,
      tokenKeyName: 'token',
      topicPrefix: 'chat',
      maxTextLength: 500,
      devTokenUrl: `${stack.urls.api}/dev/tokens`,
    });
    const ada = await Player.open(browser, stack);
    players.push(ada);
    await ada.screenshot('sign-in');
    await ada.page.getByRole('textbox', { name: 'Name', exact: true }).fill('Ada');
    await ada.page.getByRole('button', { name: 'Sign in' }).click();
    await ada.joined('Town137');
    expect(await ada.page.locator('#who-name').textContent()).toBe('Ada');
    expect(await ada.page.locator('#who-role').textContent()).toBe('player');
    expect(await ada.page.getByText('Moderator tools').isVisible()).toBe(false);
    ada.expectClean();
  });

  it('two players chat: Enter and Send, own messages once and in order, whispers by name', async () => {
    const [alice, bob] = await chatting(['Alice', 'Bob'], 'Plaza', 'hi bob');
    await bob.page.getByRole('textbox', { name: 'Message' }).fill('hey alice');
    await bob.page.getByRole('button', { name: 'Send' }).click();
    await alice.row('hey alice').waitFor();
    for (const text of ['one', 'two', 'three']) await alice.say(text);

    const conversation = ['hi bob', 'hey alice', 'one', 'two', 'three'];
    await eventually(() => bob.texts()).toEqual(conversation);
    await eventually(() => alice.texts()).toEqual(conversation);
    expect(await alice.row('one').locator('.msg__from').textContent()).toBe('Alice');
    expect(await alice.row('one').getAttribute('class')).toContain('msg--own');

    // A click on a name starts a whisper to that player.
    await bob.row('three').getByRole('button', { name: 'Whisper to Alice' }).click();
    expect(await bob.page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('/w Alice ');
    await bob.page.getByRole('textbox', { name: 'Message' }).press('End');
    await bob.page.getByRole('textbox', { name: 'Message' }).pressSequentially('psst, over here');
    await bob.page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await alice.row('psst, over here').filter({ hasText: 'Bob → you' }).waitFor();
    await bob.row('psst, over here').filter({ hasText: 'You → Alice' }).waitFor();
    expect(await alice.texts()).toEqual(conversation);

    // Bob landed in Town137 and switched to Plaza over the one connection he opened.
    expect(bob.webSockets).toHaveLength(1);
    await alice.screenshot('chat');
    alice.expectClean();
    bob.expectClean();
  });

  it('joining a channel shows its recent history, then live messages; switching keeps the connection', async () => {
    const [carol, dave] = await Promise.all([
      signIn('Carol', { channel: 'Harbor' }),
      signIn('Dave'),
    ]);
    await carol.say('first');
    await carol.row('first').waitFor();
    await carol.say('second');
    await carol.row('second').waitFor();

    await dave.join('Harbor');
    // The header is written at once, the rows render in a batch a moment later.
    await eventually(() => dave.texts()).toEqual(['first', 'second']);
    await dave.marker('#Harbor: 2 recent messages').waitFor();
    await carol.say('third');
    await eventually(() => dave.texts()).toEqual(['first', 'second', 'third']);

    // Recent channels: back to Town137 and again to Harbor, whose history has all three.
    const recent = dave.page.getByRole('navigation', { name: 'Recent channels' });
    await recent.getByRole('button', { name: '#Town137' }).click();
    await dave.joined('Town137');
    expect(await dave.texts()).not.toContain('first');
    await recent.getByRole('button', { name: '#Harbor' }).click();
    await dave.joined('Harbor');
    await eventually(() => dave.texts()).toEqual(['first', 'second', 'third']);
    expect(dave.webSockets).toHaveLength(1);
    dave.expectClean();
  });

  it('shows hostile text and names as text and runs nothing', async () => {
    const [eve, frank] = await Promise.all([
      signIn('<b>Eve</b>', { channel: 'Crypt' }),
      signIn('Frank', { channel: 'Crypt' }),
    ]);
    const attacks = [
      '<img src=x onerror=alert(1)>',
      '<script>alert(2)</script>',
      '<img src=x onerror="window.pwned=1">',
    ];
    for (const attack of attacks) await eve.say(attack);
    await eventually(() => frank.texts()).toEqual(attacks);
    await eventually(() => eve.texts()).toEqual(attacks);
    for (const player of [eve, frank]) {
      expect(await player.log.locator('img, script, b').count()).toBe(0);
      expect(await player.page.evaluate(() => 'pwned' in window)).toBe(false);
      player.expectClean();
    }
    expect(
      await frank
        .row(attacks[0] as string)
        .locator('.msg__from')
        .textContent(),
    ).toBe('<b>Eve</b>');
    expect(await eve.page.locator('#who-name').textContent()).toBe('<b>Eve</b>');
  });

  it('explains refusals inline: length counter, unknown command, rate limit countdown', async () => {
    const gus = await signIn('Gus', { channel: 'Tavern' });
    const box = gus.page.getByRole('textbox', { name: 'Message' });
    const send = gus.page.getByRole('button', { name: 'Send' });
    await box.fill('x'.repeat(501));
    expect(await gus.page.locator('#counter').textContent()).toBe('501/500');
    expect(await send.isDisabled()).toBe(true);
    await box.fill('😀'.repeat(500));
    expect(await gus.page.locator('#counter').textContent()).toBe('500/500');
    expect(await send.isDisabled()).toBe(false);

    await gus.say('/dance');
    await gus.log.locator('.notice', { hasText: 'Unknown command /dance' }).waitFor();

    // A burst of 5, then 1 per second: a refused message gets a countdown, and its text back.
    // Each message's answer (delivered, or refused with its text given back) is awaited before
    // the next is typed, so typing never races a refusal on a slow machine.
    const refusals = gus.log.locator('.notice', { hasText: /^Slow down/ });
    let sent = 0;
    let refused = false;
    while (!refused && sent < 20) {
      const text = `spam ${++sent}`;
      await gus.say(text);
      const outcome = async () => {
        if ((await box.inputValue()) === text) return 'refused';
        return (await gus.texts()).includes(text) ? 'delivered' : 'pending';
      };
      await eventually(outcome).not.toBe('pending');
      refused = (await outcome()) === 'refused';
    }
    expect(refused).toBe(true);
    await refusals
      .filter({ hasText: /Try again in \d+\.\d s\.$/ })
      .first()
      .waitFor();
    await refusals
      .filter({ hasText: /You can send again\.$/ })
      .first()
      .waitFor();
    const shown = await gus.texts();
    expect(shown.length).toBeGreaterThanOrEqual(5);
    expect(shown.length).toBeLessThan(sent);
    expect(shown).not.toContain(await box.inputValue());
    gus.expectClean();
  });

  it('spawns bots that chat in the channel, with live stats', async () => {
    const hana = await signIn('Hana', { channel: 'Arena' });
    const { page } = hana;
    await page.getByText('Playtest bots', { exact: true }).click();
    await page.getByRole('spinbutton', { name: 'Number of bots' }).fill('4');
    await page.getByRole('spinbutton', { name: 'Messages per second' }).fill('4');
    await page.getByRole('button', { name: 'Start bots' }).click();

    await eventually(() => page.locator('#stat-connected').textContent(), 20_000).toBe('4');
    await eventually(async () => (await hana.texts()).length, 20_000).toBeGreaterThanOrEqual(6);
    await eventually(() => page.locator('#stat-p95').textContent()).toMatch(/^\d+ ms$/);
    expect(await page.locator('#stat-p50').textContent()).toMatch(/^\d+ ms$/);
    await eventually(async () =>
      Number(await page.locator('#stat-rate').textContent()),
    ).toBeGreaterThan(0);
    const senders = await hana.log.locator('li.msg--chat .msg__from').allTextContents();
    expect(new Set(senders).size).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#stat-refused').textContent()).toBe('0');
    await hana.screenshot('bots');

    await page.getByRole('button', { name: 'Stop bots' }).click();
    await eventually(() => page.locator('#stat-connected').textContent()).toBe('0');
    await page.getByRole('button', { name: 'Start bots' }).waitFor();
    expect(await page.getByRole('button', { name: 'Start bots' }).isEnabled()).toBe(true);
    hana.expectClean();
  });

  it('shows who is here: live count, members (the bot observer, not the bots), /w by name in any case', async () => {
    const kai = await signIn('Kai', { channel: 'Hall' });
    const count = (player: Player) => player.page.locator('#room-count').textContent();
    const members = (player: Player) =>
      player.page
        .getByRole('list', { name: 'Members of the channel' })
        .locator('li')
        .allTextContents();
    await eventually(() => count(kai)).toBe('1 here');
    const lia = await signIn('Lia', { channel: 'Hall' });
    await eventually(() => count(kai)).toBe('2 here');
    await eventually(() => members(kai)).toEqual(['Kai', 'Lia']);
    await eventually(() => members(lia)).toEqual(['Kai', 'Lia']);

    // Tab completes a member's id; `/w kai` means the member Kai; nobody is called `nobody`.
    const box = lia.page.getByRole('textbox', { name: 'Message' });
    await box.fill('/w k');
    await box.press('Tab');
    expect(await box.inputValue()).toBe('/w Kai ');
    await lia.say('/w kai over here');
    await kai.row('over here').filter({ hasText: 'Lia → you' }).waitFor();
    await lia.say('/w nobody hello?');
    await lia.log.locator('li.notice').filter({ hasText: 'nobody is not online' }).waitFor();

    // Bots post without joining, so they are not members; their observer joins, so it is one.
    const { page } = kai;
    await page.getByText('Playtest bots', { exact: true }).click();
    await page.getByRole('spinbutton', { name: 'Number of bots' }).fill('3');
    await page.getByRole('spinbutton', { name: 'Messages per second' }).fill('3');
    await page.getByRole('button', { name: 'Start bots' }).click();
    await eventually(() => page.locator('#stat-connected').textContent(), 20_000).toBe('3');
    // The bots are online and talking in the channel, and still only the observer was added.
    await eventually(async () => (await lia.texts()).length, 20_000).toBeGreaterThanOrEqual(3);
    await eventually(() => members(lia), 20_000).toEqual(['Bot observer', 'Kai', 'Lia']);
    expect(await count(lia)).toBe('3 here');
    await eventually(() => count(kai)).toBe('3 here');
    await kai.screenshot('members');
    await page.getByRole('button', { name: 'Stop bots' }).click();
    await eventually(() => count(lia), 20_000).toBe('2 here');
    await eventually(() => members(lia)).toEqual(['Kai', 'Lia']);
    kai.expectClean();
    lia.expectClean();
  });

  it('lets a moderator delete a message, announce, mute and unmute', async () => {
    const [mira, pat] = await Promise.all([
      signIn('Mira', { role: 'moderator', channel: 'Keep' }),
      signIn('Pat', { channel: 'Keep' }),
    ]);
    expect(await mira.page.locator('#who-role').textContent()).toBe('moderator');
    expect(await pat.page.getByRole('button', { name: /^Delete message/ }).count()).toBe(0);
    await pat.say('delete me please');
    await pat.say('keep me');
    await mira.row('keep me').waitFor();

    await mira
      .row('delete me please')
      .getByRole('button', { name: 'Delete message from Pat' })
      .click();
    await eventually(() => pat.texts()).toEqual(['keep me']);
    await eventually(() => mira.texts()).toEqual(['keep me']);

    await mira.page
      .getByRole('textbox', { name: 'Announcement' })
      .fill('Server restarts in 5 minutes');
    await mira.page.getByRole('button', { name: 'Announce' }).click();
    await pat.row('Server restarts in 5 minutes').filter({ hasText: 'Announcement' }).waitFor();

    await mira.row('keep me').getByRole('button', { name: 'Mute Pat' }).click();
    await mira.log.locator('.notice', { hasText: /^Muted Pat until / }).waitFor();
    await pat.say('can I still talk?');
    await pat.log.locator('.notice--error', { hasText: 'You are muted until' }).waitFor();
    await mira.screenshot('moderator');

    expect(await mira.page.getByRole('textbox', { name: 'Player id' }).inputValue()).toBe('Pat');
    await mira.page.getByRole('button', { name: 'Unmute' }).click();
    await mira.log.locator('.notice', { hasText: 'Unmuted Pat.' }).waitFor();
    await pat.say('thanks!');
    await mira.row('thanks!').waitFor();
    expect(await mira.texts()).not.toContain('can I still talk?');
    mira.expectClean();
    pat.expectClean();
  });

  it('lets a player block and report, a moderator work the report queue, and counts slow mode down', async () => {
    const [mira, pat, quinn] = await Promise.all([
      signIn('Mira', { role: 'moderator', channel: 'Guard' }),
      signIn('Pat', { channel: 'Guard' }),
      signIn('Quinn', { channel: 'Guard' }),
    ]);
    await quinn.say('you are bad at this');
    await pat.row('you are bad at this').waitFor();

    // Report: a reason and a note in the dialog; the server keeps the evidence.
    await pat
      .row('you are bad at this')
      .getByRole('button', { name: 'Report message from Quinn' })
      .click();
    const dialog = pat.page.getByRole('dialog');
    await dialog.getByRole('combobox', { name: 'Reason' }).selectOption('harassment');
    await dialog.getByRole('textbox', { name: 'Note' }).fill('every single match');
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await pat.log.locator('.notice', { hasText: "Reported Quinn's message" }).waitFor();

    // Block: Quinn's rows go, and new ones never show.
    await pat.row('you are bad at this').getByRole('button', { name: 'Block Quinn' }).click();
    await pat.log.locator('.notice', { hasText: 'Blocked Quinn' }).waitFor();
    await eventually(() => pat.texts()).toEqual([]);
    await quinn.say('can you hear me');
    await mira.row('can you hear me').waitFor();
    await mira.say('moving on');
    await pat.row('moving on').waitFor();
    expect(await pat.texts()).toEqual(['moving on']);

    // The moderator's queue shows the report with its evidence; Mute resolves it.
    await mira.page.getByRole('button', { name: 'Refresh reports' }).click();
    const report = mira.page.locator('li.report').filter({ hasText: 'reported by Pat' });
    await report
      .getByRole('list', { name: 'Evidence' })
      .filter({ hasText: 'you are bad at this' })
      .waitFor();
    expect(await report.textContent()).toContain('every single match');
    await mira.screenshot('reports');
    await report.getByRole('button', { name: 'Mute reported player' }).click();
    await mira.log.locator('.notice', { hasText: 'Report on Quinn: Quinn muted.' }).waitFor();
    await eventually(() => mira.page.locator('li.report').count()).toBe(0);
    await quinn.say('hello?');
    await quinn.log.locator('.notice--error', { hasText: 'You are muted until' }).waitFor();

    // Slow mode: announced, shown in the composer, and counted down after a message.
    await mira.page.getByRole('spinbutton', { name: 'Slow mode (seconds, 1-600)' }).fill('30');
    await mira.page.getByRole('button', { name: 'Set slow mode' }).click();
    await pat.row('Slow mode is on: one message every 30 seconds').waitFor();
    const composer = pat.page.locator('#slow-mode');
    await eventually(() => composer.textContent()).toBe('Slow mode: one message every 30 s');
    await pat.say('first');
    await pat.row('first').waitFor();
    await eventually(() => composer.textContent()).toMatch(
      /^Slow mode: next message in \d+\.\d s$/,
    );
    await pat.say('second');
    await pat.log
      .locator('.notice', { hasText: /Slow mode: one message every 30 seconds/ })
      .waitFor();
    expect(await pat.texts()).not.toContain('second');
    await pat.screenshot('slow-mode');
    await mira.page.getByRole('button', { name: 'Slow mode off' }).click();
    await eventually(() => composer.isVisible()).toBe(false);
    for (const player of [mira, pat, quinn]) player.expectClean();
  });

  it('signs in with a pasted signed token and hand-entered server settings, as against AWS', async () => {
    const tess = await Player.open(browser, stack);
    players.push(tess);
    const { page } = tess;
    await page.getByText('Server settings', { exact: true }).click();
    expect(await page.getByRole('textbox', { name: 'MQTT endpoint' }).inputValue()).toBe(
      stack.urls.ws,
    );
    expect(await page.getByRole('textbox', { name: 'Custom authorizer' }).inputValue()).toBe(
      stack.authorizerName,
    );
    expect(await page.getByRole('textbox', { name: 'Token key name' }).inputValue()).toBe('token');
    await page.getByRole('textbox', { name: 'Dev token URL' }).fill('');

    // Without a dev token endpoint, a name alone cannot sign in.
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Tess');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'paste a player token' }).waitFor();

    // A bad URL is refused before anything connects, naming the field.
    await page.getByRole('textbox', { name: 'MQTT endpoint' }).fill('http://nowhere/mqtt');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'endpoint: must start with ws:// or wss://' })
      .waitFor();
    await page.getByRole('textbox', { name: 'MQTT endpoint' }).fill(stack.urls.ws);

    // What `pnpm token tess --name Tess --role moderator` prints.
    const real = await stack.issueSignedToken('tess', { name: 'Tess', role: 'moderator' });
    const [header, payload] = real.token.split('.');
    const refused = [
      // The token alone: IoT Core's signature check refuses it before the authorizer.
      real.token,
      // A forged token signed for IoT Core: the authorizer refuses it.
      JSON.stringify(stack.signToken(`${header}.${payload}.forged`)),
    ];
    for (const pasted of refused) {
      await page.getByRole('textbox', { name: 'Player token' }).fill(pasted);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page
        .getByRole('alert')
        .filter({ hasText: /Could not sign in: .*refused/ })
        .waitFor();
    }

    await page.getByRole('textbox', { name: 'Player token' }).fill(JSON.stringify(real));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await tess.joined('Town137');
    expect(await page.locator('#who-name').textContent()).toBe('Tess');
    expect(await page.locator('#who-role').textContent()).toBe('moderator');
    await page.getByText('Playtest bots', { exact: true }).click();
    expect(await page.getByRole('button', { name: 'Start bots' }).isDisabled()).toBe(true);
    expect(await page.locator('#bots-note').textContent()).toContain('Bots need a local stack');

    // The hand-entered settings are kept for the next visit; Reset brings back config.json's.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.reload();
    await page.getByText('Server settings', { exact: true }).click();
    expect(await page.getByRole('textbox', { name: 'Dev token URL' }).inputValue()).toBe('');
    await page.getByRole('button', { name: 'Reset to config.json' }).click();
    expect(await page.getByRole('textbox', { name: 'Dev token URL' }).inputValue()).toBe(
      `${stack.urls.api}/dev/tokens`,
    );
    tess.expectClean();
  });

  it('fits a narrow phone-sized window', async () => {
    const uma = await signIn('Uma', { channel: 'Docks', viewport: { width: 390, height: 800 } });
    await uma.say('hello from a phone, with a fairly long line that has to wrap nicely');
    await uma.row('hello from a phone').waitFor();
    for (const name of ['Send', 'Join']) {
      const box = await uma.page.getByRole('button', { name }).boundingBox();
      expect(box).not.toBeNull();
      expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
    }
    const width = await uma.page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await uma.screenshot('narrow');
    uma.expectClean();
  });

  it('recovers a dropped connection: what was said meanwhile comes from history', async () => {
    // The default history window (30 s): however slow the machine, the drop is short.
    const [rex, quinn] = await chatting(['Rex', 'Quinn'], 'Ruins', 'before the drop');

    // The browser's offline event drops the connection; its online event brings it back.
    await quinn.goOffline();
    await quinn.status('reconnecting');
    await rex.say('while you were out');
    await rex.row('while you were out').waitFor();
    await quinn.goOnline();
    await quinn.status('online');
    await eventually(() => quinn.texts()).toEqual(['before the drop', 'while you were out']);
    await quinn.marker('Reconnected').waitFor();
    expect(await quinn.marker('Messages missed').count()).toBe(0);
    quinn.expectClean();
  });
});

describe('web demo on a stack with a short history window', () => {
  /** Short, so that a test can wait until a message has expired. */
  const SHORT_HISTORY_SECONDS = 2;
  let shortStack: LocalStack;

  beforeAll(async () => {
    shortStack = await startDemoStack({
      CHAT_HISTORY_SECONDS: String(SHORT_HISTORY_SECONDS),
      CHAT_CHANNEL_CLASSES: 'guild-*=1h/1000',
    });
  }, 60_000);

  afterAll(async () => {
    await shortStack?.stop();
  });

  it('marks messages that expired during a drop as missed', async () => {
    const [rex, quinn] = await chatting(['Rex', 'Quinn'], 'Ruins', 'before the drop', shortStack);

    // A drop longer than the history window: what was said has expired, and the page says so.
    await quinn.goOffline();
    await quinn.status('reconnecting');
    await rex.say('gone before you return');
    await rex.row('gone before you return').waitFor();
    const token = await shortStack.issueToken('watcher');
    await eventually(
      async () => {
        const response = await fetch(`${shortStack.urls.api}/channels/Ruins/messages`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return ((await response.json()) as { messages: unknown[] }).messages.length;
      },
      (SHORT_HISTORY_SECONDS + 10) * 1000,
    ).toBe(0);
    await quinn.goOnline();
    await quinn.status('online');
    await quinn.marker('Reconnected').waitFor();
    await quinn.marker('Messages missed while you were disconnected').waitFor();
    expect(await quinn.texts()).not.toContain('gone before you return');
    await rex.say('welcome back');
    await quinn.row('welcome back').waitFor();
    await quinn.screenshot('reconnect');
    quinn.expectClean();
  });

  it('scrolling to the top loads older messages, down to a marker at the true start', async () => {
    const channel = 'guild-scroll';
    const token = await shortStack.issueToken('herald', { role: 'moderator' });
    const texts = Array.from({ length: 260 }, (_, i) => `m${i}`);
    for (const text of texts) {
      const response = await fetch(`${shortStack.urls.api}/channels/${channel}/announcements`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      });
      expect(response.status).toBe(201);
    }
    const reader = await signIn('Reader', { channel }, shortStack);
    const shown = () => reader.log.locator('li.msg .msg__text').allTextContents();
    // The join shows the SDK's newest page (200); the guild window outlasts the town one.
    expect(await shown()).toEqual(texts.slice(-200));
    expect(await reader.marker(/^Start of #/).count()).toBe(0);

    await eventually(async () => {
      await reader.log.evaluate((list) => {
        list.scrollTop = 0;
      });
      return reader.marker(`Start of #${channel}: nothing older is kept`).count();
    }, 20_000).toBe(1);
    expect(await shown()).toEqual(texts);
    // The marker sits right above the first message.
    const next = await reader
      .marker(/^Start of #/)
      .evaluate((row) => row.nextElementSibling?.querySelector('.msg__text')?.textContent);
    expect(next).toBe('m0');
    await reader.screenshot('scrollback-start');
    reader.expectClean();
  }, 60_000);
});
