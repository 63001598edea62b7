/**
 * Directional FSC (issue 18 item 1) on synthetic half maps made anisotropic in Fourier space: the
 * signal holds nothing finer than 7 Å along one axis and 3.5 Å across it (an ellipsoidal cut),
 * for several seeds and axes (one along z, two oblique); the same halves left isotropic (3.5 Å
 * everywhere) are the control.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { writeMrc, readMrc } from '../../src/io/mrc/index.js';
import type { Vec3 } from '../../src/core/volume.js';
import { anisotropicHalfMaps } from '../../src/resolution/anisotropic-phantom.js';
import { axisAngleDeg, directionalFsc, directionalFscVolume, hemisphereDirections } from '../../src/resolution/directional-fsc.js';
import { ellipsoidSphericity, fitResolutionEllipsoid, symmetricEigen3 } from '../../src/resolution/ellipsoid-fit.js';
import { runInProcess } from '../helpers/cli-run.js';

before(async () => {
  await loadFft();
});

/** Two domains of pseudo-atoms in a 96³ box at 1 Å, cut to `along` Å along `axis` and 3.5 Å across. */
function halves(axis: Vec3, along: number, seed: number) {
  const n = 96, c = 48;
  return anisotropicHalfMaps({
    shape: [n, n, n], voxelSizeA: 1, snr: 3, seed,
    domains: [
      { centreVoxel: [c - 8, c, c], radiusA: 14, resolutionAlongA: along, resolutionAcrossA: 3.5, axis },
      { centreVoxel: [c + 8, c + 4, c - 3], radiusA: 14, resolutionAlongA: along, resolutionAcrossA: 3.5, axis },
    ],
  });
}

describe('ellipsoid fit', () => {
  it('symmetricEigen3 recovers a rotated diagonal matrix', () => {
    const u: Vec3 = [1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3)];
    // M = 4 I + 5 u uᵀ: eigenvalues 4, 4, 9 with u for 9
    const m = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => (i === j ? 4 : 0) + 5 * u[i] * u[j]));
    const e = symmetricEigen3(m);
    assert.ok(Math.abs(e.values[0] - 4) < 1e-9 && Math.abs(e.values[1] - 4) < 1e-9 && Math.abs(e.values[2] - 9) < 1e-9, `${e.values}`);
    assert.ok(axisAngleDeg(e.vectors[2], u) < 1e-6);
  });

  it('exact resolutions r(d)² = dᵀMd give back the principal resolutions and axis; sphericity as documented', () => {
    const axis: Vec3 = [0.3, -0.8, 0.5];
    const l = Math.hypot(...axis);
    const u = axis.map((v) => v / l);
    const dirs = hemisphereDirections(120);
    const res = dirs.map((d) => {
      const c = d[0] * u[0] + d[1] * u[1] + d[2] * u[2];
      return Math.sqrt(49 * c * c + 12.25 * (1 - c * c));
    });
    // two wild cones (noise) must not move the robust fit much
    res[5] = 40;
    res[77] = 30;
    const fit = fitResolutionEllipsoid(dirs, res);
    assert.ok(Math.abs(fit.resolutionsA[2] - 7) < 0.05, `worst ${fit.resolutionsA[2]}`);
    assert.ok(Math.abs(fit.resolutionsA[0] - 3.5) < 0.05, `best ${fit.resolutionsA[0]}`);
    assert.ok(axisAngleDeg(fit.directions[2], axis) < 1, `axis off by ${axisAngleDeg(fit.directions[2], axis)}°`);
    assert.ok(Math.abs(ellipsoidSphericity([3.5, 3.5, 7]) - 3.5 / Math.cbrt(3.5 * 3.5 * 7)) < 1e-12);
    assert.equal(ellipsoidSphericity([4, 4, 4]), 1);
    assert.throws(() => fitResolutionEllipsoid(dirs.slice(0, 5), res.slice(0, 5)), /at least 6 directions/);
  });
});

