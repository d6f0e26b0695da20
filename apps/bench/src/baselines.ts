import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/**
 * The commit whose Lambda bundles (`baselines/<function>-<commit>.mjs.gz`, built there with
 * `pnpm build`) the bench runs beside the current ones: issue 17's "today". Each is one
 * self-contained file.
 */
export const BASELINE_COMMIT = 'fa4da4a';
const BASELINES = fileURLToPath(new URL('../baselines/', import.meta.url));

export type BundledFunction = 'message-filter' | 'authorizer' | 'chat-api';

/** Runs `work` with the baseline bundles unpacked into a temporary directory. */
export async function withBaselines<T>(
  work: (path: (name: BundledFunction) => string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-baseline-'));
  try {
    const paths = new Map<BundledFunction, string>();
    for (const name of ['message-filter', 'authorizer', 'chat-api'] as const) {
      const file = `${name}-${BASELINE_COMMIT}.mjs`;
      const path = join(dir, file);
      await writeFile(path, gunzipSync(readFileSync(join(BASELINES, `${file}.gz`))));
      paths.set(name, path);
    }
    return await work((name) => paths.get(name) as string);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
