#!/usr/bin/env node
// Bundles one Lambda package into a single minified ESM file and a zip for Terraform, both in
// the package's own dist/ (so turbo caches them as the package's build outputs):
//   packages/<fn>/dist/handler.mjs, dist/chunks/*.mjs (+ .map)  and  packages/<fn>/dist/lambda.zip
// Same sources give the same zip bytes: fixed entry order, fixed timestamps, fixed level.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { zipSync } from 'fflate';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const name = process.argv[2];
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  console.error('usage: bundle-lambda.mjs <function-package-name>');
  process.exit(2);
}
const packageDir = join(root, 'packages', name);
const outDir = join(packageDir, 'dist');
const zipPath = join(outDir, 'lambda.zip');

// Code only reached through a dynamic import (the cluster client, Secrets Manager, the SDK's
// other credential providers) goes to chunks/, read only when used: a cold start neither
// parses nor evaluates it.
rmSync(join(outDir, 'chunks'), { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { handler: join(packageDir, 'src', 'handler.ts') },
  outdir: outDir,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['source', 'module'],
  mainFields: ['module', 'main'],
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  // Some CommonJS dependencies call require() for Node built-ins; ESM output has no require.
  banner: {
    js: "import{createRequire as __gcRequire}from'node:module';const require=__gcRequire(import.meta.url);",
  },
});
writeFileSync(join(outDir, 'meta.json'), JSON.stringify(result.metafile));

// DOS timestamps are local time: build the date from local fields so every time zone agrees.
const fixedTime = new Date(1980, 0, 1, 0, 0, 0);
const files = Object.keys(result.metafile.outputs)
  .map((output) => relative(outDir, join(root, output)))
  .sort();
const zipped = zipSync(
  Object.fromEntries(
    files.map((file) => [file, [readFileSync(join(outDir, file)), { mtime: fixedTime, level: 9 }]]),
  ),
);
writeFileSync(zipPath, zipped);

const bundleBytes = readFileSync(join(outDir, 'handler.mjs')).byteLength;
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
console.log(
  `${name}: handler.mjs ${kib(bundleBytes)}, ${relative(root, zipPath)} ${kib(zipped.byteLength)}`,
);
