import {
  type ChatClient,
  type ChatClientOptions,
  ChatError,
  type ChatMessage,
  type ConnectionEvent,
  createChatClient,
  type Notice,
  type PlayerToken,
} from '@game-chat/client';
import { isNoticeCode } from '@game-chat/protocol/errors';
import { DEFAULT_MAX_TEXT_LENGTH } from '@game-chat/protocol/limits';
import {
  canModerate,
  isRole,
  type Role,
  validateChannel,
  validatePlayerId,
} from '@game-chat/protocol/names';
import type { Sender } from '@game-chat/protocol/payloads';
import { countCodePoints, normalizeDisplayName, normalizeText } from '@game-chat/protocol/text';
import { BotSwarm, MAX_BOTS } from './bots.js';
import { ChatLog } from './chat-log.js';
import { messageBody, parseComposerInput } from './commands.js';
import { fetchDevToken } from './dev-token.js';
import { el } from './dom.js';
import type { Elements } from './elements.js';
import { playerIdFromName } from './player-id.js';
import { PresencePanel } from './presence-panel.js';
import { DEFAULT_CHANNEL, readRecentChannels, rememberChannel } from './recent-channels.js';
import { askReport } from './report-dialog.js';
import { ReportsPanel } from './reports-panel.js';
import { Scrollback } from './scrollback.js';
import { connectionOptions, type DemoSettings, readSettings } from './settings.js';
import { SlowModeComposer } from './slow-mode.js';
import { RateMeter } from './stats.js';
import { type KeyValueStore, loadJson, STORAGE_KEYS, saveJson } from './storage.js';

/** The page's reconnect pace: a playtester should not wait 30 s after a network blip. */
const RECONNECT = { initialDelayMs: 500, maxDelayMs: 5_000 } as const;
const STATS_EVERY_MS = 500;
const DEFAULT_MUTE_SECONDS = 60;

export interface ConfigFile {
  /** The settings of `config.json`, when it was found and valid. */
  readonly settings?: DemoSettings;
  /** Why `config.json` could not be used. */
  readonly problem?: string;
}

interface Session {
  readonly client: ChatClient;
  readonly settings: DemoSettings;
  readonly log: ChatLog;
  readonly presence: PresencePanel;
  /** Loads older messages when the log is scrolled to its top. */
  readonly scrollback: Scrollback;
  readonly channelRate: RateMeter;
  readonly statsTimer: ReturnType<typeof setInterval>;
  readonly slowMode: SlowModeComposer;
  readonly reports: ReportsPanel | undefined;
  /** The channel shown; set when a join starts, so a later join wins over an earlier one. */
  channel: string | undefined;
  /** The connection dropped and has not come back yet. */
  lost: boolean;
  swarm: BotSwarm | undefined;
}

/** The sign-in form cannot be used as filled in; `where` is the part to fix. */
class SignInError extends Error {
  readonly code = 'sign_in_invalid';
  constructor(
    readonly where: 'name' | 'settings',
    message: string,
  ) {
    super(message);
    this.name = 'SignInError';
  }
}

/**
 * A pasted token: the JSON `pnpm token` prints (`{ "token", "signature", … }`), or a bare token
 * for a deployment whose authorizer has signing disabled. The SDK checks the shape.
 */
function pastedToken(text: string): PlayerToken {
  if (!text.startsWith('{')) return text;
  try {
    return JSON.parse(text) as PlayerToken;
  } catch {
    throw new SignInError('settings', 'Player token: the pasted text is not valid JSON.');
  }
}

/** Runs `action` instead of submitting the form (Enter in a field, or its submit button). */
function onSubmit(form: HTMLFormElement, action: () => unknown): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void action();
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The playtest page: sign-in, channel switching, the conversation, whispers, moderator tools
 * and bots, all through `@game-chat/client`. It holds no chat logic of its own: ordering,
 * de-duplication, history and reconnect recovery are the SDK's.
 */
export class DemoApp {
  readonly #ui: Elements;
  readonly #file: ConfigFile;
  readonly #store: KeyValueStore | undefined;
  #session: Session | undefined;
  #recent: string[];

  constructor(ui: Elements, file: ConfigFile, store: KeyValueStore | undefined) {
    this.#ui = ui;
    this.#file = file;
    this.#store = store;
    this.#recent = readRecentChannels(loadJson(store, STORAGE_KEYS.recentChannels));
  }

