/**
 * Acceptance fuzz test of issue 12 (seeded, well under 60 s):
 *
 * 1. 300 byte-flipped headers of real maps (../shared/data: a 24³ block of each of the first maps,
 *    written with the real map's header, then 1–8 random bytes of the first 1024 changed): the
 *    reader either returns a consistent map or throws one clear line; a subset goes through the
 *    whole estimate (in-process, a few as child processes).
 * 2. 17 values per numeric option of the estimate and of the other commands on a tiny synthetic
 *    map: one of each fixed category of the issue (NaN, ±Inf, 0, ±1e308 and beyond, 1e-320,
 *    integers past 32 and 53 bits, empty), taken in turn over the options so every listed value
 *    is tried on nine or more options, and seeded draws of the others (2 negatives, 3 fractions,
 *    2 random strings, 3 small integers). Until session 58 these were 50 draws from all eleven
 *    categories at random: an option missed a category with probability (10/11)^50 ≈ 0.9 %
 *    (about four gaps over the 47 options × 11 categories), and the 2350 cases (1601 distinct)
 *    took 80 s.
 *
 * For every case: exit 0 with finite outputs in range (maps read back: finite; scale and
 * confidence in [0, 1]), or exactly one stderr line and exit ≠ 0; no stack trace; the inputs'
 * bytes unchanged; after a failure no file (not even a hidden `.*.tmp`) in the output folder.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMrc, readMrc, type MrcMap } from '../../src/io/mrc/index.js';
import { runChild, runInProcess, type CliRun } from '../helpers/cli-run.js';
import { mulberry32 } from '../../src/math/random.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import type { Volume } from '../../src/core/volume.js';
import { HAVE_SHARED, SHARED_DATA, skipWithoutShared } from '../helpers/shared-data.js';
import { magMatrixOpticsStar, zernikeOpticsStar } from '../helpers/fixtures.js';

const STACK = /^\s*at\s.+(:\d+:\d+\)?|native\)?)$|node:internal|\.ts:\d+:\d+/m;
const SEED = 20240612;

type Run = CliRun;
const cli = runChild;
const inProcess = runInProcess;

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const nonEmpty = (s: string) => s.split('\n').filter((l) => l.trim() !== '');

/** Every file under `dir` (relative paths, hidden ones included). */
function listing(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? (d as unknown as { path: string }).path, d.name).slice(dir.length + 1))
    .sort();
}

/** Value range each output map must respect, by file-name prefix. */
function mapRange(name: string): [number, number] {
  if (/^(scale_|conf_|subtraction_mask|soldef_)/.test(name)) return [0, 1];
  return [-Infinity, Infinity];
}

/** Read every .mrc written and check it: finite voxels, in range for its kind, finite positive voxel size. */
async function checkOutputs(dir: string, what: string): Promise<number> {
  let n = 0;
  for (const f of listing(dir)) {
    assert.ok(!/(^|\/)\.[^/]*\.tmp$|\.tmp$/.test(f), `${what}: temporary file left after success: ${f}`);
    if (!f.endsWith('.mrc')) continue;
    const m: MrcMap = await readMrc(join(dir, f));
    const [lo, hi] = mapRange(f.split('/').pop() as string);
    const d = m.volume.data;
    for (let i = 0; i < d.length; i++) {
      if (!(d[i] >= lo && d[i] <= hi)) assert.fail(`${what}: ${f} voxel ${i} = ${d[i]} outside [${lo}, ${hi}]`);
    }
    for (const a of m.volume.voxelSizeA) assert.ok(Number.isFinite(a) && a > 0, `${what}: ${f} voxel size ${a}`);
    n++;
  }
  return n;
}

