import { defineConfig } from 'vite';

// Preact's JSX through Vite's own transformer: no Babel preset needed for a build without hot reload.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0 },
});
