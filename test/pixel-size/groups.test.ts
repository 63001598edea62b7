/**
 * Per-optics-group pixel sizes from refined magnification matrices and one trusted group.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StarFormatError, parseStar } from '../../src/io/star/index.js';
import { groupPixelSizes, groupPixelSizesFromNumbers, magnificationSummary } from '../../src/pixel-size/index.js';

const close = (actual: number, expected: number, tol: number, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected} ± ${tol}, got ${actual}`);
};

/** Two groups (nominal 1.00 and 0.95 Å/px, true 1.00 and 0.90) after CtfRefine magnification refinement. */
function refinedStar(prefix = 'rlnMagMat', m2 = [1.045, 0, 0, 1.045]): string {
  return `
# version 30001

data_optics

loop_
_rlnOpticsGroupName #1
_rlnOpticsGroup #2
_rlnMicrographOriginalPixelSize #3
_rlnVoltage #4
_rlnSphericalAberration #5
_rlnAmplitudeContrast #6
_rlnImagePixelSize #7
_rlnImageSize #8
_rlnImageDimensionality #9
_${prefix}00 #10
_${prefix}01 #11
_${prefix}10 #12
_${prefix}11 #13
krios1 1 1.000000 300.000000 2.700000 0.100000 1.000000 256 2 0.990000 0.000000 0.000000 0.990000
glacios2 2 0.950000 200.000000 2.700000 0.100000 0.950000 256 2 ${m2.map((v) => v.toFixed(6)).join(' ')}

# version 30001

data_particles

loop_
_rlnImageName #1
_rlnOpticsGroup #2
000001@a.mrcs 1
000001@b.mrcs 2
`;
}

describe('magnificationSummary', () => {
  it('isotropic part sqrt|det| and singular-value ratio', () => {
    const iso = magnificationSummary([1.045, 0, 0, 1.045]);
    close(iso.isotropic, 1.045, 1e-12);
    close(iso.anisotropy, 1, 1e-12);
    // diag(1.02, 0.98) rotated by 30°: singular values 1.02 and 0.98
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const m: [number, number, number, number] = [1.02 * c, -0.98 * s, 1.02 * s, 0.98 * c];
    const r = magnificationSummary(m);
    close(r.sigmaMax, 1.02, 1e-12);
    close(r.sigmaMin, 0.98, 1e-12);
    close(r.anisotropy, 1.02 / 0.98, 1e-12);
    close(r.isotropic, Math.sqrt(1.02 * 0.98), 1e-12);
    // a mirror (negative determinant) uses |det|
    close(magnificationSummary([0, 1.01, 1.01, 0]).isotropic, 1.01, 1e-12);
  });

  it('rejects singular and non-finite matrices', () => {
    assert.throws(() => magnificationSummary([1, 2, 2, 4]), /non-singular.*det 0/);
    assert.throws(() => magnificationSummary([1, Number.NaN, 0, 1]), /4 finite numbers/);
  });
});

describe('groupPixelSizesFromNumbers', () => {
  const groups = [
    { nominalPixelA: 1.0, magMatrix: [0.99, 0, 0, 0.99] as const },
    { nominalPixelA: 0.95, magMatrix: [1.045, 0, 0, 1.045] as const },
  ];

  it('nominal 1.00/0.95, M = 0.99·I/1.045·I, group 1 trusted at 1.00 → reconstruction 0.99, group 2 0.90', () => {
    const r = groupPixelSizesFromNumbers(groups, 0, 1.0);
    assert.equal(r.referenceNominalPixelA, 1.0);
    assert.equal(r.reconstructionPixelA.toFixed(3), '0.990');
    assert.equal(r.groups[0].truePixelA.toFixed(3), '1.000');
    assert.equal(r.groups[1].truePixelA.toFixed(3), '0.900');
    close(r.groups[1].magnification, 1.045, 1e-12);
    close(r.groups[1].anisotropy, 1, 1e-12);
  });

  it('trusting group 2 at its true 0.90 gives the same answer; the trusted group gets its own pixel size back', () => {
    const r = groupPixelSizesFromNumbers(groups, 1, 0.9);
    close(r.reconstructionPixelA, 0.99, 1e-12);
    close(r.groups[0].truePixelA, 1.0, 1e-12);
    close(r.groups[1].truePixelA, 0.9, 1e-12);
  });

  it('identity matrices and equal nominal pixels: every group at the trusted pixel size', () => {
    const r = groupPixelSizesFromNumbers([{ nominalPixelA: 1.1, magMatrix: [1, 0, 0, 1] }, { nominalPixelA: 1.1, magMatrix: [1, 0, 0, 1] }], 1, 1.05);
    close(r.reconstructionPixelA, 1.05, 1e-12);
    close(r.groups[0].truePixelA, 1.05, 1e-12);
  });

  it('rejects empty input, bad indices and pixel sizes', () => {
    assert.throws(() => groupPixelSizesFromNumbers([], 0, 1), /at least one optics group/);
    assert.throws(() => groupPixelSizesFromNumbers(groups, 2, 1), /trustedIndex must be an integer in \[0, 1\], got 2/);
    assert.throws(() => groupPixelSizesFromNumbers(groups, 0, 0), /trustedPixelA must be a finite positive number/);
    assert.throws(() => groupPixelSizesFromNumbers([{ nominalPixelA: -1, magMatrix: [1, 0, 0, 1] }], 0, 1), /groups\[0\]\.nominalPixelA/);
  });
});

describe('groupPixelSizes (STAR)', () => {
  it('reads rlnMagMat columns; trusted group by number or by name', () => {
    const star = parseStar(refinedStar());
    for (const group of [1, 'krios1'] as const) {
      const r = groupPixelSizes(star, { group, pixelA: 1.0 });
      assert.equal(r.reconstructionPixelA.toFixed(3), '0.990');
      assert.deepEqual(r.groups.map((g) => [g.group, g.name, g.truePixelA.toFixed(3)]), [
        [1, 'krios1', '1.000'],
        [2, 'glacios2', '0.900'],
      ]);
      assert.deepEqual(r.groups[1].magMatrix, [1.045, 0, 0, 1.045]);
    }
  });

  it('accepts rlnMatrix00..11 and reports anisotropy', () => {
    const r = groupPixelSizes(parseStar(refinedStar('rlnMatrix', [1.05, 0.01, 0.01, 1.04])), { group: 1, pixelA: 1.0 });
    const m = magnificationSummary([1.05, 0.01, 0.01, 1.04]);
    close(r.groups[1].anisotropy, m.anisotropy, 1e-12);
    assert.ok(r.groups[1].anisotropy > 1.005);
    close(r.groups[1].truePixelA, (0.99 * 0.95) / m.isotropic, 1e-12);
  });

  it('missing matrix columns are a StarFormatError naming them; an unknown trusted group a RangeError', () => {
    const noMat = refinedStar().replace(/_rlnMagMat11 #13\n/, '').replace(/ 0\.990000\n/, '\n').replace(/ 1\.045000\n/, '\n');
    assert.throws(() => groupPixelSizes(parseStar(noMat), { group: 1, pixelA: 1 }), (e: unknown) => e instanceof StarFormatError && /missing column rlnMagMat11 in block data_optics/.test(e.message));
    assert.throws(() => groupPixelSizes(parseStar(refinedStar()), { group: 3, pixelA: 1 }), { name: 'RangeError', message: /optics group number in data_optics \(1 'krios1', 2 'glacios2'\), got 3/ });
    assert.throws(() => groupPixelSizes(parseStar(refinedStar()), { group: 'nope', pixelA: 1 }), /got "nope"/);
  });
});