/** The outcome contract of every case. */
async function checkCase(r: Run, outDir: string, inputs: Map<string, string>, what: string): Promise<'ok' | 'refused'> {
  assert.doesNotMatch(r.stderr, STACK, `${what}: stack trace:\n${r.stderr}`);
  for (const [path, hash] of inputs) assert.equal(sha(path), hash, `${what}: input ${path} changed`);
  if (r.code === 0) {
    await checkOutputs(outDir, what);
    return 'ok';
  }
  const lines = nonEmpty(r.stderr);
  assert.equal(lines.length, 1, `${what}: exit ${r.code} with ${lines.length} stderr lines:\n${r.stderr}`);
  assert.match(lines[0], /^occupy: error: |^error: /, `${what}: ${lines[0]}`);
  assert.deepEqual(listing(outDir), [], `${what}: files left after a failure`);
  return 'refused';
}

let root = '';
let map = '';
let half2 = '';
let scaleMap = '';
let opticsStar = '';
let groupsStar = '';
const inputHashes = new Map<string, string>();

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'occupy-fuzz-'));
  const inputs = join(root, 'inputs');
  mkdirSync(inputs);
  const phantom = (seed: number): Volume =>
    occupancyPhantom({ shape: [24, 24, 24], voxelSizeA: 1.5, resolutionA: 5, snr: 4, seed, domains: [{ centreVoxel: [12, 12, 12], radiusA: 9, occupancy: 1 }, { centreVoxel: [6, 7, 6], radiusA: 5, occupancy: 0.5 }] }).map;
  map = join(inputs, 'map.mrc');
  writeFileSync(map, encodeMrc(phantom(3)));
  half2 = join(inputs, 'half2.mrc');
  writeFileSync(half2, encodeMrc(phantom(4)));
  const scale = phantom(5);
  for (let i = 0; i < scale.data.length; i++) scale.data[i] = Math.min(1, Math.max(0, scale.data[i] / 2));
  scaleMap = join(inputs, 'scale_occ_map.mrc');
  writeFileSync(scaleMap, encodeMrc(scale));
  opticsStar = join(inputs, 'optics.star');
  writeFileSync(opticsStar, zernikeOpticsStar(0.3));
  groupsStar = join(inputs, 'groups.star');
  writeFileSync(groupsStar, magMatrixOpticsStar());
  for (const p of [map, half2, scaleMap, opticsStar, groupsStar]) inputHashes.set(p, sha(p));
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

let caseNo = 0;
const freshOut = () => {
  const d = join(root, `out-${++caseNo}`);
  mkdirSync(d);
  return d;
};

