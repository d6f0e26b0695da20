import type { ChatClient } from '@game-chat/client';

const TICK_MS = 100;

/**
 * The composer's side of slow mode: shows the channel's interval, and after a message (or a
 * refusal with `retryAfterMs`) counts down to when the next one may go, with Send disabled.
 */
export class SlowModeComposer {
  readonly #label: HTMLElement;
  readonly #send: HTMLButtonElement;
  readonly #client: ChatClient;
  #channel: string | undefined;
  #until = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(label: HTMLElement, send: HTMLButtonElement, client: ChatClient) {
    this.#label = label;
    this.#send = send;
    this.#client = client;
  }

  /** The channel shown changed, or its slow mode did. */
  show(channel: string | undefined): void {
    if (channel !== this.#channel) this.#stop();
    this.#channel = channel;
    this.#render();
  }

  /** A message went out: the next may go one interval later. */
  sent(channel: string): void {
    const seconds = this.#client.slowMode(channel);
    if (seconds > 0 && channel === this.#channel) this.#countFrom(seconds * 1000);
  }

  /** The server refused a message for slow mode: wait what it said. */
  refused(retryAfterMs: number): void {
    if (this.#seconds() > 0) this.#countFrom(retryAfterMs);
  }

  stop(): void {
    this.#stop();
  }

  #seconds(): number {
    return this.#channel === undefined ? 0 : this.#client.slowMode(this.#channel);
  }

  #countFrom(ms: number): void {
    this.#until = Date.now() + ms;
    this.#timer ??= setInterval(() => this.#render(), TICK_MS);
    this.#render();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#until = 0;
  }

  #render(): void {
    const seconds = this.#seconds();
    const left = this.#until - Date.now();
    if (seconds === 0 || left <= 0) this.#stop();
    this.#label.hidden = seconds === 0;
    this.#label.textContent =
      left > 0 && seconds > 0
        ? `Slow mode: next message in ${(left / 1000).toFixed(1)} s`
        : `Slow mode: one message every ${seconds} s`;
    this.#label.dataset.waiting = String(left > 0 && seconds > 0);
    this.#send.dataset.slow = String(left > 0 && seconds > 0);
  }
}
