import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProviderSchema } from './checks.js';
import { loadConfig, type TfConfig } from './hcl.js';

export const infraDir = resolve(import.meta.dirname, '..');
export const repoDir = resolve(infraDir, '..');

export const MODULES = [
  'network',
  'chat-cache',
  'chat-functions',
  'iot-chat',
  'chat-api',
  'monitoring',
  'chat-stack',
] as const;
export const ENVS = ['dev', 'prod'] as const;
/** Every Terraform folder, relative to infra/: modules, environments and the bootstrap root. */
export const FOLDERS = [
  ...MODULES.map((m) => `modules/${m}`),
  ...ENVS.map((e) => `envs/${e}`),
  'bootstrap',
];

export const schema: ProviderSchema = JSON.parse(
  readFileSync(join(infraDir, 'tests', 'fixtures', 'provider-schema.json'), 'utf8'),
);

const loaded = new Map<string, Promise<TfConfig>>();
/** Loads a folder (absolute, or relative to infra/) once per test run. */
export function load(dir: string): Promise<TfConfig> {
  const absolute = resolve(infraDir, dir);
  let config = loaded.get(absolute);
  if (!config) {
    config = loadConfig(absolute);
    loaded.set(absolute, config);
  }
  return config;
}