describe('fuzz: 300 byte-flipped headers of real maps', { skip: skipWithoutShared() }, () => {
  it('the reader returns a consistent map or one clear line for every flipped header; a subset through the whole estimate', async () => {
    if (!HAVE_SHARED) return;
    const rand = mulberry32(SEED);
    const sources = readdirSync(SHARED_DATA).filter((f) => /\.(mrc|map|ccp4)(\.gz)?$/.test(f) && !/localres/.test(f)).sort().slice(0, 3);
    assert.ok(sources.length > 0, `no maps in ${SHARED_DATA}`);
    const dir = join(root, 'flipped');
    mkdirSync(dir);
    // a 24³ block from the middle of each real map, written with that map's header
    const bases: Uint8Array[] = [];
    for (const f of sources) {
      const m = await readMrc(join(SHARED_DATA, f));
      const [nx, ny] = m.volume.shape;
      const o = m.volume.shape.map((n) => Math.max(0, Math.floor(n / 2) - 12));
      const block = new Float32Array(24 ** 3);
      for (let z = 0; z < 24; z++) for (let y = 0; y < 24; y++) for (let x = 0; x < 24; x++) {
        block[(z * 24 + y) * 24 + x] = m.volume.data[((z + o[2]) * ny + (y + o[1])) * nx + (x + o[0])] ?? 0;
      }
      bases.push(encodeMrc({ data: block, shape: [24, 24, 24], voxelSizeA: m.volume.voxelSizeA }, { template: m.header }));
    }
    const outcomes = { read: 0, refused: 0, estimated: 0, estimateRefused: 0 };
    const cliSubset: string[] = [];
    for (let k = 0; k < 300; k++) {
      const bytes = Uint8Array.from(bases[k % bases.length]);
      const flips = 1 + Math.floor(rand() * 8);
      const where: string[] = [];
      for (let j = 0; j < flips; j++) {
        const at = Math.floor(rand() * 1024);
        const v = (bytes[at] + 1 + Math.floor(rand() * 255)) & 0xff;
        bytes[at] = v;
        where.push(`${at}=${v}`);
      }
      const path = join(dir, `flip${k}.mrc`);
      writeFileSync(path, bytes);
      const what = `flip${k} (${sources[k % sources.length]}: ${where.join(' ')})`;
      let m: MrcMap | undefined;
      try {
        m = await readMrc(path);
      } catch (err) {
        const e = err as Error;
        assert.ok(e instanceof Error && !(e instanceof TypeError) && !(e instanceof ReferenceError), `${what}: ${String(err)}`);
        assert.ok(e.message.length > 0 && !e.message.includes('\n'), `${what}: message ${JSON.stringify(e.message)}`);
        outcomes.refused++;
      }
      if (m) {
        outcomes.read++;
        const [nx, ny, nz] = m.volume.shape;
        assert.equal(m.volume.data.length, nx * ny * nz, what);
        for (const a of m.volume.voxelSizeA) assert.ok(Number.isFinite(a) && a > 0, `${what}: voxel size ${a}`);
      }
      assert.ok(Buffer.from(bytes).equals(readFileSync(path)), `${what}: the reader changed the file`);
      if (k % 25 === 0) cliSubset.push(path);
    }
    // the subset through the estimate: in-process, and the first two as child processes
    for (let j = 0; j < cliSubset.length; j++) {
      const input = cliSubset[j];
      const hash = sha(input);
      const out = freshOut();
      const args = ['-i', input, '-o', join(out, 'f.mrc'), '-q'];
      const r = j < 2 ? await cli(args, out) : await inProcess(args);
      const outcome = await checkCase(r, out, new Map([[input, hash]]), `occupy ${args.join(' ')}`);
      if (outcome === 'ok') outcomes.estimated++;
      else outcomes.estimateRefused++;
    }
    assert.equal(outcomes.read + outcomes.refused, 300);
    // both outcomes occur: the fuzzing reaches past the header checks and trips them
    assert.ok(outcomes.read > 0 && outcomes.refused > 0, JSON.stringify(outcomes));
    process.stderr.write(`# header fuzz: ${JSON.stringify(outcomes)}\n`);
  });
});

/** One numeric option and how to run the command around it. */
interface FuzzOption {
  option: string;
  /** The command line without the option; `$out` is the case's output folder. */
  args: string[];
}

