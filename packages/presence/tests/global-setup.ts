import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The tests exercise the deployable bundle, so build it from the current sources first. */
export default function buildBundle(): void {
  const bundler = fileURLToPath(new URL('../../../scripts/bundle-lambda.mjs', import.meta.url));
  execFileSync(process.execPath, [bundler, 'presence'], { stdio: 'inherit' });
}
