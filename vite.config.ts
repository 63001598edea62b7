/**
 * Vite build of the GUI page (`src/web/app`) into `dist/web/` (served by `occupy gui`).
 *
 * Everything is bundled locally (Mol*, its CSS, the page's modules and the pure parts of
 * `src/occupancy`): the page makes no request outside its own server. Paths are relative
 * (`base: './'`) so the page works wherever the server mounts it.
 *
 * `dist/web/` also receives the server's compiled JavaScript from `tsc` (`dist/web/api.js`,
 * `dist/web/server/**`), so the build does not empty the whole folder: it removes only what a
 * previous page build wrote (`index.html`, `assets/`).
 *
 * `npx vite` (dev server) proxies `/api` to a running `occupy gui` at `OCCUPY_GUI_URL`
 * (default http://127.0.0.1:8765, e.g. `occupy gui --port 8765`).
 */
import { rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const projectRoot = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(projectRoot, 'dist/web');

/** Remove the previous page build only (not the server code tsc writes next to it). */
function cleanPageBuild(): Plugin {
  return {
    name: 'occupy-clean-page-build',
    apply: 'build',
    buildStart() {
      rmSync(resolve(outDir, 'index.html'), { force: true });
      rmSync(resolve(outDir, 'assets'), { recursive: true, force: true });
    },
  };
}

export default defineConfig({
  root: resolve(projectRoot, 'src/web/app'),
  base: './',
  publicDir: false,
  plugins: [cleanPageBuild()],
  build: {
    outDir,
    // tsc's dist/web/api.js and dist/web/server/** live here too: see cleanPageBuild()
    emptyOutDir: false,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    // Mol* alone is ~5 MB of JavaScript; it is loaded only when the 3D tab opens
    chunkSizeWarningLimit: 8000,
    rolldownOptions: {
      // Mol*'s modules import each other in cycles (e.g. mol-plugin/context.js ↔ behavior.js);
      // without strict order the bundled namespace objects are read before they are assigned
      // ("Cannot read properties of undefined (reading 'registerDefault')" in Viewer.create).
      output: { strictExecutionOrder: true },
    },
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': process.env.OCCUPY_GUI_URL ?? 'http://127.0.0.1:8765' },
  },
});