  start(): void {
    const ui = this.#ui;
    this.#fillSettingsForm();
    this.#fillProfile();
    ui.channel.value = this.#recent[0] ?? DEFAULT_CHANNEL;
    if (this.#file.problem) {
      ui.signinError.textContent = this.#file.problem;
      ui.serverSettings.open = true;
    }
    onSubmit(ui.signinForm, () => this.#signIn());
    ui.resetSettings.addEventListener('click', () => {
      saveJson(this.#store, STORAGE_KEYS.settings, undefined);
      this.#fillSettingsForm();
    });
    ui.signOut.addEventListener('click', () => void this.#signOut());
    onSubmit(ui.channelForm, () => this.#join(ui.channel.value));
    onSubmit(ui.composer, () => this.#send());
    ui.message.addEventListener('input', () => this.#updateCounter());
    ui.message.addEventListener('keydown', (event) => this.#completeWhisper(event));
    onSubmit(ui.announceForm, () => this.#announce());
    onSubmit(ui.muteForm, () =>
      this.#mute({ id: ui.mutePlayer.value.trim(), name: ui.mutePlayer.value.trim() }),
    );
    ui.unmute.addEventListener('click', () => void this.#unmute());
    onSubmit(ui.slowForm, () => this.#setSlowMode(Number(ui.slowSeconds.value)));
    ui.slowOff.addEventListener('click', () => void this.#setSlowMode(0));
    onSubmit(ui.botsForm, () => this.#startBots());
    ui.stopBots.addEventListener('click', () => void this.#stopBots());
    this.#updateCounter();
  }

  // -- sign in and out --------------------------------------------------------------------

  #fillSettingsForm(): void {
    const ui = this.#ui;
    const saved = this.#savedSettings();
    const settings = saved ?? this.#file.settings;
    ui.endpoint.value = settings?.endpoint ?? '';
    ui.authorizerName.value = settings?.authorizerName ?? '';
    ui.tokenKeyName.value = settings?.tokenKeyName ?? '';
    ui.apiUrl.value = settings?.apiUrl ?? '';
    ui.devTokenUrl.value = settings?.devTokenUrl ?? '';
  }

  #savedSettings(): DemoSettings | undefined {
    try {
      return readSettings(loadJson(this.#store, STORAGE_KEYS.settings));
    } catch {
      return undefined;
    }
  }

  /** The settings form as settings; what the form lacks comes from `config.json`. */
  #formSettings(): DemoSettings {
    const ui = this.#ui;
    return readSettings({
      topicPrefix: this.#file.settings?.topicPrefix,
      maxTextLength: this.#file.settings?.maxTextLength,
      endpoint: ui.endpoint.value,
      authorizerName: ui.authorizerName.value,
      tokenKeyName: ui.tokenKeyName.value,
      apiUrl: ui.apiUrl.value,
      devTokenUrl: ui.devTokenUrl.value,
    });
  }

  #fillProfile(): void {
    const profile = loadJson(this.#store, STORAGE_KEYS.profile) as
      | { name?: unknown; role?: unknown }
      | undefined;
    if (typeof profile?.name === 'string') this.#ui.name.value = profile.name;
    const role = isRole(profile?.role) ? profile.role : 'player';
    const radio = this.#ui.roleField.querySelector<HTMLInputElement>(`input[value="${role}"]`);
    if (radio) radio.checked = true;
  }

  #selectedRole(): Role {
    const checked = this.#ui.roleField.querySelector<HTMLInputElement>('input:checked');
    return isRole(checked?.value) ? checked.value : 'player';
  }

  /** How to get a token: the pasted one, or one from the development endpoint for the name. */
  #credentials(settings: DemoSettings): Pick<ChatClientOptions, 'token' | 'getToken'> {
    const pasted = this.#ui.token.value.trim();
    if (pasted !== '') return { token: pastedToken(pasted) };
    const name = normalizeDisplayName(this.#ui.name.value);
    if (!name.ok) throw new SignInError('name', `Name: ${name.message}`);
    const { devTokenUrl } = settings;
    if (!devTokenUrl) {
      throw new SignInError(
        'settings',
        'This server has no development token endpoint: paste a player token under Server settings.',
      );
    }
    const request = {
      playerId: playerIdFromName(name.value),
      name: name.value,
      role: this.#selectedRole(),
    };
    return { getToken: () => fetchDevToken(devTokenUrl, request) };
  }

  async #signIn(): Promise<void> {
    const ui = this.#ui;
    if (this.#session) return;
    ui.signinError.textContent = '';
    let client: ChatClient;
    let settings: DemoSettings;
    try {
      settings = this.#formSettings();
      client = createChatClient({
        ...connectionOptions(settings),
        reconnect: RECONNECT,
        ...this.#credentials(settings),
      });
    } catch (error) {
      ui.signinError.textContent = errorText(error);
      // Bad settings and bad tokens are fixed under Server settings; a bad name in its box.
      if (error instanceof SignInError && error.where === 'name') ui.name.focus();
      else ui.serverSettings.open = true;
      return;
    }
    ui.signIn.disabled = true;
    client.on('connection', (event) => this.#onConnection(client, event));
    try {
      await client.connect();
    } catch (error) {
      await client.close();
      ui.signIn.disabled = false;
      ui.signinError.textContent = `Could not sign in: ${errorText(error)}`;
      return;
    }
    this.#enterChat(client, settings);
  }

  #enterChat(client: ChatClient, settings: DemoSettings): void {
    const ui = this.#ui;
    const role = client.role ?? 'player';
    const playerId = client.playerId ?? '';
    const log = new ChatLog({
      list: ui.log,
      playerId,
      canModerate: canModerate(role),
      onWhisperTo: (player) => this.#whisperTo(player),
      onDelete: (message) => void this.#delete(message),
      onMute: (player) => void this.#mute(player),
      onBlock: (player) => void this.#block(player),
      onReport: (message) => void this.#report(message),
    });
    const session: Session = {
      client,
      settings,
      log,
      scrollback: new Scrollback({ list: ui.log, log, client, describe: errorText }),
      presence: new PresencePanel({ count: ui.roomCount, list: ui.members }, (member) =>
        this.#whisperTo(member),
      ),
      channelRate: new RateMeter(),
      statsTimer: setInterval(() => this.#renderStats(), STATS_EVERY_MS),
      slowMode: new SlowModeComposer(ui.slowMode, ui.send, client),
      reports: canModerate(role)
        ? new ReportsPanel({
            root: ui.reportsPanel,
            list: ui.reportsList,
            refresh: ui.reportsRefresh,
            client,
            notify: (text, tone) => this.#session?.log.notice(text, tone),
          })
        : undefined,
      channel: undefined,
      lost: false,
      swarm: undefined,
    };
    this.#session = session;
    this.#listen(session);
    saveJson(this.#store, STORAGE_KEYS.profile, {
      name: ui.name.value,
      role: this.#selectedRole(),
    });
    this.#rememberSettings(settings);
    ui.whoName.textContent = client.playerName ?? playerId;
    ui.whoName.title = playerId;
    ui.whoRole.textContent = role;
    ui.whoRole.dataset.role = role;
    ui.modPanel.hidden = !canModerate(role);
    ui.reportsPanel.hidden = session.reports === undefined;
    void session.reports?.refresh();
    ui.botsNote.textContent = settings.devTokenUrl
      ? ''
      : 'Bots need a local stack: they get tokens from its development token endpoint.';
    ui.startBots.disabled = !settings.devTokenUrl;
    ui.signIn.disabled = false;
    ui.token.value = '';
    ui.who.hidden = false;
    ui.signinView.hidden = true;
    ui.chatView.hidden = false;
    this.#updateCounter();
    void this.#join(ui.channel.value);
  }

  /** Keeps a playtester's own server settings; forgets them when they equal `config.json`'s. */
  #rememberSettings(settings: DemoSettings): void {
    const file = this.#file.settings;
    const same =
      file !== undefined &&
      (['endpoint', 'apiUrl', 'authorizerName', 'tokenKeyName', 'devTokenUrl'] as const).every(
        (key) => file[key] === settings[key],
      );
    saveJson(this.#store, STORAGE_KEYS.settings, same ? undefined : settings);
  }

  async #signOut(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    session.scrollback.close();
    clearInterval(session.statsTimer);
    session.slowMode.stop();
    await session.swarm?.stop();
    await session.client.close();
    session.log.clear();
    session.presence.show(undefined);
    const ui = this.#ui;
    ui.who.hidden = true;
    ui.chatView.hidden = true;
    ui.signinView.hidden = false;
    ui.stopBots.disabled = true;
    this.#resetStats();
    ui.name.focus();
  }

  // -- events -----------------------------------------------------------------------------

  #listen(session: Session): void {
    const { client, log } = session;
    const shown = (message: ChatMessage) =>
      this.#session === session && message.channel === session.channel;
    client.on('message', (message) => {
      if (!shown(message)) return;
      session.channelRate.record(performance.now());
      log.add([message]);
    });
    client.on('system', (message) => {
      if (shown(message)) log.add([message]);
    });
    client.on('whisper', (message) => {
      if (this.#session === session) log.add([message]);
    });
    client.on('delete', (event) => {
      if (this.#session === session && event.channel === session.channel)
        log.remove(event.targetId);
    });
    client.on('notice', (notice) => {
      if (this.#session === session) this.#showNotice(session, notice);
    });
    client.on('presence', (update) => {
      if (this.#session === session && update.channel === session.channel) {
        session.presence.show(client.presence(update.channel));
      }
    });
    client.on('blocks', (blocks) => {
      if (this.#session !== session) return;
      for (const { id } of blocks) log.hidePlayer(id);
      // The SDK leaves blocked players out of the members: draw them again.
      if (session.channel !== undefined) session.presence.show(client.presence(session.channel));
    });
    client.on('slowMode', (event) => {
      if (this.#session === session && event.channel === session.channel)
        session.slowMode.show(event.channel);
    });
    client.on('gap', (event) => {
      if (this.#session !== session || event.channel !== session.channel) return;
      log.marker(
        event.error
          ? `Messages missed: history could not be read (${event.error.message})`
          : 'Messages missed while you were disconnected',
        'warn',
      );
    });
  }

  #onConnection(client: ChatClient, event: ConnectionEvent): void {
    const session = this.#session;
    // A client signing in has no session yet; a signed-out one has none any more.
    if (session !== undefined && session.client !== client) return;
    const { status } = this.#ui;
    status.dataset.state = event.state;
    status.textContent =
      event.state === 'reconnecting'
        ? `reconnecting (attempt ${event.attempt ?? 1})…`
        : event.state;
    if (session === undefined) return;
    if (event.state === 'offline' && event.error) {
      session.lost = true;
      session.log.marker('Connection lost: reconnecting…', 'warn');
    } else if (event.state === 'online' && session.lost) {
      session.lost = false;
      session.log.marker('Reconnected', 'info');
    }
  }

  /** The server's notices are written for players (`detail`); a rate limit counts down. */
  #showNotice(session: Session, notice: Notice): void {
    const { log } = session;
    if (notice.code === 'rate_limited') {
      log.countdown(
        notice.retryAfterMs ?? 1000,
        (seconds) => `${notice.detail}. Try again in ${seconds} s.`,
        `${notice.detail}. You can send again.`,
        'warn',
      );
    } else {
      const serious = notice.code === 'muted' || notice.code === 'blocked';
      log.notice(notice.detail, serious ? 'error' : 'warn');
    }
  }

  // -- channels ---------------------------------------------------------------------------

  async #join(input: string): Promise<void> {
    const session = this.#session;
    if (!session) return;
    const { client, log } = session;
    const checked = validateChannel(input.trim());
    if (!checked.ok) {
      log.notice(`Channel: ${checked.message}`, 'error');
      return;
    }
    const channel = checked.value;
    if (channel === session.channel) return;
    const previous = session.channel;
    session.channel = channel;
    session.scrollback.follow(undefined);
    this.#ui.channel.value = channel;
    this.#ui.roomTitle.textContent = `# ${channel}`;
    session.slowMode.show(channel);
    document.title = `#${channel} · game-chat`;
    log.clear();
    session.presence.show(undefined);
    const header = log.marker(`Joining #${channel}…`);
    this.#renderRecent();
    // One connection for every channel: leave (unsubscribe), then join (subscribe, history).
    if (previous) await client.leave(previous).catch(() => undefined);
    try {
      const history = await client.join(channel);
      if (session.channel !== channel) return;
      log.add(history);
      session.scrollback.follow(channel);
      header.textContent =
        history.length === 0
          ? `#${channel}: no recent messages, say hi!`
          : `#${channel}: ${history.length} recent message${history.length === 1 ? '' : 's'}`;
      this.#recent = rememberChannel(this.#recent, channel);
      saveJson(this.#store, STORAGE_KEYS.recentChannels, this.#recent);
      this.#renderRecent();
    } catch (error) {
      if (session.channel !== channel) return;
      session.channel = undefined;
      header.textContent = `Could not join #${channel}: ${errorText(error)}`;
      header.className = 'marker marker--error';
    }
  }

  #renderRecent(): void {
    const current = this.#session?.channel;
    const items = this.#recent.map((channel) => {
      const button = el(
        'button',
        { attrs: { type: 'button', 'aria-current': String(channel === current) } },
        `#${channel}`,
      );
      button.addEventListener('click', () => void this.#join(channel));
      return el('li', {}, button);
    });
    this.#ui.recent.replaceChildren(...items);
  }

  // -- sending ----------------------------------------------------------------------------

  #updateCounter(): void {
    const ui = this.#ui;
    const max =
      this.#session?.settings.maxTextLength ??
      this.#file.settings?.maxTextLength ??
      DEFAULT_MAX_TEXT_LENGTH;
    const length = countCodePoints(messageBody(ui.message.value).trim());
    ui.counter.textContent = `${length}/${max}`;
    ui.counter.dataset.over = String(length > max);
    ui.send.disabled = length > max;
  }

  async #send(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    const { client, log, settings } = session;
    const ui = this.#ui;
    const input = ui.message.value;
    const parsed = parseComposerInput(input);
    if (parsed.kind === 'invalid') {
      log.notice(parsed.message, 'warn');
      return;
    }
    // The SDK checks the same rules; checking here tells the player before anything is sent.
    const text = normalizeText(parsed.text, settings.maxTextLength);
    if (!text.ok) {
      if (text.code !== 'empty') log.notice(`Not sent: ${text.message}`, 'warn');
      return;
    }
    const channel = session.channel;
    if (parsed.kind === 'say' && channel === undefined) {
      log.notice('Join a channel first.', 'warn');
      return;
    }
    ui.message.value = '';
    this.#updateCounter();
    try {
      if (parsed.kind === 'say') {
        await client.send(channel as string, text.value.text);
        session.slowMode.sent(channel as string);
      } else await client.whisper(session.presence.resolve(parsed.to), text.value.text);
    } catch (error) {
      if (error instanceof ChatError && error.code === 'rate_limited') {
        session.slowMode.refused(error.retryAfterMs ?? 0);
      }
      // Give the text back, unless the player has started typing something else.
      if (ui.message.value === '') {
        ui.message.value = input;
        this.#updateCounter();
      }
      // A refusal by the server already showed as a notice event.
      if (!(error instanceof ChatError && isNoticeCode(error.code))) {
        log.notice(`Not sent: ${errorText(error)}`, 'error');
      }
    }
  }

  /** Tab in `/w ka` completes a member's id (`/w Kai `). */
  #completeWhisper(event: KeyboardEvent): void {
    const completed =
      event.key === 'Tab' && this.#session?.presence.complete(this.#ui.message.value);
    if (!completed) return;
    event.preventDefault();
    this.#ui.message.value = completed;
    this.#updateCounter();
  }

  #whisperTo(player: Sender): void {
    const ui = this.#ui;
    ui.message.value = `/w ${player.id} `;
    ui.message.focus();
    this.#updateCounter();
  }

  // -- moderation -------------------------------------------------------------------------

  async #delete(message: ChatMessage): Promise<void> {
    const session = this.#session;
    if (!session || message.channel === undefined) return;
    try {
      await session.client.deleteMessage(message.channel, message.id);
    } catch (error) {
      session.log.notice(`Could not delete the message: ${errorText(error)}`, 'error');
    }
  }

  #muteSeconds(): number {
    const seconds = Number(this.#ui.muteSeconds.value);
    return Number.isInteger(seconds) && seconds > 0 ? seconds : DEFAULT_MUTE_SECONDS;
  }

  async #mute(player: Sender): Promise<void> {
    const session = this.#session;
    if (!session) return;
    this.#ui.mutePlayer.value = player.id;
    try {
      const { until } = await session.client.mute(player.id, this.#muteSeconds());
      session.log.notice(
        `Muted ${player.name} until ${new Date(until).toLocaleTimeString([], { hourCycle: 'h23' })}.`,
      );
    } catch (error) {
      session.log.notice(`Could not mute ${player.id}: ${errorText(error)}`, 'error');
    }
  }

  async #block(player: Sender): Promise<void> {
    const session = this.#session;
    if (!session) return;
    try {
      await session.client.block(player.id);
      session.log.notice(`Blocked ${player.name}: you no longer see their messages or whispers.`);
    } catch (error) {
      session.log.notice(`Could not block ${player.name}: ${errorText(error)}`, 'error');
    }
  }

  async #report(message: ChatMessage): Promise<void> {
    const session = this.#session;
    if (!session || message.channel === undefined) return;
    const choice = await askReport(message);
    if (!choice || this.#session !== session) return;
    try {
      await session.client.report(message.channel, message.id, choice.reason, choice.note);
      session.log.notice(`Reported ${message.from.name}'s message to the moderators.`);
    } catch (error) {
      session.log.notice(`Could not report the message: ${errorText(error)}`, 'error');
    }
  }

  async #setSlowMode(seconds: number): Promise<void> {
    const session = this.#session;
    if (!session || session.channel === undefined) return;
    try {
      if (seconds === 0) await session.client.clearSlowMode(session.channel);
      else await session.client.setSlowMode(session.channel, seconds);
    } catch (error) {
      session.log.notice(`Could not change slow mode: ${errorText(error)}`, 'error');
    }
  }

  async #unmute(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    const playerId = validatePlayerId(this.#ui.mutePlayer.value.trim());
    if (!playerId.ok) {
      session.log.notice(`Player id: ${playerId.message}`, 'error');
      return;
    }
    try {
      const { wasMuted } = await session.client.unmute(playerId.value);
      session.log.notice(
        wasMuted ? `Unmuted ${playerId.value}.` : `${playerId.value} was not muted.`,
      );
    } catch (error) {
      session.log.notice(`Could not unmute ${playerId.value}: ${errorText(error)}`, 'error');
    }
  }

  async #announce(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    const ui = this.#ui;
    if (session.channel === undefined) {
      session.log.notice('Join a channel first.', 'warn');
      return;
    }
    try {
      await session.client.announce(session.channel, ui.announcement.value);
      ui.announcement.value = '';
    } catch (error) {
      session.log.notice(`Could not announce: ${errorText(error)}`, 'error');
    }
  }

  // -- bots -------------------------------------------------------------------------------

  #startBots(): void {
    const session = this.#session;
    const ui = this.#ui;
    if (!session || session.swarm) return;
    if (session.channel === undefined) {
      ui.botsNote.textContent = 'Join a channel first.';
      return;
    }
    const count = Number(ui.botCount.value);
    const rate = Number(ui.botRate.value);
    if (!Number.isInteger(count) || count < 1 || count > MAX_BOTS) {
      ui.botsNote.textContent = `Bots: a whole number from 1 to ${MAX_BOTS}.`;
      return;
    }
    if (!(rate > 0 && rate <= 200)) {
      ui.botsNote.textContent = 'Messages per second: more than 0, at most 200.';
      return;
    }
    try {
      session.swarm = new BotSwarm({
        settings: session.settings,
        channel: session.channel,
        count,
        ratePerSecond: rate,
      });
    } catch (error) {
      ui.botsNote.textContent = errorText(error);
      return;
    }
    session.swarm.start();
    ui.startBots.disabled = true;
    ui.stopBots.disabled = false;
    this.#renderStats();
  }

  async #stopBots(): Promise<void> {
    const session = this.#session;
    const swarm = session?.swarm;
    if (!session || !swarm) return;
    this.#ui.stopBots.disabled = true;
    await swarm.stop();
    this.#renderStats();
    session.swarm = undefined;
    this.#ui.startBots.disabled = false;
  }