const OPTIONS = (): FuzzOption[] => {
  const est = (extra: string[] = []) => ['-i', map, '-o', '$out/m.mrc', '-q', ...extra];
  const ctf = (skip: string) => ['pixel-size', 'ctf-plot', ...(skip === '--true-angpix' ? [] : ['--true-angpix', '1']), ...(skip === '--nominal-angpix' ? [] : ['--nominal-angpix', '1.05']), '-o', '$out/ctf', '-q'];
  return [
    ...['--angpix', '--resolution', '--lowpass', '--kernel-size', '--kernel-radius', '--tau', '--tile-size', '--max-box', '--hedge-confidence', '--scale-limit', '--min-vis-scale'].map((option) => ({ option, args: est() })),
    // (--seed only where the run draws random numbers: --attenuate's synthetic solvent noise)
    ...['--amplify', '--attenuate'].map((option) => ({ option, args: est(option === '--attenuate' ? ['--seed', '1'] : []) })),
    { option: '--sigmoid', args: est(['--pivot', '0.5']) },
    { option: '--pivot', args: est(['--sigmoid', '2']) },
    { option: '--lowpass-output', args: est(['--amplify', '2']) },
    { option: '--seed', args: est(['--attenuate', '2']) },
    { option: '--seed', args: ['demo', '-d', '$out', '-q'] },
    ...['--attenuate', '--angpix'].map((option) => ({ option, args: ['subtraction-mask', scaleMap, '-o', '$out/mask.mrc', '-q', ...(option === '--angpix' ? ['--attenuate', '2'] : [])] })),
    { option: '--sigmoid', args: ['subtraction-mask', scaleMap, '--pivot', '0.4', '-o', '$out/mask.mrc', '-q'] },
    { option: '--pivot', args: ['subtraction-mask', scaleMap, '--sigmoid', '2', '-o', '$out/mask.mrc', '-q'] },
    { option: '--threshold', args: ['soldef', scaleMap, '-o', '$out/soldef.mrc', '-q'] },
    { option: '--angpix', args: ['soldef', scaleMap, '--threshold', '0.3', '-o', '$out/soldef.mrc', '-q'] },
    // a coarse grid (--step 8) keeps the accepted local-FSC runs quick
    ...['--window', '--step', '--threshold', '--randomize-at', '--lowest-resolution', '--angpix'].map((option) => ({ option, args: ['locres', map, half2, '-o', '$out/locres.mrc', '-q', ...(option === '--step' ? [] : ['--step', '8']), ...(option === '--window' ? [] : ['--window', '16'])] })),
    { option: '--angpix', args: ['fsc', map, half2, '-o', '$out/fsc', '-q'] },
    { option: '--angpix', args: ['pixel-size', 'set', map, '-o', '$out/set.mrc', '-q'] },
    { option: '--angpix', args: ['pixel-size', 'resample', map, '-o', '$out/res.mrc', '-q'] },
    { option: '--box', args: ['pixel-size', 'resample', map, '--angpix', '2', '-o', '$out/res.mrc', '-q'] },
    ...['--voltage', '--cs', '--cs-apparent', '--angpix', '--cs-true'].map((option) => ({ option, args: ['pixel-size', 'from-cs', '-q', ...['--voltage', '--cs', '--angpix'].filter((o) => o !== option).flatMap((o) => [o, o === '--voltage' ? '300' : o === '--cs' ? '2.7' : '0.54']), ...(option === '--cs-apparent' ? [] : ['--cs-apparent', '3.39'])] })),
    { option: '--z40', args: ['pixel-size', 'from-cs', '-q', '--voltage', '300', '--cs', '2.7', '--angpix', '0.54'] },
    { option: '--trusted-angpix', args: ['pixel-size', 'groups', '--star', groupsStar, '--trusted-group', '1', '-q'] },
    ...['--true-angpix', '--nominal-angpix', '--voltage', '--cs', '--defocus', '--amplitude-contrast'].map((option) => ({ option, args: ctf(option) })),
  ];
};

/**
 * The issue's value categories: fixed lists (NaN, the infinities, the zeros, ±1e308 and beyond,
 * the subnormals, integers past 32 and 53 bits, blanks) and drawn ones (negatives, fractions,
 * random strings, small integers).
 */
const FIXED: Readonly<Record<string, readonly string[]>> = {
  nan: ['NaN'],
  infinity: ['Infinity', '-Infinity', '+Infinity', 'inf'],
  zero: ['0', '-0', '0.0', '0e5'],
  huge: ['1e308', '-1e308', '1.7976931348623157e308', '1e309'],
  tiny: ['1e-320', '5e-324', '-1e-320', '1e-30'],
  bigInteger: ['2147483648', '4294967297', '9007199254740993', '1e20', String(2 ** 53)],
  blank: ['', ' ', '\t'],
};

/** A seeded value of one of the drawn categories. */
function drawnValue(category: 'negative' | 'fraction' | 'string' | 'integer', rand: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  switch (category) {
    case 'negative': return `-${(rand() * 10 ** Math.floor(rand() * 6)).toPrecision(1 + Math.floor(rand() * 4))}`;
    case 'fraction': return (rand() * pick([1, 1, 10, 100])).toFixed(pick([1, 1, 2]));
    case 'string': {
      const chars = 'abcxyzNaEe+-.,/\\$%&*()[]{}"\' 019';
      return Array.from({ length: 1 + Math.floor(rand() * 8) }, () => pick([...chars])).join('');
    }
    default: return String(1 + Math.floor(rand() * pick([3, 10, 40])) * pick([1, 1, 2]));
  }
}

