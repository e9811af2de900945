import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const here = fileURLToPath(new URL('.', import.meta.url));
/** Where `npm run dev:console` sends API calls: the API started by `npm start` (PORT=3000) unless told. */
const api = process.env.CONSOLE_API_URL ?? 'http://127.0.0.1:3000';

/**
 * Writes `<file>.gz` beside each built script and stylesheet (gzip -9, once, at build time): the
 * API sends it to browsers that take gzip instead of compressing the same bytes on every request.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'dbferry-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = join(config.root, config.build.outDir, config.build.assetsDir);
    },
    closeBundle() {
      for (const name of readdirSync(outDir)) {
        if (/\.(js|css|svg)$/.test(name)) writeFileSync(join(outDir, `${name}.gz`), gzipSync(readFileSync(join(outDir, name)), { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react(), precompress()],
  resolve: {
    alias: { '@dbferry/api-client': fileURLToPath(new URL('../../libs/api-client/src/index.ts', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The API serves these files under a CSP without 'unsafe-inline' scripts: no inlined module preload.
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: Number(process.env.CONSOLE_DEV_PORT ?? 5173),
    proxy: Object.fromEntries(['/api', '/docs', '/docs-json', '/queues', '/health', '/metrics'].map((path) => [path, { target: api, changeOrigin: false }])),
  },
});