  #resetStats(): void {
    const ui = this.#ui;
    for (const [element, text] of [
      [ui.statConnected, '0'],
      [ui.statRate, '0.0'],
      [ui.statP50, '–'],
      [ui.statP95, '–'],
      [ui.statP95Stored, '–'],
      [ui.statSent, '0'],
      [ui.statRefused, '0'],
      [ui.botsNote, ''],
    ] as const) {
      element.textContent = text;
    }
  }

  #renderStats(): void {
    const session = this.#session;
    if (!session) return;
    const ui = this.#ui;
    ui.statRate.textContent = session.channelRate.perSecond(performance.now()).toFixed(1);
    const stats = session.swarm?.stats();
    if (!stats) return;
    const ms = (value: number | undefined) =>
      value === undefined ? '–' : `${Math.round(value)} ms`;
    ui.statConnected.textContent = String(stats.connected);
    ui.statP50.textContent = ms(stats.latency.p50);
    ui.statP95.textContent = ms(stats.latency.p95);
    ui.statP95Stored.textContent = ms(stats.untilStored.p95);
    ui.statSent.textContent = String(stats.sent);
    ui.statRefused.textContent = String(stats.refused);
    const failed = stats.failed > 0 ? ` · ${stats.failed} failed: ${stats.lastError ?? ''}` : '';
    const lost = stats.lost > 0 ? ` · ${stats.lost} lost` : '';
    ui.botsNote.textContent = `${stats.connected} of ${stats.target} bots online in #${stats.channel}${failed}${lost}`;
  }
}
