/**
 * MonoDir-style local-directional resolution (issue 18 item 2) on synthetic half maps made
 * anisotropic in Fourier space (7 Å along an axis, 3.5 Å across), for an axis along z and an
 * oblique one; and with only one of two domains anisotropic, the anisotropy map must be higher
 * there.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft, rfft3d } from '../../src/math/fft.js';
import { writeMrc, readMrc } from '../../src/io/mrc/index.js';
import type { Shape3, Vec3 } from '../../src/core/volume.js';
import { anisotropicHalfMaps } from '../../src/resolution/anisotropic-phantom.js';
import { axisAngleDeg } from '../../src/resolution/directional-fsc.js';
import { bandAmplitude, makeBandScratch, planBand } from '../../src/resolution/directional-bands.js';
import { monoDir } from '../../src/resolution/monodir.js';
import { runMonoDirJob } from '../../src/jobs/monodir-job.js';
import { SILENT_REPORTER } from '../../src/jobs/resolution-job-common.js';
import { runInProcess } from '../helpers/cli-run.js';
import { OptionError } from '../../src/core/option-error.js';

before(async () => {
  await loadFft();
});

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

/** Two domains in an n³ box at 1 Å; domain 1 cut to `along1` Å along the axis, domain 2 to `along2`. */
function halves(n: number, axis: Vec3, along1: number, along2: number, seed: number) {
  const c = n / 2;
  return anisotropicHalfMaps({
    shape: [n, n, n], voxelSizeA: 1, snr: 3, seed,
    domains: [
      { centreVoxel: [c - 10, c, c], radiusA: 14, resolutionAlongA: along1, resolutionAcrossA: 3.5, axis },
      { centreVoxel: [c + 10, c + 4, c - 3], radiusA: 14, resolutionAlongA: along2, resolutionAcrossA: 3.5, axis },
    ],
  });
}

describe('directional band amplitude', () => {
  it('a plane wave band-passed in the cone around its own wave vector has amplitude = its amplitude everywhere (coarse grid, odd box)', () => {
    for (const shape of [[32, 32, 32], [33, 30, 28]] as Shape3[]) {
      const [nx, ny, nz] = shape;
      const hkl = [3, -5, 2];
      const d = new Float32Array(nx * ny * nz);
      for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) d[(z * ny + y) * nx + x] = 2.5 * Math.cos(2 * Math.PI * ((hkl[0] * x) / nx + (hkl[1] * y) / ny + (hkl[2] * z) / nz) + 0.4);
      const k: Vec3 = [hkl[0] / nx, hkl[1] / ny, hkl[2] / nz];
      const f = Math.hypot(...k);
      const band = planBand(shape, [1, 1, 1], [k[0] / f, k[1] / f, k[2] / f], f, 0.02, 0.5);
      const a = bandAmplitude(rfft3d(d, shape), shape, [1, 1, 1], band, makeBandScratch());
      let worst = 0;
      for (const v of a) worst = Math.max(worst, Math.abs(v - 2.5));
      assert.ok(worst < 1e-3 * 2.5, `shape ${shape}: max deviation ${worst}`);
      assert.ok(band.grid.every((g, j) => g <= shape[j]));
    }
  });
});

describe('monoDir on anisotropic synthetic halves', () => {
  for (const { axis, seed } of [{ axis: [0, 0, 1] as Vec3, seed: 1 }, { axis: [0.3, -0.8, 0.5] as Vec3, seed: 3 }]) {
    it(`axis [${axis}]: worstDirection within 20° of the axis`, (t) => {
      const p = halves(96, axis, 7, 7, seed);
      const r = monoDir(p.half1, p.half2, p.mask);
      const angle = axisAngleDeg(r.worstDirection, axis);
      t.diagnostic(`worst ${r.worstResolutionA.toFixed(2)} Å at ${angle.toFixed(1)}° from the axis, best ${r.bestResolutionA.toFixed(2)} Å; medians highest ${r.medianHighestA.toFixed(2)} (truth 3.5), lowest ${r.medianLowestA.toFixed(2)} Å (truth 7), anisotropy ${r.medianAnisotropy.toFixed(3)} (truth 0.5)`);
      assert.ok(angle <= 20, `worstDirection ${angle.toFixed(1)}° from the axis`);
      assert.ok(axisAngleDeg(r.bestDirection, axis) >= 60);
      assert.ok(r.medianLowestA > r.medianHighestA + 1.5);
    });
  }

  it('only domain 1 anisotropic: its median anisotropy clearly higher than domain 2\'s; maps in range', (t) => {
    const p = halves(96, [1, 1, 0.5], 7, 3.5, 2);
    const r = monoDir(p.half1, p.half2, p.mask);
    const an = [1, 2].map((L) => median(Array.from(p.labels).flatMap((l, i) => (l === L ? [r.anisotropy[i]] : []))));
    const lo = [1, 2].map((L) => median(Array.from(p.labels).flatMap((l, i) => (l === L ? [r.lowestA[i]] : []))));
    t.diagnostic(`median anisotropy: anisotropic domain ${an[0].toFixed(3)}, isotropic domain ${an[1].toFixed(3)}; median lowest ${lo[0].toFixed(2)} / ${lo[1].toFixed(2)} Å (truth 7 / 3.5)`);
    assert.ok(an[0] >= an[1] + 0.15 && an[0] >= 2 * an[1], `anisotropy ${an[0]} vs ${an[1]}`);
    assert.ok(lo[0] > lo[1] + 1);
    for (let i = 0; i < p.mask.length; i++) {
      if (p.mask[i] > 0.5) assert.ok(r.anisotropy[i] >= 0 && r.anisotropy[i] < 1 && r.highestA[i] <= r.lowestA[i] && r.radialA[i] >= r.highestA[i] - 1e-4 && r.tangentialA[i] <= r.lowestA[i] + 1e-4);
      else assert.ok(r.anisotropy[i] === 0 && r.highestA[i] === r.backgroundA);
    }
  });

  it('refuses a mask of the wrong length, an empty mask and a bad cone angle', () => {
    const p = halves(48, [0, 0, 1], 7, 7, 5);
    assert.throws(() => monoDir(p.half1, p.half2, new Float32Array(5)), /--mask has 5 voxels/);
    assert.throws(() => monoDir(p.half1, p.half2, new Float32Array(p.mask.length)), /selects no voxel/);
    assert.throws(() => monoDir(p.half1, p.half2, p.mask, { coneAngleDeg: 0 }), /--cone-angle must be in/);
  });
});

