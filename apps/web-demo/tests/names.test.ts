import { validatePlayerId } from '@game-chat/protocol/names';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { botName, randomLine } from '../src/bot-lines.js';
import { hueOf } from '../src/dom.js';
import { playerIdFromName } from '../src/player-id.js';
import { readRecentChannels, rememberChannel } from '../src/recent-channels.js';

describe('playerIdFromName', () => {
  it('keeps ASCII names, drops accents, turns the rest into _', () => {
    expect(playerIdFromName('Alice')).toBe('Alice');
    expect(playerIdFromName('Zoë the Bold')).toBe('Zoe_the_Bold');
    expect(playerIdFromName('<b>Eve</b>')).toBe('b_Eve_b');
    expect(playerIdFromName('x'.repeat(80))).toBe('x'.repeat(64));
  });

  it('hashes a name with nothing usable, so different names stay different players', () => {
    const ninja = playerIdFromName('忍者');
    expect(ninja).toMatch(/^player-[0-9a-f]{8}$/);
    expect(playerIdFromName('忍者')).toBe(ninja);
    expect(playerIdFromName('侍')).not.toBe(ninja);
  });

  it('always gives a valid player id', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), (name) => {
        expect(validatePlayerId(playerIdFromName(name)).ok).toBe(true);
      }),
    );
  });
});

describe('recent channels', () => {
  it('puts the latest first, once, and keeps at most six', () => {
    let recent: string[] = [];
    for (const channel of ['A', 'B', 'C', 'B', 'D', 'E', 'F', 'G']) {
      recent = rememberChannel(recent, channel);
    }
    expect(recent).toEqual(['G', 'F', 'E', 'D', 'B', 'C']);
  });

  it('reads only valid channel names from whatever storage holds', () => {
    expect(readRecentChannels(['Town137', 'bad name', 42, 'Town137', '<img>', 'Lobby'])).toEqual([
      'Town137',
      'Lobby',
    ]);
    for (const junk of [undefined, null, 'Town137', { 0: 'Town137' }]) {
      expect(readRecentChannels(junk)).toEqual([]);
    }
  });
});

describe('bots and colours', () => {
  it('names bots distinctly and picks lines from the list', () => {
    const names = Array.from({ length: 200 }, (_, i) => botName(i + 1));
    expect(new Set(names).size).toBe(200);
    expect(randomLine(() => 0)).not.toBe(randomLine(() => 0.99));
  });

  it('gives bots numbered one apart clearly different colours', () => {
    const hues = Array.from({ length: 8 }, (_, i) => hueOf(`bot-ab12-${i + 1}`));
    expect(new Set(hues.map((hue) => Math.floor(hue / 30))).size).toBeGreaterThanOrEqual(4);
  });

  it('gives each player id a stable hue in 0-359', () => {
    fc.assert(
      fc.property(fc.string(), (id) => {
        const hue = hueOf(id);
        expect(hue).toBe(hueOf(id));
        expect(hue).toBeGreaterThanOrEqual(0);
        expect(hue).toBeLessThan(360);
      }),
    );
  });
});
