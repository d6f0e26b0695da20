#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { updateSettingsDocs } from './settings-docs.js';

// `pnpm docs:settings` rewrites the docs' settings tables from the SETTINGS table;
// `pnpm docs:settings --check` exits 1 when one is out of date.
const root = fileURLToPath(new URL('../../..', import.meta.url));
const check = process.argv.includes('--check');
const stale = updateSettingsDocs(root, { check });
for (const file of stale) console.log(`${check ? 'out of date' : 'updated'}: ${file}`);
if (check && stale.length > 0) process.exitCode = 1;
