import { afterEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '../src/emitter.js';

type Events = { ping: number; pong: string };

afterEach(() => {
  vi.useRealTimers();
});

describe('Emitter', () => {
  it('calls the listeners of an event with its payload until they are removed', () => {
    const emitter = new Emitter<Events>();
    const pings: number[] = [];
    const pongs: string[] = [];
    const stop = emitter.on('ping', (n) => pings.push(n));
    emitter.on('pong', (s) => pongs.push(s));
    emitter.emit('ping', 1);
    stop();
    emitter.emit('ping', 2);
    emitter.emit('pong', 'a');
    expect(pings).toEqual([1]);
    expect(pongs).toEqual(['a']);
  });

  it('keeps going when a listener throws, and rethrows its error on a fresh task', () => {
    vi.useFakeTimers();
    const emitter = new Emitter<Events>();
    const seen: number[] = [];
    emitter.on('ping', () => {
      throw new Error('game bug');
    });
    emitter.on('ping', (n) => seen.push(n));
    expect(() => emitter.emit('ping', 7)).not.toThrow();
    expect(seen).toEqual([7]);
    expect(() => vi.runAllTimers()).toThrow('game bug');
  });

  it('lets a listener remove itself while the event is being emitted', () => {
    const emitter = new Emitter<Events>();
    const seen: string[] = [];
    const stop = emitter.on('pong', () => {
      seen.push('first');
      stop();
    });
    emitter.on('pong', () => seen.push('second'));
    emitter.emit('pong', 'x');
    emitter.emit('pong', 'y');
    expect(seen).toEqual(['first', 'second', 'second']);
  });
});
