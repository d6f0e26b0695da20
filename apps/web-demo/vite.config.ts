import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  // Relative asset paths: the page works from any folder of any static host.
  base: './',
  // Workspace packages compile from their sources, as in type checks and tests.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
