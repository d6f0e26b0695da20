import { MAX_NAME_LENGTH } from '@game-chat/protocol/limits';
import { hashString } from './hash.js';

/**
 * A player id (`A-Z a-z 0-9 _ -`, 1-64) for a display name typed on the sign-in form: accents
 * dropped, anything else turned into `_`. The same name always gives the same id, so a
 * playtester who signs in again (or in a second tab) is the same player. A name with nothing
 * usable (`忍者`) gets `player-` and a hash of the name, so different such names still differ.
 */
export function playerIdFromName(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, MAX_NAME_LENGTH);
  return ascii === '' ? `player-${hashString(name).toString(16).padStart(8, '0')}` : ascii;
}
