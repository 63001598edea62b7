/**
 * The installable package (issue 14, item 4): `npm pack` (whose `prepack` empties `dist/`, which
 * `prepare`, run by npm next, builds once), install the tarball into an empty folder with the
 * dependencies from the npm cache (offline), then use it as a user would: `npx occupy demo`, an
 * ES-module consumer calling `estimateLocalScale` on a 64³ map it builds, and a strict TypeScript
 * consumer (which must type-check, and must fail with a planted type error).
 *
 * The repository is copied first (the files git knows of, as they are in the working tree), so
 * that the clean build never touches this checkout's `dist/`, which other tests use.
 * `OCCUPY_PACK_REF=<commit>` packs that commit instead (`git archive`). Takes about 1–2 minutes.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const TSC = resolve(PROJECT_ROOT, 'node_modules/typescript/bin/tsc');
const opts = (cwd: string, timeout = 300_000) => ({ cwd, timeout, maxBuffer: 1 << 26, env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });

/** Copy the repository's source (not test/, docs/, node_modules/) to `to`, and link node_modules. */
async function copyRepo(to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  const ref = process.env.OCCUPY_PACK_REF;
  if (ref) {
    const tar = join(to, '..', 'src.tar');
    await run('git', ['archive', '-o', tar, ref], opts(PROJECT_ROOT));
    await run('tar', ['-xf', tar, '-C', to], opts(PROJECT_ROOT));
  } else {
    const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], opts(PROJECT_ROOT));
    for (const f of stdout.split('\0')) {
      if (!f || /^(test|docs)\//.test(f)) continue;
      await cp(join(PROJECT_ROOT, f), join(to, f), { recursive: true, force: true }).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err; // deleted in the working tree, still in the index
      });
    }
  }
  await rm(join(to, 'test'), { recursive: true, force: true });
  await symlink(join(PROJECT_ROOT, 'node_modules'), join(to, 'node_modules'), 'dir');
}

/**
 * A lockfile for a consumer of the tarball: the tarball, plus every non-dev package of the
 * repository's lockfile at the same path (the same hoisted tree), so `npm ci --offline` needs only
 * the tarballs `npm ci` put in the cache (an install without a lockfile would need the registry's
 * package documents, which `npm ci` does not cache).
 */
