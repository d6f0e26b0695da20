import type { ChatStore } from '@game-chat/chat-store/store';
import type { PlayerId } from '@game-chat/protocol/names';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type Harness, type HarnessOptions, startHarness } from './harness.js';

type Profile = Parameters<ChatStore['setProfile']>[1];

export interface FileHarnessOptions extends HarnessOptions {
  /** Players known from the start, by id (profiles kept 10 minutes). */
  readonly profiles?: Readonly<Record<string, Profile>>;
}

/**
 * One harness for a whole test file: started before its tests with `profiles` set, its recorder
 * cleared before each test (so a test sees only its own publishes), closed after. `keep` receives
 * the started harness.
 */
export function harnessForFile(keep: (h: Harness) => void, options: FileHarnessOptions = {}): void {
  let h: Harness | undefined;
  beforeAll(async () => {
    h = await startHarness(options);
    for (const [id, profile] of Object.entries(options.profiles ?? {})) {
      await h.store.setProfile(id as PlayerId, profile, 600);
    }
    keep(h);
  });
  beforeEach(() => h?.recorder.clear());
  afterAll(() => h?.close());
}
