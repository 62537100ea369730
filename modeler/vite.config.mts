/** Vite build of the ProcessDesk web app: modeler/ -> modeler/dist (served by the API at `/`). */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      // index.html: the app; render.html: a bare bpmn-js viewer used by `npm run render:processes`.
      input: { main: `${root}index.html`, render: `${root}render.html` },
    },
  },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