async function consumerLock(tgz: string): Promise<{ pkg: object; lock: object }> {
  const repoLock = JSON.parse(await readFile(join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
  const root = repoLock.packages[''];
  const dep = `file:${tgz}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { 'occupy-ts': dep } },
    'node_modules/occupy-ts': { version: root.version, resolved: dep, license: root.license, dependencies: root.dependencies, bin: root.bin, engines: root.engines },
  };
  for (const [k, v] of Object.entries(repoLock.packages)) {
    if (!k.startsWith('node_modules/') || v.dev === true) continue;
    const { devOptional: _, ...entry } = v;
    packages[k] = entry;
  }
  return {
    pkg: { name: 'consumer', private: true, type: 'module', dependencies: { 'occupy-ts': dep } },
    lock: { name: 'consumer', lockfileVersion: 3, requires: true, packages },
  };
}

/** The ES-module consumer: a 64³ map of Gaussian blobs plus seeded noise. */
const CONSUMER_MJS = `
import { estimateLocalScale, OptionError } from 'occupy-ts';
const n = 64;
const data = new Float32Array(n * n * n);
let s = 12345;
const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
const blobs = [[26, 30, 32, 1.0], [40, 34, 30, 0.5]]; // x, y, z, density (voxels)
for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
  let v = 0;
  for (const [bx, by, bz, a] of blobs) v += a * Math.exp(-((x - bx) ** 2 + (y - by) ** 2 + (z - bz) ** 2) / (2 * 4 ** 2));
  const noise = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  data[(z * n + y) * n + x] = v + 0.05 * noise;
}
const r = await estimateLocalScale({ data, shape: [n, n, n], voxelSizeA: [1.5, 1.5, 1.5] }, { mode: 'occ' });
const stats = (v) => { let lo = Infinity, hi = -Infinity; for (const x of v.data) { lo = Math.min(lo, x); hi = Math.max(hi, x); } return { shape: v.shape, length: v.data.length, lo, hi, float32: v.data instanceof Float32Array }; };
const at = (v, x, y, z) => v.data[(z * n + y) * n + x];
let optionError = null;
try { await estimateLocalScale({ data, shape: [n, n, n], voxelSizeA: [1.5, 1.5, 1.5] }, { tau: 3 }); } catch (e) { optionError = { isOptionError: e instanceof OptionError, option: e.option }; }
console.log(JSON.stringify({ scale: stats(r.scale), confidence: stats(r.confidence), blob: at(r.scale, 26, 30, 32), solvent: at(r.scale, 5, 5, 5), mode: r.summary.mode, optionError }));
`;

/** The strict TypeScript consumer. */
const CONSUMER_TS = `
import { estimateLocalScale, readMrc, writeMrc, MrcFormatError, OptionError, SolventModelError, type Volume, type LocalScaleResult } from 'occupy-ts';
export async function run(path: string, out: string): Promise<number> {
  const map: Volume = await readMrc(path);
  const r: LocalScaleResult = await estimateLocalScale(map, { mode: 'occ', maxBox: 128, signal: AbortSignal.timeout(60_000), onProgress: (phase: string, f: number) => void [phase, f] });
  await writeMrc(out, r.scale, { like: await readMrc(path) });
  const origin: [number, number, number] = r.scale.originA;
  const first: number = r.confidence.data[0];
  return origin[0] + first + r.summary.sMax;
}
export function kind(e: unknown): string {
  if (e instanceof OptionError) return e.option + e.allowed;
  if (e instanceof SolventModelError) return e.reason;
  return e instanceof MrcFormatError ? 'format' : 'bug';
}
`;

describe('installable package (npm pack → npm install → use)', { timeout: 600_000 }, () => {
  let tmp: string;
  let consumer: string;
  let tgz: string;
  let entries: string[];
  let packOutput: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'occupy-pack-'));
    const repo = join(tmp, 'repo');
    await copyRepo(repo);
    // dist/ built from a clean slate (prepack empties it, prepare builds it)
    packOutput = (await run(NPM, ['pack', '--pack-destination', tmp], opts(repo, 480_000))).stdout;
    const name = (await readdir(tmp)).find((f) => f.endsWith('.tgz'));
    assert.ok(name, 'npm pack made a tarball');
    tgz = join(tmp, name);
    entries = (await run('tar', ['-tzf', tgz], opts(tmp))).stdout.split('\n').filter(Boolean);
    consumer = join(tmp, 'consumer');
    await mkdir(consumer);
    const { pkg, lock } = await consumerLock(tgz);
    await writeFile(join(consumer, 'package.json'), JSON.stringify(pkg, null, 1));
    await writeFile(join(consumer, 'package-lock.json'), JSON.stringify(lock, null, 1));
    try {
      await run(NPM, ['ci', '--offline', '--no-audit', '--no-fund'], opts(consumer));
    } catch {
      // a cache without some tarball: let npm fetch only what is missing
      await run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', tgz], opts(consumer));
    }
  });
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('the tarball holds dist/ (library, CLI, GUI bundle), bin, README and LICENSE, and no tests', () => {
    for (const f of ['package/dist/index.js', 'package/dist/index.d.ts', 'package/dist/cli/index.js', 'package/dist/occupancy/scale-worker.js', 'package/dist/web/index.html', 'package/bin/occupy.js', 'package/README.md', 'package/LICENSE', 'package/package.json']) {
      assert.ok(entries.includes(f), `${f} in the tarball`);
    }
    assert.ok(!entries.some((f) => f.startsWith('package/test/')), 'no test/ in the tarball');
    assert.ok(!entries.some((f) => f.endsWith('.map')), 'no source maps (their sources are not shipped)');
    assert.ok(entries.some((f) => f.startsWith('package/dist/web/assets/')), 'the GUI bundle (occupy gui serves it)');
    // one build: npm pack runs prepack, then prepare (prepack had built it too, so tsc and vite ran twice)
    const builds = packOutput.split('\n').filter((l) => /^> .*\btsc -p tsconfig\.json\b/.test(l));
    assert.equal(builds.length, 1, `npm pack ran the build ${builds.length} times:\n${packOutput}`);
  });

  it('npx occupy demo runs from the installed package and recovers the domain ordering', async () => {
    const { stdout } = await run(NPX, ['--offline', 'occupy', 'demo', '-d', join(tmp, 'demo')], opts(consumer, 120_000));
    assert.match(stdout, /Domain\s+true occupancy\s+mean scale/);
    assert.match(stdout, /Ordering recovered: /);
    const rows = [...stdout.matchAll(/^\s+(\d)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$/gm)].map((m) => ({ truth: Number(m[2]), scale: Number(m[3]) }));
    assert.deepEqual(rows.map((r) => r.truth), [1, 0.75, 0.5, 0.25]);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].scale > rows[i].scale, stdout);
  });

  it('occupy gui serves its page from the installed package (the vite bundle is inside)', async () => {
    const child = spawn(process.execPath, [join(consumer, 'node_modules/occupy-ts/bin/occupy.js'), 'gui', '-q', '--root', consumer], { cwd: consumer, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((ok, fail) => {
        let out = '';
        const timer = setTimeout(() => fail(new Error(`no URL from occupy gui: ${out}`)), 60_000);
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /occupy GUI: (\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            ok(m[1]);
          }
        });
        child.on('exit', (code) => fail(new Error(`occupy gui exited with ${code}: ${out}`)));
      });
      const res = await fetch(url);
      const html = await res.text();
      assert.equal(res.status, 200);
      assert.match(html, /<script[^>]+src="\.\/assets\//, 'the bundled page, not the "bundle is missing" page');
      const js = /src="\.\/(assets\/[^"]+\.js)"/.exec(html);
      assert.ok(js, html.slice(0, 400));
      const script = await fetch(new URL(js[1], url));
      assert.equal(script.status, 200, `${js[1]} served`);
    } finally {
      child.kill();
    }
  });

  it('an .mjs consumer gets scale and confidence of 64³ in [0, 1], higher in the blob than in the solvent', async () => {
    await writeFile(join(consumer, 'consumer.mjs'), CONSUMER_MJS);
    const { stdout } = await run(process.execPath, ['consumer.mjs'], opts(consumer, 120_000));
    const r = JSON.parse(stdout) as { scale: { shape: number[]; length: number; lo: number; hi: number; float32: boolean }; confidence: { shape: number[]; length: number; lo: number; hi: number; float32: boolean }; blob: number; solvent: number; mode: string; optionError: { isOptionError: boolean; option: string } | null };
    for (const m of [r.scale, r.confidence]) {
      assert.deepEqual(m.shape, [64, 64, 64]);
      assert.equal(m.length, 64 ** 3);
      assert.ok(m.float32);
      assert.ok(m.lo >= 0 && m.hi <= 1, `values in [0, 1]: ${m.lo}..${m.hi}`);
    }
    assert.ok(r.blob > 0.5 && r.blob > r.solvent + 0.3, `blob ${r.blob} vs solvent ${r.solvent}`);
    assert.equal(r.mode, 'occ');
    assert.deepEqual(r.optionError, { isOptionError: true, option: 'tau' });
  });

  it('a strict TypeScript consumer type-checks against the installed types, and a planted type error fails', async () => {
    const tsc = (file: string) => run(process.execPath, [TSC, '--strict', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--typeRoots', join(PROJECT_ROOT, 'node_modules/@types'), '--types', 'node', file], opts(consumer, 120_000));
    await writeFile(join(consumer, 'consumer.ts'), CONSUMER_TS);
    await tsc('consumer.ts');
    // the same consumer with a wrong option value and a wrong voxel type
    await writeFile(join(consumer, 'planted.ts'), CONSUMER_TS.replace("mode: 'occ'", "mode: 'occupancy'").replace('const first: number = r.confidence.data[0];', 'const first: string = r.confidence.data[0];'));
    await assert.rejects(tsc('planted.ts'), (err: { code?: number; stdout?: string }) => {
      assert.notEqual(err.code, 0);
      assert.match(err.stdout ?? '', /planted\.ts\(\d+,\d+\): error TS2322: Type '"occupancy"' is not assignable/);
      assert.match(err.stdout ?? '', /planted\.ts\(\d+,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
      return true;
    });
  });
});
