/**
 * Browser tests: Debian's Chromium driven by playwright-core (headless, WebGL on SwiftShader),
 * the page bundle built by vite when it is missing or stale, and a small PNG decoder to look at
 * screenshot pixels (WebGL canvases cannot always be read back with getImageData).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { chromium, type BrowserContext } from 'playwright-core';
import { PROJECT_ROOT } from './shared-data.js';
import { lockFolder } from './folder-lock.js';

/** Chromium used by the tests (`OCCUPY_CHROMIUM` overrides). */
export const CHROMIUM = process.env.OCCUPY_CHROMIUM ?? '/usr/bin/chromium';

/** The page bundle and its sources. */
export const PAGE_DIST = resolve(PROJECT_ROOT, 'dist/web');
const PAGE_SOURCES = [resolve(PROJECT_ROOT, 'src/web/app'), resolve(PROJECT_ROOT, 'src/web/api.ts'), resolve(PROJECT_ROOT, 'vite.config.ts')];

/** Where the browser tests save screenshots (git-ignored). */
export const GUI_OUTPUT = resolve(PROJECT_ROOT, 'test-output/gui');

/**
 * The `skip` option for browser tests: false when Chromium is there; a message when it is
 * missing; throws under CI=true so the run fails instead of silently skipping.
 */
export function skipWithoutChromium(): false | string {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: install chromium (apt-get install -y chromium)`);
  return `${CHROMIUM} not found: browser GUI tests skipped (apt-get install -y chromium, or set OCCUPY_CHROMIUM)`;
}

/** Newest modification time (ms) of a file or of the files under a folder. */
function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** Also the pure modules of src/occupancy and src/plots the page bundles. */
function pageSourcesMtime(): number {
  const occupancy = ['kernel.ts', 'tau.ts', 'modification-curves.ts', 'chimerax-script.ts', 'estimate-options.ts', 'options.ts'].map((f) => resolve(PROJECT_ROOT, 'src/occupancy', f));
  // the plot specs the page renders with Vega
  const plots = ['modification-plot.ts'].map((f) => resolve(PROJECT_ROOT, 'src/plots', f));
  // local resolution's option schema (the half-map panel's method choice) and its defaults
  const resolution = ['locres-options.ts', 'locres-defaults.ts', 'window-minimum.ts'].map((f) => resolve(PROJECT_ROOT, 'src/resolution', f));
  const core = ['option-schema.ts', 'option-error.ts', 'voxel-size-limits.ts'].map((f) => resolve(PROJECT_ROOT, 'src/core', f));
  return Math.max(...[...PAGE_SOURCES, ...occupancy, ...plots, ...resolution, ...core].map(newestMtime));
}

/**
 * Build the page with vite when `dist/web/index.html` is missing or older than its sources.
 * @returns whether a build ran
 */
export async function ensurePageBundle(): Promise<boolean> {
  const index = join(PAGE_DIST, 'index.html');
  const fresh = () => existsSync(index) && statSync(index).mtimeMs >= pageSourcesMtime();
  if (fresh()) return false;
  // two GUI test files run side by side (`npm test` runs two at once): one builds while the other
  // waits, then finds the page fresh (two vite builds into one folder would empty it under each other)
  const release = await lockBuild(180_000);
  try {
    if (fresh()) return false;
    const vite = resolve(PROJECT_ROOT, 'node_modules/vite/bin/vite.js');
    await promisify(execFile)(process.execPath, [vite, 'build', '--logLevel', 'error'], { cwd: PROJECT_ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    if (!existsSync(index)) throw new Error(`vite build did not write ${index}`);
    return true;
  } finally {
    release();
  }
}

/** The page build's lock (a folder holding the builder's pid; taken over when the builder is gone). */
const BUILD_LOCK = resolve(PROJECT_ROOT, 'dist/.web-build.lock');

function lockBuild(timeoutMs: number): Promise<() => void> {
  return lockFolder(BUILD_LOCK, timeoutMs, 'another test building the page');
}

/** A headless Chromium with its own throw-away profile. */
export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launch Chromium with a fresh temporary user-data dir (and HOME/XDG dirs), headless, WebGL on
 * SwiftShader.
 */
export async function launchBrowser(viewport = { width: 1440, height: 1000 }): Promise<TestBrowser> {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-chromium-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, { HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_CACHE_HOME: join(dir, 'cache') });
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    env,
    viewport,
    deviceScaleFactor: 1,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--enable-unsafe-swiftshader',
    ],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A decoded PNG: 8-bit RGBA, row-major. */
export interface DecodedPng {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/**
 * Decode a non-interlaced 8-bit PNG (greyscale, RGB, grey+alpha or RGBA; what Chromium
 * screenshots are) to RGBA.
 * @throws TypeError for other PNG kinds
 */
export function decodePng(png: Buffer): DecodedPng {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new TypeError('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let colourType = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('ascii', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      colourType = data[9];
      if (depth !== 8 || data[12] !== 0 || ![0, 2, 4, 6].includes(colourType)) throw new TypeError(`unsupported PNG: depth ${depth}, colour type ${colourType}, interlace ${data[12]}`);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colourType] as number;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pix = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pix[row + x - channels] : 0;
      const b = y > 0 ? pix[row - stride + x] : 0;
      const c = x >= channels && y > 0 ? pix[row - stride + x - channels] : 0;
      let p: number;
      switch (filter) {
        case 0:
          p = 0;
          break;
        case 1:
          p = a;
          break;
        case 2:
          p = b;
          break;
        case 3:
          p = (a + b) >> 1;
          break;
        case 4: {
          const q = a + b - c;
          const pa = Math.abs(q - a);
          const pb = Math.abs(q - b);
          const pc = Math.abs(q - c);
          p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new TypeError(`bad PNG filter ${filter}`);
      }
      pix[row + x] = (raw[src + x] + p) & 255;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    const grey = channels <= 2;
    rgba[i * 4] = pix[s];
    rgba[i * 4 + 1] = grey ? pix[s] : pix[s + 1];
    rgba[i * 4 + 2] = grey ? pix[s] : pix[s + 2];
    rgba[i * 4 + 3] = channels === 4 ? pix[s + 3] : channels === 2 ? pix[s + 1] : 255;
  }
  return { width, height, rgba };
}

/** Number of distinct RGB colours in RGBA pixels. */
export function distinctColours(rgba: Uint8Array | Uint8ClampedArray): number {
  const seen = new Set<number>();
  for (let i = 0; i < rgba.length; i += 4) seen.add((rgba[i] << 16) | (rgba[i + 1] << 8) | rgba[i + 2]);
  return seen.size;
}
