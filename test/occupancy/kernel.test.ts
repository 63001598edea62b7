/**
 * Derived settings of spec §3: tau (root of x^n + x - 1 = 0), the spherical kernel and the
 * low-pass / kernel size / radius defaults, with their warnings and errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tauForSamples } from '../../src/occupancy/tau.js';
import { deriveSettings, sphericalKernel } from '../../src/occupancy/kernel.js';

/** Brute-force count of integer offsets in a size³ box within `radius` of the box centre. */
function bruteCount(size: number, radius: number): number {
  const c = (size - 1) / 2;
  let n = 0;
  for (let l = 0; l < size; l++) for (let j = 0; j < size; j++) for (let i = 0; i < size; i++) {
    if (Math.hypot(i - c, j - c, l - c) <= radius) n++;
  }
  return n;
}

describe('tauForSamples (spec §3)', () => {
  const checks: [number, number, number][] = [
    [1, 0.5, 1e-12],
    [2, 0.6180, 1e-4],
    [10, 0.8351, 5e-4],
    [19, 0.8902, 5e-4],
    [100, 0.9668, 5e-4],
    [1000, 0.99479, 1e-4],
  ];
  for (const [n, expected, tol] of checks) {
    it(`n_v = ${n} → ${expected} (±${tol})`, () => {
      const t = tauForSamples(n);
      assert.ok(Math.abs(t - expected) <= tol, `tau(${n}) = ${t}`);
    });
  }

  it('n_v = 2 is the golden-ratio conjugate (sqrt(5) - 1)/2', () => {
    assert.ok(Math.abs(tauForSamples(2) - (Math.sqrt(5) - 1) / 2) < 1e-12);
  });

  it('is a root of x^n + x - 1 to 1e-12 and lies in [0.5, 1)', () => {
    for (const n of [1, 2, 3, 7, 19, 57, 81, 123, 257, 1000, 7000, 20000]) {
      const t = tauForSamples(n);
      assert.ok(t >= 0.5 && t < 1, `tau(${n}) = ${t}`);
      assert.ok(Math.abs(Math.pow(t, n) + t - 1) < 1e-12, `residual at n=${n}: ${Math.pow(t, n) + t - 1}`);
    }
  });

  it('is strictly increasing in n_v', () => {
    let prev = -Infinity;
    for (let n = 1; n <= 2000; n++) {
      const t = tauForSamples(n);
      assert.ok(t > prev, `tau(${n}) = ${t} is not above tau(${n - 1}) = ${prev}`);
      prev = t;
    }
  });

  for (const bad of [0, -1, 1.5, Number.NaN]) {
    it(`throws RangeError for n_v = ${bad}`, () => {
      assert.throws(() => tauForSamples(bad), RangeError);
    });
  }
});

describe('sphericalKernel (spec §3)', () => {
  const cases: [number, number, number][] = [
    [3, 1.5, 19],
    [3, 1, 7],
    [5, 2.296, 57],
    [9, 4, 257],
  ];
  for (const [size, r, nv] of cases) {
    it(`size ${size}, radius ${r} → n_v = ${nv} (brute-force count agrees)`, () => {
      const k = sphericalKernel(size, r);
      assert.equal(k.nSamples, nv);
      assert.equal(bruteCount(size, r), nv);
      assert.equal(k.mask.length, size ** 3);
      assert.equal(k.mask.reduce((s, v) => s + v, 0), nv);
    });
  }

  it('the mask equals the distance rule voxel by voxel and is symmetric under every flip and axis swap', () => {
    for (const [size, r] of [[3, 1.5], [5, 2.296], [7, 2.3], [9, 4], [9, 3.1], [5, 10]] as const) {
      const k = sphericalKernel(size, r);
      const c = (size - 1) / 2;
      const at = (i: number, j: number, l: number) => k.mask[(l * size + j) * size + i];
      for (let l = 0; l < size; l++) for (let j = 0; j < size; j++) for (let i = 0; i < size; i++) {
        const inside = (i - c) ** 2 + (j - c) ** 2 + (l - c) ** 2 <= r * r ? 1 : 0;
        assert.equal(at(i, j, l), inside, `size ${size} r ${r} at (${i},${j},${l})`);
        const m = size - 1;
        assert.equal(at(m - i, j, l), at(i, j, l));
        assert.equal(at(i, m - j, l), at(i, j, l));
        assert.equal(at(i, j, m - l), at(i, j, l));
        assert.equal(at(j, i, l), at(i, j, l));
        assert.equal(at(l, j, i), at(i, j, l));
      }
    }
  });

  it('a radius beyond the box corner fills the whole box', () => {
    assert.equal(sphericalKernel(5, 10).nSamples, 125);
  });

  it('rejects even or non-positive sizes and non-positive radii', () => {
    assert.throws(() => sphericalKernel(4, 2), RangeError);
    assert.throws(() => sphericalKernel(0, 2), RangeError);
    assert.throws(() => sphericalKernel(5, 0), RangeError);
    assert.throws(() => sphericalKernel(5, -1), RangeError);
  });
});

