/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// `vite --mode mock` (npm run dev:mock) swaps the Tauri packages for an in-memory backend
// so the UI can be designed and demoed in a plain browser. Only that mode sees src/mock/;
// the production build never includes it.
const mockAliases = {
  '@tauri-apps/api/core': here('./src/mock/tauri-core.ts'),
  '@tauri-apps/api/event': here('./src/mock/tauri-event.ts'),
  '@tauri-apps/plugin-opener': here('./src/mock/tauri-plugins.ts'),
};

export default defineConfig(({ mode }) => ({
  base: './',
  clearScreen: false,
  plugins: [svelte(), svelteTesting()],
  resolve: {
    alias: {
      ...(mode === 'mock' ? mockAliases : {}),
      $lib: here('./src/lib'),
    },
  },
  server: {
    port: 1420,
    strictPort: true,
    // The guide's Markdown (docs/guide), which guide.ts bundles, sits outside ui/.
    fs: { allow: ['.', '../docs/guide'] },
  },
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'safari15',
    cssTarget: 'safari15',
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
    setupFiles: ['tests/setup.ts'],
  },
}));