describe('directionalFsc on anisotropic synthetic halves (7 Å along the axis, 3.5 Å across)', () => {
  const cases: { axis: Vec3; seed: number }[] = [
    { axis: [0, 0, 1], seed: 1 },
    { axis: [1, 1, 0.5], seed: 2 },
    { axis: [0.3, -0.8, 0.5], seed: 3 },
  ];
  for (const { axis, seed } of cases) {
    it(`axis [${axis}] seed ${seed}: worst direction within 15°, sphericity ≤ 0.85, worst/best ≥ 1.4; isotropic control sphericity ≥ 0.9`, (t) => {
      const p = halves(axis, 7, seed);
      const r = directionalFsc(p.half1, p.half2);
      const angle = axisAngleDeg(r.worstDirection, axis);
      const ratio = r.worstResolutionA / r.bestResolutionA;
      const iso = halves(axis, 3.5, seed);
      const ri = directionalFsc(iso.half1, iso.half2);
      t.diagnostic(`anisotropic: worst ${r.worstResolutionA.toFixed(2)} Å (truth 7) at ${angle.toFixed(1)}° from the axis, best ${r.bestResolutionA.toFixed(2)} Å (truth 3.5), ratio ${ratio.toFixed(2)}, sphericity ${r.sphericity.toFixed(3)}; isotropic: ${ri.bestResolutionA.toFixed(2)}–${ri.worstResolutionA.toFixed(2)} Å, sphericity ${ri.sphericity.toFixed(3)}`);
      assert.equal(r.directions.length, 300);
      assert.ok(angle <= 15, `worst direction ${angle.toFixed(1)}° from the axis`);
      assert.ok(r.sphericity <= 0.85, `sphericity ${r.sphericity}`);
      assert.ok(ratio >= 1.4, `worst/best ${ratio}`);
      assert.ok(ri.sphericity >= 0.9, `isotropic sphericity ${ri.sphericity}`);
      // the best direction is across the axis, and the values are in the truth's range
      assert.ok(axisAngleDeg(r.bestDirection, axis) >= 75);
      assert.ok(r.bestResolutionA > 3 && r.bestResolutionA < 4 && r.worstResolutionA > 5 && r.worstResolutionA < 8);
    });
  }

  it('a non-cubic box with an odd edge (97×80×72): worst direction within 15°, sphericity ≤ 0.85; the 3D FSC volume has the box\'s shape', () => {
    const axis: Vec3 = [0.6, 0.2, 0.77];
    const p = anisotropicHalfMaps({
      shape: [97, 80, 72], voxelSizeA: 1, snr: 3, seed: 9,
      domains: [
        { centreVoxel: [38, 40, 36], radiusA: 14, resolutionAlongA: 7, resolutionAcrossA: 3.5, axis },
        { centreVoxel: [60, 44, 33], radiusA: 14, resolutionAlongA: 7, resolutionAcrossA: 3.5, axis },
      ],
    });
    const r = directionalFsc(p.half1, p.half2);
    assert.ok(axisAngleDeg(r.worstDirection, axis) <= 15, `${axisAngleDeg(r.worstDirection, axis)}°`);
    assert.ok(r.sphericity <= 0.85 && r.worstResolutionA / r.bestResolutionA >= 1.4, `sphericity ${r.sphericity}`);
    const v = directionalFscVolume(r, p.half1.shape, p.half1.voxelSizeA);
    assert.deepEqual([...v.shape], [97, 80, 72]);
    assert.equal(v.data[(36 * 80 + 40) * 97 + 48], 1);
  });

  it('refuses bad options and mismatched halves naming them', () => {
    const p = halves([0, 0, 1], 3.5, 9);
    assert.throws(() => directionalFsc(p.half1, p.half2, { coneAngleDeg: 95 }), /--cone-angle must be in \(0, 90\)/);
    assert.throws(() => directionalFsc(p.half1, p.half2, { mask: new Float32Array(10) }), /--mask has 10 voxels/);
    assert.throws(() => directionalFsc(p.half1, { ...p.half2, shape: [96, 96, 95], data: p.half2.data.subarray(0, 96 * 96 * 95) }), /differ in box/);
  });
});