describe('deriveSettings (spec §3)', () => {
  it('voxel 5.7 Å: lp = 3a = 17.1 Å, k = 3, r = 1.5, n_v = 19, with a small-kernel warning', () => {
    const s = deriveSettings({ voxelSizeA: 5.7 });
    assert.ok(Math.abs(s.lowpassA - 17.1) < 1e-9, `lp ${s.lowpassA}`);
    assert.equal(s.kernel.size, 3);
    assert.ok(Math.abs(s.kernel.radiusVoxels - 1.5) < 1e-9, `r ${s.kernel.radiusVoxels}`);
    assert.equal(s.kernel.nSamples, 19);
    assert.ok(Math.abs(s.tau - 0.8902) < 5e-4);
    assert.equal(s.tauOverridden, false);
    assert.ok(s.warnings.some((w) => /kernel size/i.test(w) && /--kernel-size 5/.test(w)), s.warnings.join(' | '));
  });

  it('the small-kernel warning\'s advice works when followed: --kernel-size 5 alone keeps the radius (from the low-pass) and n_v = 19, so it warns and asks for --kernel-radius; its suggestion then gives no warning (session 59: the warning went quiet at n_v 19)', () => {
    // EMD-1883's voxel, 3.71 Å: lp 11.13 Å, k 3, r 1.5, n_v 19
    const auto = deriveSettings({ voxelSizeA: 3.71, box: [70, 70, 70] });
    const small = auto.warnings.find((w) => /very small kernel size \(3 voxels\)/.test(w));
    assert.ok(small, auto.warnings.join(' | '));
    const size = Number(/--kernel-size (\d+)/.exec(small)?.[1]);
    const radius = Number(/--kernel-radius ([\d.]+)/.exec(small)?.[1]);
    assert.equal(size, 5);
    assert.ok(radius >= 2.5, small);
    // the size alone (what the advice said before): the radius, and n_v, stay those of the 3-voxel kernel
    const sizeOnly = deriveSettings({ voxelSizeA: 3.71, box: [70, 70, 70], kernelSize: 5 });
    assert.equal(sizeOnly.kernel.nSamples, 19);
    const few = sizeOnly.warnings.find((w) => /n_v = 19/.test(w));
    assert.ok(few, `no warning at n_v = 19: ${sizeOnly.warnings.join(' | ')}`);
    assert.match(few, /--kernel-radius 2\.5 or more/);
    // the advice followed: a larger kernel, no warning
    const followed = deriveSettings({ voxelSizeA: 3.71, box: [70, 70, 70], kernelSize: size, kernelRadiusVoxels: radius });
    assert.ok(followed.kernel.nSamples > 27, String(followed.kernel.nSamples));
    assert.deepEqual(followed.warnings, []);
    // a 7-voxel kernel of radius 1.5 (19 samples): the same warning, not also the radius-below-size/4 one
    const seven = deriveSettings({ voxelSizeA: 3.71, box: [70, 70, 70], kernelSize: 7 });
    assert.equal(seven.warnings.length, 1, seven.warnings.join(' | '));
    assert.match(seven.warnings[0], /n_v = 19/);
  });

  it('voxel 1.742 Å: lp = 8 Å, k = 5, r = 8/(2·1.742) ≈ 2.296, n_v = 57, no small-kernel warning', () => {
    const s = deriveSettings({ voxelSizeA: 1.742 });
    assert.equal(s.lowpassA, 8);
    assert.equal(s.kernel.size, 5);
    assert.ok(Math.abs(s.kernel.radiusVoxels - 8 / (2 * 1.742)) < 1e-12);
    assert.ok(Math.abs(s.kernel.radiusVoxels - 2.296) < 1e-3);
    assert.equal(s.kernel.nSamples, 57);
    assert.ok(!s.warnings.some((w) => /--kernel-size 5/.test(w)), s.warnings.join(' | '));
  });

  it('voxel 1.0 Å: lp = 8 Å, k = 9, r = 4, n_v = 257', () => {
    const s = deriveSettings({ voxelSizeA: 1.0 });
    assert.equal(s.lowpassA, 8);
    assert.equal(s.kernel.size, 9);
    assert.equal(s.kernel.radiusVoxels, 4);
    assert.equal(s.kernel.nSamples, 257);
  });

  it('fine voxels clamp k to 9 (voxel 0.5 Å: floor(8/0.5) = 16 → 17 → 9, r = 8)', () => {
    const s = deriveSettings({ voxelSizeA: 0.5 });
    assert.equal(s.kernel.size, 9);
    assert.equal(s.kernel.radiusVoxels, 8);
    assert.equal(s.kernel.nSamples, 729);
  });

  it('k is clamped to at least 3 (voxel 10 Å, --lowpass 12: floor(1.2) = 1 → 3)', () => {
    const s = deriveSettings({ voxelSizeA: 10, lowpassA: 12 });
    assert.equal(s.kernel.size, 3);
  });

  it('the default follows the box rule of a typed --kernel-size: 9 on a 64x64x6 box is reduced to 5 with a warning; 3 and 1 on thinner boxes, suggesting no size the box refuses', () => {
    // session 57: the default had stayed 9 (n_v 257) on a 6-voxel-thick box where --kernel-size 9 was refused
    const thin = deriveSettings({ voxelSizeA: 1, box: [64, 64, 6] });
    assert.equal(thin.kernel.size, 5);
    assert.equal(thin.kernel.nSamples, 125);
    assert.ok(thin.warnings.some((w) => w === 'The default kernel size, 9 voxels (from the low-pass 8 Å at 1 Å per voxel), does not fit the processing box 64x64x6: 5 voxels is used, the largest odd size within its smallest edge (6 voxels), the limit of --kernel-size.'), thin.warnings.join(' | '));
    assert.throws(() => deriveSettings({ voxelSizeA: 1, box: [64, 64, 6], kernelSize: 7 }), /--kernel-size must be an odd integer in 1\.\.5 for this map \(processing box 64x64x6/);
    const four = deriveSettings({ voxelSizeA: 1, box: [4, 32, 32] });
    assert.equal(four.kernel.size, 3);
    assert.ok(four.warnings.some((w) => /very small kernel size \(3 voxels\).*The processing box 4x32x32 allows no larger kernel\.$/.test(w)), four.warnings.join(' | '));
    assert.ok(!four.warnings.some((w) => /Suggest --kernel-size/.test(w)), four.warnings.join(' | '));
    assert.equal(deriveSettings({ voxelSizeA: 1, box: [64, 64, 2] }).kernel.size, 1);
    // a box the default fits: unchanged, no warning
    const fits = deriveSettings({ voxelSizeA: 1, box: [200, 200, 24] });
    assert.equal(fits.kernel.size, 9);
    assert.deepEqual(fits.warnings, []);
  });

  it('--resolution alone is used as the low-pass', () => {
    const s = deriveSettings({ voxelSizeA: 1, resolutionA: 6 });
    assert.equal(s.lowpassA, 6);
    assert.deepEqual(s.warnings.filter((w) => /--resolution/.test(w)), []);
  });

  it('--lowpass and --resolution together: the coarser is used, with a warning naming the ignored one', () => {
    const a = deriveSettings({ voxelSizeA: 1, lowpassA: 6, resolutionA: 10 });
    assert.equal(a.lowpassA, 10);
    assert.ok(a.warnings.some((w) => /--lowpass/.test(w) && /ignor/i.test(w)), a.warnings.join(' | '));
    const b = deriveSettings({ voxelSizeA: 1, lowpassA: 12, resolutionA: 7 });
    assert.equal(b.lowpassA, 12);
    assert.ok(b.warnings.some((w) => /--resolution/.test(w) && /ignor/i.test(w)), b.warnings.join(' | '));
  });

  it('explicit kernel size and radius are used as given', () => {
    const s = deriveSettings({ voxelSizeA: 1, kernelSize: 7, kernelRadiusVoxels: 2.3 });
    assert.equal(s.kernel.size, 7);
    assert.equal(s.kernel.radiusVoxels, 2.3);
    assert.equal(s.kernel.nSamples, sphericalKernel(7, 2.3).nSamples);
  });

  it('a --kernel-radius beyond the kernel cube\'s corners is clamped to them, with a warning naming the option and the limit', () => {
    // session 52: --kernel-radius 50 on a 5³ kernel was recorded as 50 and said nothing; the
    // kernel was the whole cube (n_v 125) as for any radius from 2√3 up
    const s = deriveSettings({ voxelSizeA: 1, kernelSize: 5, kernelRadiusVoxels: 50 });
    assert.equal(s.kernel.radiusVoxels, 3.465); // 2√3 = 3.4641… rounded up
    assert.equal(s.kernel.nSamples, 125);
    assert.equal(s.tau, deriveSettings({ voxelSizeA: 1, kernelSize: 5, kernelRadiusVoxels: 3.5 }).tau);
    assert.ok(s.warnings.some((w) => /^--kernel-radius 50 voxels is beyond the 5×5×5 kernel .*3\.465 is used/.test(w)), s.warnings.join(' | '));
    // the value recorded gives the same kernel when typed again, with no warning
    const again = deriveSettings({ voxelSizeA: 1, kernelSize: 5, kernelRadiusVoxels: s.kernel.radiusVoxels });
    assert.equal(again.kernel.nSamples, 125);
    assert.ok(!again.warnings.some((w) => /--kernel-radius/.test(w)), again.warnings.join(' | '));
    // within the cube (beyond its faces, short of its corners) the radius still changes the kernel: as given, no warning
    const t = deriveSettings({ voxelSizeA: 1, kernelSize: 5, kernelRadiusVoxels: 3 });
    assert.equal(t.kernel.radiusVoxels, 3);
    assert.equal(t.kernel.nSamples, sphericalKernel(5, 3).nSamples);
    assert.ok(!t.warnings.some((w) => /--kernel-radius/.test(w)), t.warnings.join(' | '));
    // a 1-voxel kernel: any radius is the one voxel
    const one = deriveSettings({ voxelSizeA: 1, kernelSize: 1, kernelRadiusVoxels: 9 });
    assert.equal(one.kernel.nSamples, 1);
    assert.equal(one.kernel.radiusVoxels, 0.5);
  });

  it('a user tau is used, and a note gives the recommended value', () => {
    const s = deriveSettings({ voxelSizeA: 1.742, tau: 0.9 });
    assert.equal(s.tau, 0.9);
    assert.equal(s.tauOverridden, true);
    assert.ok(Math.abs(s.tauRecommended - tauForSamples(57)) < 1e-15);
    const rec = s.tauRecommended.toFixed(4);
    assert.ok(s.notes.some((n) => n.includes(rec)), `notes ${s.notes.join(' | ')} lack ${rec}`);
  });

  it('warns when the kernel radius is below size/4', () => {
    const s = deriveSettings({ voxelSizeA: 1, kernelSize: 9, kernelRadiusVoxels: 1.5 });
    assert.ok(s.warnings.some((w) => /radius/i.test(w)), s.warnings.join(' | '));
  });

  const bad: [string, Parameters<typeof deriveSettings>[0], RegExp][] = [
    ['tau 0', { voxelSizeA: 1, tau: 0 }, /--tau/],
    ['tau 1.3', { voxelSizeA: 1, tau: 1.3 }, /--tau.*1\.3/],
    ['tau NaN', { voxelSizeA: 1, tau: Number.NaN }, /--tau/],
    ['even kernel size', { voxelSizeA: 1, kernelSize: 4 }, /--kernel-size.*4/],
    ['negative lowpass', { voxelSizeA: 1, lowpassA: -3 }, /--lowpass.*-3/],
    ['zero resolution', { voxelSizeA: 1, resolutionA: 0 }, /--resolution/],
    ['negative kernel radius', { voxelSizeA: 1, kernelRadiusVoxels: -1 }, /--kernel-radius/],
    ['zero voxel size', { voxelSizeA: 0 }, /voxel size/],
  ];
  for (const [name, input, re] of bad) {
    it(`RangeError naming the option for ${name}`, () => {
      assert.throws(() => deriveSettings(input), (e: unknown) => e instanceof RangeError && re.test(e.message));
    });
  }
});
