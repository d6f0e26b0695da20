import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messageBody, parseComposerInput } from '../src/commands.js';

describe('parseComposerInput', () => {
  it('says plain text as typed', () => {
    expect(parseComposerInput('hello there')).toEqual({ kind: 'say', text: 'hello there' });
    expect(parseComposerInput('  a / b ')).toEqual({ kind: 'say', text: '  a / b ' });
  });

  it('whispers with /w, /whisper and /msg, in any case, keeping the text as typed', () => {
    for (const command of ['/w', '/W', '/whisper', '/msg']) {
      expect(parseComposerInput(`${command} bob  meet me at  the gate`)).toEqual({
        kind: 'whisper',
        to: 'bob',
        text: 'meet me at  the gate',
      });
    }
    expect(parseComposerInput('/w bob line one\nline two')).toMatchObject({
      text: 'line one\nline two',
    });
  });

  it('says //text as /text, so a message may start with a slash', () => {
    expect(parseComposerInput('//shrug')).toEqual({ kind: 'say', text: '/shrug' });
  });

  it('refuses unknown commands, a whisper without text and an invalid player id', () => {
    expect(parseComposerInput('/dance')).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('Unknown command /dance'),
    });
    expect(parseComposerInput('/wave hi')).toMatchObject({ kind: 'invalid' });
    for (const input of ['/w', '/w bob', '/w bob   ', '/whisper']) {
      expect(parseComposerInput(input)).toMatchObject({
        kind: 'invalid',
        message: expect.stringContaining('/w <player id> <message>'),
      });
    }
    for (const input of ['/w bo/b hi', '/w <b>x</b> hi', `/w ${'x'.repeat(65)} hi`]) {
      expect(parseComposerInput(input)).toMatchObject({
        kind: 'invalid',
        message: expect.stringContaining('No such player id'),
      });
    }
  });

  it('turns any input into a say, a whisper to a valid id, or a refusal', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (input) => {
        const parsed = parseComposerInput(input);
        if (parsed.kind === 'whisper') expect(parsed.to).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
        if (parsed.kind === 'invalid') expect(parsed.message.length).toBeGreaterThan(0);
        if (!input.trimStart().startsWith('/'))
          expect(parsed).toEqual({ kind: 'say', text: input });
      }),
    );
  });
});

describe('messageBody', () => {
  it('is what would be sent: the whole text, or a whisper without its command', () => {
    expect(messageBody('hello')).toBe('hello');
    expect(messageBody('/w bob hi there')).toBe('hi there');
    expect(messageBody('/w bob')).toBe('');
    expect(messageBody('/dance')).toBe('');
  });
});