/** How many values of each drawn category every option gets. */
const DRAWN = { negative: 2, fraction: 3, string: 2, integer: 3 } as const;
/** Values per option: one of each fixed category and the drawn ones. */
const PER_OPTION = Object.keys(FIXED).length + Object.values(DRAWN).reduce((a, b) => a + b, 0);

/**
 * The values option number `index` is tried with: every category of the issue, each fixed list
 * taken in turn over the options (option i gets entry i mod length, so each entry is tried on
 * 9 or more of the options), then the seeded draws.
 */
function optionValues(index: number, rand: () => number): string[] {
  const fixed = Object.values(FIXED).map((list) => list[index % list.length]);
  const drawn = (Object.entries(DRAWN) as [keyof typeof DRAWN, number][]).flatMap(([category, n]) => Array.from({ length: n }, () => drawnValue(category, rand)));
  return [...fixed, ...drawn];
}

describe(`fuzz: ${PER_OPTION} values per numeric option (every category of the issue, seeded) on a 24³ synthetic map`, () => {
  it('every value gives finite in-range outputs, or one line and a non-zero exit; inputs untouched; nothing left after a failure', async () => {
    const rand = mulberry32(SEED + 1);
    const stats = { cases: 0, distinct: 0, ok: 0, refused: 0, child: 0 };
    const seen = new Map<string, 'ok' | 'refused'>();
    const unnamed = new Set<string>();
    const timeBy = new Map<string, number>();
    const options = OPTIONS();
    const childAt = new Set([3, 200, 400, 600]); // a handful of cases as child processes
    for (const [index, { option, args }] of options.entries()) {
      for (const value of optionValues(index, rand)) {
        const key = `${args.join(' ')} ${option}=${value}`;
        stats.cases++;
        if (seen.has(key)) continue; // the same command line again: same outcome
        stats.distinct++;
        const out = freshOut();
        const argv = [...args.map((a) => a.replace('$out', out)), `${option}=${value}`];
        const child = childAt.has(stats.cases);
        const t0 = performance.now();
        const r = child ? await cli(argv, out) : await inProcess(argv);
        const cmd = `${args[0] === '-i' ? 'estimate' : args.slice(0, 2).join(' ')} ${option}`;
        timeBy.set(cmd, (timeBy.get(cmd) ?? 0) + performance.now() - t0);
        if (child) stats.child++;
        const outcome = await checkCase(r, out, inputHashes, `occupy ${argv.map((a) => JSON.stringify(a)).join(' ')}`);
        seen.set(key, outcome);
        stats[outcome]++;
        // a refused value is named with its range; other refusals (the map cannot be processed
        // with otherwise valid settings) are one line too, and are listed at the end
        if (outcome === 'refused' && /must be/.test(r.stderr) && r.stderr.includes(`'${value}'`)) {
          assert.ok(r.stderr.includes(`${option} must be`), `refusal of ${option}=${JSON.stringify(value)} does not name it: ${r.stderr}`);
        } else if (outcome === 'refused') {
          unnamed.add(`${option}=${value}: ${r.stderr.trim()}`);
        }
        rmSync(out, { recursive: true, force: true });
      }
    }
    assert.equal(stats.cases, PER_OPTION * options.length);
    assert.ok(stats.ok > 0 && stats.refused > 0, JSON.stringify(stats));
    process.stderr.write(`# time by command (ms): ${[...timeBy].sort((x, y) => y[1] - x[1]).slice(0, 15).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}\n`);
    process.stderr.write(`# option fuzz: ${JSON.stringify(stats)}\n# refusals of valid values (${unnamed.size}):\n${[...unnamed].map((l) => `#   ${l}`).join('\n')}\n`);
  });
});
