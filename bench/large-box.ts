/**
 * Large-box table of `npm run bench` (issue 20), also runnable alone:
 * `npm run build && node --import tsx bench/large-box.ts [--large-sizes 256,384,512,1024] [--large-runs 3] [--ref-1024] [--no-full] [--no-locres]`.
 *
 * Rows: 256³, 384³ and 512³ with the default `--max-box 256` and with `--max-box 0` (full size;
 * 256³ only once, the two are the same run), and 1024³ default. Each cell is the median over
 * `--large-runs` (default 3) whole CLI processes of the wall time and of the CPU time (user +
 * system: the steadier figure on a shared machine), with the median peak RSS of the same processes
 * (GNU time `%M`), and the 1-minute load average after the row; each run writes into a new output
 * folder.
 *
 * The original OccuPy runs side by side in the same bench run, alternating with ours, when the
 * environment variable `OCCUPY_REF` names a runnable copy of its source tree (the folder holding
 * `occupy_lib/`; see ../shared/tools/README.md for the Debian packages and how to unpack it): it is
 * run through `../shared/tools/occupy_ref.py` as a whole `/usr/bin/python3` process, timed and
 * measured the same way (`OCCUPY_REF_SCRIPT` overrides the script's path); `--max-box 0` is passed to it as `--max-box 4096` (its way of saying no
 * down-sampling). Without `OCCUPY_REF` the original's columns say `skipped: OCCUPY_REF not set`.
 * The original needs about 3× the map in memory (its full-size real FFT in complex64), 13 GB for
 * 1024³, so at 1024³ it runs only with `--ref-1024`.
 *
 * Maps: the deterministic phantom of bench.ts (two domains at occupancy 1 and 0.5, 4 Å, SNR 4)
 * at 1.2 Å for 256³–512³; the 1024³ map (0.6 Å, 4 GiB) is the 512³ phantom upsampled 2× by
 * repeating voxels, written section by section.
 *
 * Local resolution at scale (issue 20 item 4: 256³ ≤ 10 s and ≤ 1 GB, 384³ ≤ 40 s; 512³ without a
 * target, a size users have): for the 256³, 384³ and 512³ boxes (unless `--no-locres`),
 * `occupy locres half1 half2 --mask mask` on the half-map
 * phantom of bench.ts (eight domains at 3–8 Å, SNR 3, 1 Å voxels; scaled with the box, mask
 * 2.8 %), timed the same way; the original OccuPy has no local resolution, so those rows have no
 * side-by-side columns.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodeMrc, encodeMrcHeader, MRC_HEADER_BYTES, parseMrcHeader, writeMrc } from '../src/io/mrc/index.js';
import { occupancyPhantom } from '../src/synthetic/phantom.js';
import { halfMapPhantom } from '../src/resolution/half-map-phantom.js';
import { loadFft } from '../src/math/fft.js';
import type { Volume } from '../src/core/volume.js';
import { printTable } from './markdown-table.js';

/** One measured process: wall seconds, CPU seconds (user + system) and peak RSS (KiB). */
interface Run {
  wall: number;
  cpu: number;
  rssKiB: number;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** Run a command under GNU time; wall and peak RSS of the whole process. */
function timed(cmd: string, args: string[], cwd?: string, env?: NodeJS.ProcessEnv): Run {
  const p = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M %U %S', cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], cwd, env: env ?? process.env });
  const err = p.stderr ?? '';
  const m = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(err.trim());
  if (p.status !== 0 || !m) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${p.status}): ${err.slice(-500)}`);
  return { wall: Number(m[1]), rssKiB: Number(m[2]), cpu: Number(m[3]) + Number(m[4]) };
}

/** The bench phantom (two domains at occupancy 1 and 0.5, 4 Å, SNR 4) on an n³ box. */
export function phantom(n: number, voxelSizeA: number): Volume {
  const c = n / 2;
  const off = Math.round(n / 8);
  return occupancyPhantom({
    shape: [n, n, n], voxelSizeA, resolutionA: 4, snr: 4, seed: 3,
    domains: [
      { centreVoxel: [c - off, c, c], radiusA: (n * voxelSizeA) / 7, occupancy: 1 },
      { centreVoxel: [c + off, c, c], radiusA: (n * voxelSizeA) / 7, occupancy: 0.5 },
    ],
  }).map;
}

/** Write `v` upsampled 2× by repeating voxels (box 2n, voxel size halved), section by section. */
export async function writeUpsampled2(path: string, v: Volume): Promise<void> {
  const [n] = v.shape;
  const m = 2 * n;
  const base = parseMrcHeader(encodeMrc(v).subarray(0, MRC_HEADER_BYTES), true);
  const header = { ...base, nx: m, ny: m, nz: m, mx: m, my: m, mz: m };
  const fh = await open(path, 'w');
  try {
    await fh.write(encodeMrcHeader(header, true), 0, MRC_HEADER_BYTES, 0);
    const plane = new Float32Array(m * m);
    const bytes = new Uint8Array(plane.buffer);
    for (let z = 0; z < m; z++) {
      const src = (z >> 1) * n * n;
      for (let y = 0; y < m; y++) {
        const row = src + (y >> 1) * n;
        for (let x = 0; x < m; x++) plane[y * m + x] = v.data[row + (x >> 1)];
      }
      await fh.write(bytes, 0, bytes.length, MRC_HEADER_BYTES + z * bytes.length);
    }
  } finally {
    await fh.close();
  }
}

/** Options of {@link largeBoxTable}. */
export interface LargeBoxOptions {
  /** Folder for the maps and outputs (removed by the caller). */
  dir: string;
  /** Path of bin/occupy.js (built). */
  cli: string;
  /** Boxes (edge, voxels) among 256, 384, 512, 1024. */
  sizes: number[];
  /** Runs per cell (median). */
  runs: number;
  /** Also run the original OccuPy on 1024³. */
  ref1024: boolean;
  /** Include the `--max-box 0` rows (default true; `--no-full` leaves them out). */
  full: boolean;
  /** Include the local-resolution rows at 256³ and 384³ (default true; `--no-locres` leaves them out). */
  locres: boolean;
}

/** Write the half maps and mask of the locres rows (bench.ts's 256³ phantom, scaled to n³) into `dir`. */
async function writeHalfMaps(dir: string, n: number): Promise<void> {
  await loadFft();
  const s = n / 256;
  const c = n / 2;
  const resolutions = [3, 4, 5, 6, 8, 3.5, 4.5, 7];
  const p = halfMapPhantom({
    shape: [n, n, n], voxelSizeA: 1, snr: 3, seed: 16,
    domains: [-1, 1].flatMap((i) => [-1, 1].flatMap((j) => [-1, 1].map((k, m) => ({ centreVoxel: [c + 24 * s * i, c + 24 * s * j, c + 24 * s * k] as [number, number, number], radiusA: 24 * s, resolutionA: resolutions[((i + 1) / 2) * 4 + ((j + 1) / 2) * 2 + m] })))),
  });
  await writeMrc(join(dir, `h1_${n}.mrc`), p.half1);
  await writeMrc(join(dir, `h2_${n}.mrc`), p.half2);
  await writeMrc(join(dir, `mask_${n}.mrc`), { data: p.mask, shape: p.half1.shape, voxelSizeA: p.half1.voxelSizeA });
}

/**
 * Measure and print the large-box table (markdown).
 * @returns the table's rows (box, ours s, ours peak RSS, original s, original peak RSS, ratio)
 */
export async function largeBoxTable(o: LargeBoxOptions): Promise<string[][]> {
  const root = resolve(import.meta.dirname ?? '.', '..');
  const refSrc = process.env.OCCUPY_REF;
  const refScript = process.env.OCCUPY_REF_SCRIPT ?? resolve(root, '../shared/tools/occupy_ref.py');
  const refOk = !!refSrc && existsSync(join(refSrc, 'occupy_lib')) && existsSync(refScript) && existsSync('/usr/bin/python3');
  const refNote = !refSrc ? 'skipped: OCCUPY_REF not set' : refOk ? '' : `skipped: OCCUPY_REF=${refSrc} has no occupy_lib/ (or ${refScript} / /usr/bin/python3 missing)`;
  const rows: string[][] = [];
  let p512: Volume | undefined;
  for (const n of o.sizes) {
    const path = join(o.dir, `large_${n}.mrc`);
    if (n === 1024) {
      p512 ??= phantom(512, 1.2);
      await writeUpsampled2(path, p512);
    } else {
      const v = n === 512 ? (p512 ??= phantom(512, 1.2)) : phantom(n, 1.2);
      await writeMrc(path, v);
    }
    const mapMB = (4 * n ** 3) / 1e6;
    for (const maxBox of (n === 1024 || n <= 256 ? [256] : [256, 0]).filter((b) => (b === 0 ? o.full : true))) {
      const ours: Run[] = [];
      const ref: Run[] = [];
      const runRef = refOk && (n < 1024 || o.ref1024);
      for (let r = 0; r < o.runs; r++) {
        const out = mkdtempSync(join(o.dir, 'out-'));
        ours.push(timed(process.execPath, [o.cli, '-i', path, '-o', join(out, `o_${n}.mrc`), '--max-box', String(maxBox), '--quiet']));
        rmSync(out, { recursive: true, force: true });
        if (runRef) {
          const refOut = mkdtempSync(join(o.dir, 'ref-'));
          ref.push(timed('/usr/bin/python3', [refScript, path, refOut, '--max-box', String(maxBox === 0 ? 4096 : maxBox)], refOut, { ...process.env, OCCUPY_SRC: refSrc }));
          rmSync(refOut, { recursive: true, force: true });
        }
      }
      const oursS = median(ours.map((x) => x.wall));
      const oursRss = median(ours.map((x) => x.rssKiB)) * 1024;
      const budget = maxBox === 0 ? 4.5 * 4 * n ** 3 : 1.2 * 4 * n ** 3 + 300e6;
      const row = [
        `${n}³ ${maxBox === 0 ? '--max-box 0' : 'default'}`,
        oursS.toFixed(1),
        median(ours.map((x) => x.cpu)).toFixed(1),
        `${(oursRss / 1e6).toFixed(0)} MB (${(oursRss / (4 * n ** 3)).toFixed(2)}× map; budget ${(budget / 1e6).toFixed(0)} MB)`,
      ];
      if (ref.length > 0) {
        const refS = median(ref.map((x) => x.wall));
        const refRss = median(ref.map((x) => x.rssKiB)) * 1024;
        const refCpu = median(ref.map((x) => x.cpu));
        row.push(refS.toFixed(1), refCpu.toFixed(1), `${(refRss / 1e6).toFixed(0)} MB`, `${(refS / oursS).toFixed(1)}×`, `${(refCpu / median(ours.map((x) => x.cpu))).toFixed(1)}×`);
      } else {
        row.push(refNote || 'not run at 1024³ (needs ~13 GB; --ref-1024)', '', '', '', '');
      }
      row.push(loadavg()[0].toFixed(1));
      rows.push(row);
      console.log(`  ${row.join(' | ')}  (map ${mapMB.toFixed(0)} MB; load ${loadavg()[0].toFixed(1)})`);
    }
    rmSync(path, { force: true });
    if (o.locres && (n === 256 || n === 384 || n === 512)) {
      await writeHalfMaps(o.dir, n);
      const runs: Run[] = [];
      for (let r = 0; r < o.runs; r++) {
        const out = mkdtempSync(join(o.dir, 'out-'));
        runs.push(timed(process.execPath, [o.cli, 'locres', join(o.dir, `h1_${n}.mrc`), join(o.dir, `h2_${n}.mrc`), '--mask', join(o.dir, `mask_${n}.mrc`), '-o', join(out, 'locres.mrc'), '-q']));
        rmSync(out, { recursive: true, force: true });
      }
      const rss = median(runs.map((x) => x.rssKiB)) * 1024;
      const row = [
        `${n}³ locres (half maps, mask)`,
        median(runs.map((x) => x.wall)).toFixed(1),
        median(runs.map((x) => x.cpu)).toFixed(1),
        `${(rss / 1e6).toFixed(0)} MB (target ${n === 256 ? '≤ 10 s, ≤ 1 GB' : n === 384 ? '≤ 40 s' : 'none: a size users have'})`,
        'no local resolution in OccuPy', '', '', '', '',
        loadavg()[0].toFixed(1),
      ];
      rows.push(row);
      console.log(`  ${row.join(' | ')}`);
      for (const f of ['h1', 'h2', 'mask']) rmSync(join(o.dir, `${f}_${n}.mrc`), { force: true });
    }
  }
  printTable(['box', 'ours wall s', 'ours CPU s', 'ours peak RSS', 'original wall s', 'original CPU s', 'original peak RSS', 'speed-up (wall)', 'speed-up (CPU)', 'load'], rows);
  return rows;
}


function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** The table's options from the command line (`--large-sizes`, `--large-runs`, `--ref-1024`). */
export function largeBoxArgs(dir: string, cli: string): LargeBoxOptions {
  return {
    dir,
    cli,
    sizes: arg('large-sizes', '256,384,512,1024').split(',').filter(Boolean).map(Number),
    runs: Number(arg('large-runs', '3')),
    ref1024: process.argv.includes('--ref-1024'),
    full: !process.argv.includes('--no-full'),
    locres: !process.argv.includes('--no-locres'),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = resolve(import.meta.dirname ?? '.', '..');
  const cli = join(root, 'bin/occupy.js');
  if (!existsSync(join(root, 'dist/cli/index.js'))) throw new Error('run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), 'occupy-large-'));
  console.log(`occupy-ts large-box table — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; median of the runs; OCCUPY_REF=${process.env.OCCUPY_REF ?? '(not set)'}`);
  try {
    await largeBoxTable(largeBoxArgs(dir, cli));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
