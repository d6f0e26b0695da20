/**
 * What the page remembers between visits (`localStorage`): saved server settings, the last
 * name and role, recent channels. Storage can be full, disabled or hold junk written by an
 * older page, so reads never throw and every value is checked again by its reader.
 */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const STORAGE_KEYS = {
  settings: 'game-chat.settings',
  profile: 'game-chat.profile',
  recentChannels: 'game-chat.recent-channels',
} as const;

/** The stored JSON value, or `undefined` when absent, unreadable or not JSON. */
export function loadJson(store: KeyValueStore | undefined, key: string): unknown {
  try {
    const raw = store?.getItem(key);
    return raw === null || raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** Stores a value as JSON, or removes it for `undefined`; a full or disabled storage is ignored. */
export function saveJson(store: KeyValueStore | undefined, key: string, value: unknown): void {
  try {
    if (value === undefined) store?.removeItem(key);
    else store?.setItem(key, JSON.stringify(value));
  } catch {
    // Remembering is a convenience: the page works the same without it.
  }
}
