/**
 * Benchmark (not a test): the classification-loop use of the library (issue 14). `npm run bench`
 * runs it; alone: `npm run build && node --import tsx bench/library-loop.ts [--calls 100]
 * [--classes 10] [--box 128] [--cli-calls 100]`.
 *
 * `--classes` synthetic class maps (`--box`³, 1.5 Å, two domains at occupancy 1 and 0.5, 5 Å,
 * SNR 4; a different seed and domain placement per class) are estimated `--calls` times in all,
 * cycling through the classes as a classification run would (one iteration = every class once):
 * - in one process with the built library (`dist/index.js`, as an installed package runs it):
 *   `estimateLocalScale(map, { mode: 'occ' })` on the in-memory map; maps per second, peak RSS
 *   (`process.resourceUsage().maxRSS`, which includes the class maps themselves), and the RSS
 *   after the first and the last iteration (a leak would show as growth);
 * - as `--cli-calls` separate `occupy -i class.mrc --occupancy` processes on the same maps
 *   written to disk (each reads the map and writes scale, confidence and log): maps per second.
 * The library's scale map of one class is compared with the CLI's output: they must be identical.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { occupancyPhantom } from '../src/synthetic/phantom.js';
import { loadFft } from '../src/math/fft.js';
import { printTable } from './markdown-table.js';
import type * as Library from '../src/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}
const calls = arg('calls', 100);
const classes = arg('classes', 10);
const box = arg('box', 128);
const cliCalls = arg('cli-calls', 100);
const root = resolve(import.meta.dirname ?? '.', '..');
const lib = (await import(pathToFileURL(join(root, 'dist/index.js')).href)) as typeof Library;
const cli = join(root, 'bin/occupy.js');
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

console.log(`Library loop: ${calls} calls of estimateLocalScale on ${classes} in-memory ${box}³ class maps, next to ${cliCalls} CLI processes; node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load ${load()} at the start`);
await loadFft(); // the phantom generator needs it (the library loads its own)
const maps: Library.Volume[] = [];
for (let k = 0; k < classes; k++) {
  const c = box / 2;
  const shift = (k % 5) - 2;
  const { map } = occupancyPhantom({
    shape: [box, box, box], voxelSizeA: 1.5, resolutionA: 5, snr: 4, seed: 500 + k,
    domains: [
      { centreVoxel: [c - 9 + shift, c + shift, c], radiusA: (box * 1.5) / 9, occupancy: 1 },
      { centreVoxel: [c + 10, c - shift, c + shift], radiusA: (box * 1.5) / 10, occupancy: 0.5 },
    ],
  });
  maps.push({ ...map, originA: [0, 0, 0] });
}
const dir = mkdtempSync(join(tmpdir(), 'occupy-bench-loop-'));
try {
  const paths: string[] = [];
  for (let k = 0; k < classes; k++) {
    paths.push(join(dir, `class${String(k + 1).padStart(3, '0')}.mrc`));
    await lib.writeMrc(paths[k], maps[k]);
  }
  const rssBefore = process.resourceUsage().maxRSS;

  // in one process: the library
  let firstIterationRss = 0;
  let firstScale: Float32Array | undefined;
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    const r = await lib.estimateLocalScale(maps[i % classes], { mode: 'occ' });
    if (i === 0) firstScale = r.scale.data;
    if (i === classes - 1) firstIterationRss = process.memoryUsage().rss;
  }
  const libSeconds = (performance.now() - t0) / 1000;
  const lastRss = process.memoryUsage().rss;
  const peakKiB = process.resourceUsage().maxRSS;
  const loadAfterLib = load();

  // one CLI process per map, on the files
  const t1 = performance.now();
  for (let i = 0; i < cliCalls; i++) {
    const out = join(dir, `out${i % classes}`) + '/';
    execFileSync(process.execPath, [cli, '-i', paths[i % classes], '--occupancy', '-o', out, '--no-chimerax', '--quiet'], { stdio: 'ignore' });
  }
  const cliSeconds = (performance.now() - t1) / 1000;
  const cliScale = await lib.readMrc(join(dir, 'out0', 'scale_occ_class001.mrc'));
  const identical = firstScale !== undefined && firstScale.length === cliScale.data.length && firstScale.every((v, i) => v === cliScale.data[i]);

  printTable(
    ['way', 'maps', 'wall s', 'maps/s', 'peak RSS'],
    [
      [`library, one process (estimateLocalScale, in memory)`, String(calls), libSeconds.toFixed(1), (calls / libSeconds).toFixed(2), `${mib(peakKiB)} (${mib(rssBefore)} before the loop)`],
      [`CLI, one process per map (occupy -i … --occupancy)`, String(cliCalls), cliSeconds.toFixed(1), (cliCalls / cliSeconds).toFixed(2), '—'],
    ],
  );
  console.log(`Library ${((calls / libSeconds) / (cliCalls / cliSeconds)).toFixed(1)}× the CLI's maps/s; RSS after the first iteration ${(firstIterationRss / 2 ** 20).toFixed(0)} MiB, after the last ${(lastRss / 2 ** 20).toFixed(0)} MiB; library scale map identical to the CLI's: ${identical ? 'yes' : 'NO'}; load ${loadAfterLib} after the library loop, ${load()} at the end`);
  if (!identical) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
