import { defineConfig } from 'vite';

// The API runs on the server (default :8080); `npm run dev -w @switchboard/web` proxies to it.
export default defineConfig({
  resolve: { conditions: ['@switchboard/source'] },
  server: {
    proxy: { '/api': { target: 'http://localhost:8080', ws: true } },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