describe('the MonoDir job (occupy locres H1 H2 --method monodir)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-monodir-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('writes monodir_<stem>_{highest,lowest,anisotropy,radial,tangential}.mrc, plot and log; result has worstDirection and per-direction medians', async () => {
    const p = halves(64, [0, 0, 1], 7, 7, 4);
    await writeMrc(join(dir, 'a1.mrc'), p.half1);
    await writeMrc(join(dir, 'a2.mrc'), p.half2);
    await writeMrc(join(dir, 'm.mrc'), { data: p.mask, shape: p.half1.shape, voxelSizeA: p.half1.voxelSizeA });
    const run = await runInProcess(['locres', join(dir, 'a1.mrc'), join(dir, 'a2.mrc'), '--method', 'monodir', '--mask', join(dir, 'm.mrc'), '-o', `${dir}/`, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const res = JSON.parse(run.stdout) as { worstDirection: number[]; perDirection: { direction: number[]; medianA: number }[]; files: string[] };
    for (const s of ['highest', 'lowest', 'anisotropy', 'radial', 'tangential']) assert.ok(res.files.includes(join(dir, `monodir_a1_${s}.mrc`)) && existsSync(join(dir, `monodir_a1_${s}.mrc`)), s);
    for (const f of ['monodir_a1.png', 'monodir_a1.svg', 'monodir_a1_log.txt']) assert.ok(existsSync(join(dir, f)), f);
    assert.equal(res.worstDirection.length, 3);
    assert.ok(res.perDirection.length >= 6 && res.perDirection.every((d) => d.direction.length === 3 && d.medianA > 0));
    assert.match(readFileSync(join(dir, 'monodir_a1_log.txt'), 'utf8'), /noise-model\s+half-map difference/);
    const an = (await readMrc(join(dir, 'monodir_a1_anisotropy.mrc'))).volume.data;
    assert.ok(an.every((v) => v >= 0 && v < 1));
  });
  it('one map only is refused, naming what is needed; --cone-angle without monodir is a usage error (exit 2)', async () => {
    await assert.rejects(runMonoDirJob(join(dir, 'a1.mrc'), undefined, {}, SILENT_REPORTER), /--method monodir needs two half maps/);
    const bad = await runInProcess(['locres', join(dir, 'a1.mrc'), join(dir, 'a2.mrc'), '--cone-angle', '20', '-o', join(dir, 'x.mrc')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--cone-angle needs --method monodir/);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  });
  it('a --centre outside the box is refused as with --shells: one line, exit 2, nothing written (it had run and recorded the centre)', async () => {
    const out = join(dir, 'centre-out');
    const cmd = (c: string, ...more: string[]) => ['locres', join(dir, 'a1.mrc'), join(dir, 'a2.mrc'), ...more, '--centre', c, '-o', `${out}/`, '-q'];
    for (const more of [['--method', 'monodir', '--mask', join(dir, 'm.mrc')], ['--shells']]) {
      const r = await runInProcess(cmd('500,1,1', ...more));
      assert.equal(r.code, 2, `${more.join(' ')}: ${r.stderr}`);
      assert.deepEqual(r.stderr.split('\n').filter((l) => l.startsWith('occupy: error:')), ['occupy: error: --centre 500,1,1 is outside the box 0..63, 0..63, 0..63 (voxels)']);
      assert.equal(existsSync(out), false, 'output folder written');
    }
    const p = halves(48, [0, 0, 1], 7, 7, 5);
    assert.throws(() => monoDir(p.half1, p.half2, p.mask, { centreVoxel: [1, 1, 48] }), (e: unknown) => e instanceof OptionError && e.option === 'centre' && /^--centre 1,1,48 is outside the box 0\.\.47/.test(e.message));
    // the box's edges are inside
    assert.equal(monoDir(p.half1, p.half2, p.mask, { centreVoxel: [0, 47, 47], frequencies: 2, directions: 6 }).centreVoxel.join(','), '0,47,47');
  });
});
