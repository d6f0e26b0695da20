import type { ProfanityPolicy } from '@game-chat/lambda-runtime/config';
import {
  asteriskCensorStrategy,
  englishDataset,
  englishRecommendedTransformers,
  RegExpMatcher,
  TextCensor,
} from 'obscenity';

export type ModerationResult =
  | { readonly ok: true; readonly text: string; readonly moderated: boolean }
  | { readonly ok: false };

export interface ProfanityFilter {
  readonly policy: ProfanityPolicy;
  moderate(text: string): ModerationResult;
}

const WORD_CHARACTER = /[\p{L}\p{N}]/u;

/**
 * A match that is a number standing on its own (`455 gold`): leetspeak reads digits as letters
 * (4 a, 5 s), but a game chat is full of scores, prices and coordinates. Digits joined to letters
 * (`455hole`, `a55`) are still matched.
 */
function isPlainNumber(text: string, start: number, end: number): boolean {
  return (
    /^\d+$/.test(text.slice(start, end + 1)) &&
    !WORD_CHARACTER.test(text.charAt(start - 1)) &&
    !WORD_CHARACTER.test(text.charAt(end + 1))
  );
}

/**
 * `CHAT_PROFANITY` on the obscenity word list (English dataset, with its recommended
 * transformers against leetspeak, confusables and padding): `mask` stars out matches,
 * `reject` refuses the message, `off` lets everything through.
 */
export function createProfanityFilter(policy: ProfanityPolicy): ProfanityFilter {
  if (policy === 'off') {
    return { policy, moderate: (text) => ({ ok: true, text, moderated: false }) };
  }
  const matcher = new RegExpMatcher({
    ...englishDataset.build(),
    ...englishRecommendedTransformers,
  });
  const censor = new TextCensor().setStrategy(asteriskCensorStrategy());
  return {
    policy,
    moderate(text) {
      const matches = matcher
        .getAllMatches(text, true)
        .filter((match) => !isPlainNumber(text, match.startIndex, match.endIndex));
      if (matches.length === 0) return { ok: true, text, moderated: false };
      if (policy === 'reject') return { ok: false };
      return { ok: true, text: censor.applyTo(text, matches), moderated: true };
    },
  };
}
