import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Each emulated AWS component keeps to what its README says it may import: its own folder, the
 * shared plumbing, the components named here, and the packages named here. Only the files
 * beside the folders (the stack) wire components together, and nothing imports an app or a
 * Lambda's source (the bundles are loaded by package name, as built).
 */

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Files beside the component folders that every component may use. */
const SHARED = ['aws-location.ts', 'logger.ts', 'servers.ts', 'http-body.ts', 'errors.ts'];

const COMPONENTS: Readonly<
  Record<string, { components: readonly string[]; packages: readonly RegExp[] }>
> = {
  'iot-core': {
    components: [],
    packages: [/^@game-chat\/protocol\/(custom-auth|result)$/, /^aedes$/, /^ws$/],
  },
  'iot-rules': { components: ['iot-core'], packages: [] },
  'iot-data-plane': { components: ['iot-core'], packages: [] },
  'api-gateway': { components: [], packages: [/^aws-lambda$/] },
  lambda: { components: [], packages: [/^aws-lambda$/] },
};

const APPS = /^@game-chat\/(local-stack|web-demo|loadgen|bench|smoke|reliability)(\/|$)/;
const LAMBDA_SOURCE = /^@game-chat\/(message-filter|chat-api|authorizer)(\/|$)/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms)].map(
    (match) => match[1] as string,
  );
}

describe.each(Object.entries(COMPONENTS))('src/%s', (component, allowed) => {
  const folder = join(SRC, component);
  const files = sourceFiles(folder);

  it('has a README saying what it reproduces, how it differs from AWS and what it may import', () => {
    const readme = readFileSync(join(folder, 'README.md'), 'utf8');
    for (const heading of [
      '## What is emulated',
      '## Differences from AWS',
      '## What it may import',
    ]) {
      expect(readme, heading).toContain(heading);
    }
  });

  it('imports only its own folder, the shared plumbing and the components it may', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      for (const specifier of specifiers(file)) {
        const where = `${relative(SRC, file)} imports ${specifier}`;
        if (specifier.startsWith('.')) {
          const target = relative(SRC, resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
          expect(existsSync(join(SRC, target)), where).toBe(true);
          const [top = ''] = target.split('/');
          const ok =
            top === component || SHARED.includes(target) || allowed.components.includes(top);
          expect(ok, where).toBe(true);
        } else if (!specifier.startsWith('node:')) {
          expect(
            allowed.packages.some((pattern) => pattern.test(specifier)),
            where,
          ).toBe(true);
        }
      }
    }
  });
});

it('no file imports an app or a Lambda package source', () => {
  for (const file of sourceFiles(SRC)) {
    for (const specifier of specifiers(file)) {
      const where = `${relative(SRC, file)} imports ${specifier}`;
      expect(APPS.test(specifier), where).toBe(false);
      expect(LAMBDA_SOURCE.test(specifier), where).toBe(false);
    }
  }
});
