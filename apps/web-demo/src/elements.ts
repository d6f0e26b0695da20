import { byId } from './dom.js';

/** Every element of index.html the page drives, looked up once at start. */
export function findElements() {
  const input = (id: string) => byId(id, HTMLInputElement);
  const button = (id: string) => byId(id, HTMLButtonElement);
  const form = (id: string) => byId(id, HTMLFormElement);
  return {
    status: byId('status', HTMLElement),
    who: byId('who', HTMLElement),
    whoName: byId('who-name', HTMLElement),
    whoRole: byId('who-role', HTMLElement),
    signOut: button('sign-out'),

    signinView: byId('signin', HTMLElement),
    signinForm: form('signin-form'),
    name: input('name'),
    roleField: byId('role-field', HTMLFieldSetElement),
    serverSettings: byId('server-settings', HTMLDetailsElement),
    endpoint: input('endpoint'),
    authorizerName: input('authorizer-name'),
    tokenKeyName: input('token-key-name'),
    apiUrl: input('api-url'),
    devTokenUrl: input('dev-token-url'),
    token: byId('token', HTMLTextAreaElement),
    resetSettings: button('reset-settings'),
    signIn: button('sign-in'),
    signinError: byId('signin-error', HTMLElement),

    chatView: byId('chat', HTMLElement),
    channelForm: form('channel-form'),
    channel: input('channel'),
    recent: byId('recent', HTMLUListElement),

    modPanel: byId('mod-panel', HTMLDetailsElement),
    announceForm: form('announce-form'),
    announcement: input('announcement'),
    muteForm: form('mute-form'),
    mutePlayer: input('mute-player'),
    muteSeconds: input('mute-seconds'),
    unmute: button('unmute'),
    slowForm: form('slow-form'),
    slowSeconds: input('slow-seconds'),
    slowOff: button('slow-off'),

    reportsPanel: byId('reports-panel', HTMLDetailsElement),
    reportsRefresh: button('reports-refresh'),
    reportsList: byId('reports-list', HTMLOListElement),

    botsForm: form('bots-form'),
    botCount: input('bot-count'),
    botRate: input('bot-rate'),
    startBots: button('start-bots'),
    stopBots: button('stop-bots'),
    statConnected: byId('stat-connected', HTMLElement),
    statRate: byId('stat-rate', HTMLElement),
    statP50: byId('stat-p50', HTMLElement),
    statP95: byId('stat-p95', HTMLElement),
    statP95Stored: byId('stat-p95-stored', HTMLElement),
    statSent: byId('stat-sent', HTMLElement),
    statRefused: byId('stat-refused', HTMLElement),
    botsNote: byId('bots-note', HTMLElement),

    roomTitle: byId('room-title', HTMLElement),
    roomCount: byId('room-count', HTMLElement),
    members: byId('members', HTMLUListElement),
    log: byId('log', HTMLOListElement),
    composer: form('composer'),
    message: input('message'),
    counter: byId('counter', HTMLElement),
    slowMode: byId('slow-mode', HTMLElement),
    send: button('send'),
  };
}

export type Elements = ReturnType<typeof findElements>;
