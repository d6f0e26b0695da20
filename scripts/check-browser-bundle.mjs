#!/usr/bin/env node
// Proves a package runs in a browser: bundles every file of its src/ for the browser
// platform and fails on any Node built-in (`node:` or bare `fs`, `crypto`, ...).
import { readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const sourceDir = resolve(process.argv[2] ?? 'src');
const entryPoints = readdirSync(sourceDir)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .map((file) => join(sourceDir, file));

const nodeBuiltins = new Set(builtinModules);
const result = await build({
  entryPoints,
  bundle: true,
  write: false,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  outdir: 'browser-check',
  conditions: ['source'],
  logLevel: 'silent',
  plugins: [
    {
      name: 'forbid-node-builtins',
      setup(builder) {
        builder.onResolve({ filter: /.*/ }, (args) => {
          const bare = args.path.replace(/^node:/, '').split('/')[0];
          if (args.path.startsWith('node:') || nodeBuiltins.has(bare)) {
            return { errors: [{ text: `${args.importer} imports Node built-in "${args.path}"` }] };
          }
          return undefined;
        });
      },
    },
  ],
}).catch((error) => {
  for (const message of error.errors ?? [error]) console.error(message.text ?? message);
  process.exit(1);
});
const bytes = result.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0);
console.log(`browser bundle ok: ${entryPoints.length} entry points, ${bytes} bytes`);
