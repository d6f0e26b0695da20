import { type ConfigFile, DemoApp } from './app.js';
import { findElements } from './elements.js';
import { readSettings } from './settings.js';
import type { KeyValueStore } from './storage.js';

/** `config.json` next to index.html: the local stack serves one, the deploy script writes one. */
async function loadConfigFile(): Promise<ConfigFile> {
  let response: Response;
  try {
    response = await fetch('./config.json', { cache: 'no-store' });
  } catch {
    return { problem: 'config.json could not be loaded: fill in the server settings.' };
  }
  if (!response.ok) {
    return {
      problem: `No config.json here (HTTP ${response.status}): fill in the server settings.`,
    };
  }
  try {
    return { settings: readSettings(await response.json()) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { problem: `config.json is not usable (${reason}): fill in the server settings.` };
  }
}

/** `localStorage`, unless the browser denies it (some privacy modes throw on access). */
function browserStorage(): KeyValueStore | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

new DemoApp(findElements(), await loadConfigFile(), browserStorage()).start();
