import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = fileURLToPath(new URL('.', import.meta.url));
/** Where `npm run dev:console` sends API calls: the API started by `npm start` (PORT=3000) unless told. */
const api = process.env.CONSOLE_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
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
