/**
 * Benchmark (not a test) of the Fourier crop/pad alone, one resampling per process so that the
 * peak RSS is the resampling's own:
 * `node --import tsx bench/resample.ts [--from 512] [--to 256] [--impl pruned|full] [--runs 1]`.
 *
 * Generates a smooth map plus noise of `from³` float32 voxels in memory (x fastest, index
 * `(z*ny + y)*nx + x`), then times `fourierResample` (`pruned`, the default: separable transforms
 * that keep only the needed frequency bins) or `fourierResampleFull` (`full`: the reference with
 * full-size 3D transforms) to `to³`, and prints one JSON line: wall and CPU seconds per run
 * (medians; on a shared machine the CPU time is the steadier figure), the peak RSS of the process (`process.resourceUsage().maxRSS`, MiB) and the map size (MiB).
 */
import { loadFft } from '../src/math/fft.js';
import { mulberry32 } from '../src/math/random.js';
import * as resample from '../src/filters/fourier-resample.js';
import type { Shape3, Volume } from '../src/core/volume.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const from = Number(arg('from', '512'));
const to = Number(arg('to', '256'));
const impl = arg('impl', 'pruned');
const runs = Number(arg('runs', '1'));

const fns = resample as unknown as Record<string, ((v: Volume, s: Shape3) => Volume) | undefined>;
const fn = impl === 'full' ? fns.fourierResampleFull ?? fns.fourierResample : fns.fourierResample;
if (!fn) throw new Error(`no implementation ${impl}`);

await loadFft();
const n = from;
const data = new Float32Array(n * n * n);
const rand = mulberry32(7);
const w = (2 * Math.PI) / n;
const sx = Float32Array.from({ length: n }, (_, i) => Math.sin(3 * w * i));
const cy = Float32Array.from({ length: n }, (_, i) => Math.cos(5 * w * i + 0.3));
for (let z = 0, i = 0; z < n; z++) {
  const cz = Math.sin(2 * w * z + 1);
  for (let y = 0; y < n; y++) {
    const yz = cy[y] * cz;
    for (let x = 0; x < n; x++, i++) data[i] = sx[x] * yz + 0.1 * rand();
  }
}
const vol: Volume = { data, shape: [n, n, n], voxelSizeA: [1, 1, 1] };
const rssBefore = process.resourceUsage().maxRSS / 1024;
const times: number[] = [];
const cpuTimes: number[] = [];
let out: Volume | null = null;
for (let r = 0; r < runs; r++) {
  out = null;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  out = fn(vol, [to, to, to]);
  const c = process.cpuUsage(c0);
  times.push((performance.now() - t0) / 1000);
  cpuTimes.push((c.user + c.system) / 1e6);
}
times.sort((a, b) => a - b);
cpuTimes.sort((a, b) => a - b);
console.log(JSON.stringify({
  impl, from, to,
  seconds: Number(times[Math.floor(times.length / 2)].toFixed(3)),
  cpuSeconds: Number(cpuTimes[Math.floor(cpuTimes.length / 2)].toFixed(3)),
  peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  rssBeforeResampleMiB: Math.round(rssBefore),
  mapMiB: Math.round((n ** 3 * 4) / 2 ** 20),
  outMean: out ? out.data.reduce((s, v) => s + v, 0) / out.data.length : null,
}));
