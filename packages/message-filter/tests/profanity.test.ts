import { describe, expect, it } from 'vitest';
import { whisperId } from '../src/filter.js';
import { createProfanityFilter } from '../src/profanity.js';

describe('profanity filter', () => {
  const mask = createProfanityFilter('mask');

  it('masks with asterisks, through leetspeak, stretched letters and case', () => {
    expect(mask.moderate('you are a fuuuucking b1tch')).toEqual({
      ok: true,
      text: 'you are a ****ing *****',
      moderated: true,
    });
    expect(mask.moderate('FUCK')).toEqual({ ok: true, text: '****', moderated: true });
  });

  it('leaves ordinary words that merely contain a bad one alone', () => {
    for (const text of ['Scunthorpe', 'the assassin passed the class', 'cocktail hour']) {
      expect(mask.moderate(text)).toEqual({ ok: true, text, moderated: false });
    }
  });

  it('leaves numbers standing on their own alone, but not digits joined to letters', () => {
    for (const text of ['I have 455 gold', 'meet at 55,455', 'score: 5318008']) {
      expect(mask.moderate(text)).toEqual({ ok: true, text, moderated: false });
    }
    expect(mask.moderate('you 455hole')).toMatchObject({ moderated: true });
    expect(mask.moderate('nice a55')).toEqual({ ok: true, text: 'nice ***', moderated: true });
    expect(createProfanityFilter('reject').moderate('I have 455 gold')).toMatchObject({ ok: true });
  });

  it('rejects under reject and passes everything under off', () => {
    expect(createProfanityFilter('reject').moderate('shit')).toEqual({ ok: false });
    expect(createProfanityFilter('off').moderate('shit')).toEqual({
      ok: true,
      text: 'shit',
      moderated: false,
    });
  });
});

describe('whisperId', () => {
  it('is receivedAt and the first 12 hex digits of the ingest id as decimal', () => {
    const ingestId = 'ffffffff-ffff-4000-8000-000000000000';
    expect(whisperId({ receivedAt: 1764081600123, ingestId })).toBe(
      `1764081600123-${0xffffffffffff}`,
    );
  });
});