describe('occupy fsc --directional', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-3dfsc-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('with a binary mask (softened): writes 3dfsc_<stem>.mrc/.csv/_xyz.csv/plot/log; --json has the directional fields; log records the settings', async () => {
    const axis: Vec3 = [1, 1, 0.5];
    const p = halves(axis, 7, 2);
    await writeMrc(join(dir, 'h1.mrc'), p.half1);
    await writeMrc(join(dir, 'h2.mrc'), p.half2);
    await writeMrc(join(dir, 'mask.mrc'), { data: p.mask, shape: p.half1.shape, voxelSizeA: p.half1.voxelSizeA });
    const run = await runInProcess(['fsc', join(dir, 'h1.mrc'), join(dir, 'h2.mrc'), '--directional', '--cone-angle', '20', '--mask', join(dir, 'mask.mrc'), '-o', `${dir}/`, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const s = JSON.parse(run.stdout);
    for (const k of ['sphericity', 'bestResolutionA', 'worstResolutionA', 'worstDirection', 'bestDirection']) assert.ok(k in s.directional, k);
    assert.equal(s.directional.worstDirection.length, 3);
    assert.ok(Math.abs(Math.hypot(...s.directional.worstDirection) - 1) < 1e-3);
    assert.ok(axisAngleDeg(s.directional.worstDirection, axis) <= 15);
    const names = ['3dfsc_h1.mrc', '3dfsc_h1.csv', '3dfsc_h1_xyz.csv', '3dfsc_h1.png', '3dfsc_h1.svg', '3dfsc_h1_log.txt'];
    for (const f of names) assert.ok(s.files.includes(join(dir, f)) && existsSync(join(dir, f)), f);
    const csv = readFileSync(join(dir, '3dfsc_h1.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'direction,x,y,z,resolution_A,crossed');
    assert.equal(csv.length, 301);
    const log = readFileSync(join(dir, '3dfsc_h1_log.txt'), 'utf8');
    assert.match(log, /cone-angle\s+20/);
    assert.match(log, /mask\s+.*mask\.mrc \(binary: softened/);
    assert.match(log, /Command\s+: occupy fsc/);
    // the 3D FSC volume: 1 at the centre (zero frequency), values in [-1, 1]
    const v = await readMrc(join(dir, '3dfsc_h1.mrc'));
    assert.equal(v.volume.data[(48 * 96 + 48) * 96 + 48], 1);
    assert.ok(v.volume.data.every((x) => x >= -1 && x <= 1));
    assert.match(run.stderr, /directional FSC \(/);
  });

  it('bad input: one error line naming the option or file, non-zero exit, nothing written', async () => {
    const a = await runInProcess(['fsc', join(dir, 'h1.mrc'), join(dir, 'h2.mrc'), '--directional', '--cone-angle', '95', '-o', join(dir, 'x')]);
    assert.notEqual(a.code, 0);
    assert.match(a.stderr, /--cone-angle/);
    assert.equal(a.stderr.trim().split('\n').length, 1);
    const b = await runInProcess(['fsc', join(dir, 'h1.mrc'), join(dir, 'h2.mrc'), '--cone-angle', '10', '-o', join(dir, 'y')]);
    assert.notEqual(b.code, 0);
    assert.match(b.stderr, /--cone-angle needs --directional/);
    const c = await runInProcess(['fsc', join(dir, 'h1.mrc'), join(dir, 'missing.mrc'), '--directional', '-o', join(dir, 'z')]);
    assert.notEqual(c.code, 0);
    assert.match(c.stderr, /missing\.mrc/);
    assert.ok(!existsSync(join(dir, 'z.mrc')) && !existsSync(join(dir, 'x.mrc')));
  });
});
