/**
 * Electron wavelength and the pixel size from the apparent Cs, with the numbers of RELION's
 * "Pixel size issues" notes (true 0.51 Å/px processed at 0.54 Å/px, Cs 2.7 mm, Δf 5000 Å).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StarFormatError, parseStar } from '../../src/io/star/index.js';
import {
  apparentCsMm,
  electronWavelengthA,
  fromCsForOpticsTable,
  refinedAtWrongPixel,
  truePixelSizeFromCs,
  z40ForApparentCs,
} from '../../src/pixel-size/index.js';

const close = (actual: number, expected: number, tol: number, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected} ± ${tol}, got ${actual}`);
};
const sig3 = (x: number): string => x.toPrecision(3);

describe('electronWavelengthA', () => {
  it('gives the relativistic wavelength at 300, 200 and 100 kV', () => {
    assert.equal(sig3(electronWavelengthA(300)), '0.0197');
    assert.equal(sig3(electronWavelengthA(200)), '0.0251');
    close(electronWavelengthA(300), 0.019687, 5e-7, 'λ(300 kV)');
    close(electronWavelengthA(200), 0.025079, 5e-7, 'λ(200 kV)');
    close(electronWavelengthA(100), 0.037014, 5e-7, 'λ(100 kV)');
  });

  it('is shorter than the non-relativistic h/sqrt(2 m e V)', () => {
    const nonRel = 12.2643 / Math.sqrt(300e3); // Å, h/sqrt(2 m0 e) = 12.2643 Å·V^½
    assert.ok(electronWavelengthA(300) < nonRel);
  });

  it('rejects a non-positive or non-finite voltage', () => {
    assert.throws(() => electronWavelengthA(0), { name: 'RangeError', message: /voltageKv must be a finite positive number \(kV\), got 0/ });
    assert.throws(() => electronWavelengthA(-300), /got -300/);
    assert.throws(() => electronWavelengthA(Number.NaN), /got NaN/);
  });
});

describe('Cs and the pixel size', () => {
  const truePixelA = 0.51;
  const nominalPixelA = 0.54;
  const wrong = refinedAtWrongPixel({ truePixelA, nominalPixelA, csTrueMm: 2.7, defocusA: 5000 });

  it('refinement at 0.54 Å/px of 0.51 Å/px data finds Cs 3.39 mm and Δf ≈ 5606 Å', () => {
    close(wrong.csApparentMm, 2.7 * (0.54 / 0.51) ** 4, 1e-12);
    assert.equal(wrong.csApparentMm.toFixed(2), '3.39');
    close(wrong.defocusA, 5000 * (0.54 / 0.51) ** 2, 1e-9);
    assert.equal(Math.round(wrong.defocusA), 5606);
  });

  it('from-Cs inverts it back to 0.51 Å/px', () => {
    close(truePixelSizeFromCs({ nominalPixelA, csTrueMm: 2.7, csApparentMm: wrong.csApparentMm }), truePixelA, 1e-12);
    close(truePixelSizeFromCs({ nominalPixelA, csTrueMm: 2.7, csApparentMm: 3.39 }), truePixelA, 5e-4, 'with Cs rounded to 3.39 mm');
  });

  it('Z40 ↔ apparent Cs round trip; Z40 = 0 leaves Cs unchanged; the conversion is 12·Z40·1e-7/(πλ³)', () => {
    const z40 = z40ForApparentCs(2.7, 3.39, 300);
    close(apparentCsMm(2.7, z40, 300), 3.39, 1e-12);
    assert.equal(apparentCsMm(2.7, 0, 300), 2.7);
    const lambda = electronWavelengthA(300);
    close(apparentCsMm(0, 1, 300), (12 * 1e-7) / (Math.PI * lambda ** 3), 1e-12);
    assert.ok(z40 > 0, `Z40 for a larger apparent Cs is positive, got ${z40}`);
  });

  it('rejects bad inputs naming the parameter', () => {
    assert.throws(() => truePixelSizeFromCs({ nominalPixelA: 0, csTrueMm: 2.7, csApparentMm: 3 }), /nominalPixelA must be a finite positive number \(Å\/px\), got 0/);
    assert.throws(() => truePixelSizeFromCs({ nominalPixelA: 1, csTrueMm: 2.7, csApparentMm: -1 }), /csApparentMm .* got -1/);
    assert.throws(() => refinedAtWrongPixel({ truePixelA: -1, nominalPixelA: 1, csTrueMm: 2.7, defocusA: 1 }), /truePixelA/);
    assert.throws(() => apparentCsMm(2.7, Number.NaN, 300), /z40 must be a finite number/);
    assert.throws(() => apparentCsMm(2.7, 1, 0), /voltageKv/);
  });
});

/** A CtfRefine-style data_optics table (RELION 3.1 layout; rlnEvenZernike as RELION writes it). */
function opticsStar(z40: number, zernikeColumn = true): string {
  const z = `[0.012,-0.003,0.1,0.002,0.0,0.001,${z40},0.0005,-0.0004]`;
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
${zernikeColumn ? '_rlnEvenZernike #10\n' : ''}opticsGroup1 1 0.540000 300.000000 2.700000 0.100000 0.540000 400 2${zernikeColumn ? ` ${z}` : ''}
opticsGroup2 2 0.540000 300.000000 2.700000 0.100000 1.080000 200 2${zernikeColumn ? ' [0,0,0,0,0,0,0,0,0]' : ''}

# version 30001

data_particles

loop_
_rlnImageName #1
_rlnOpticsGroup #2
000001@Extract/job007/a.mrcs 1
`;
}

describe('fromCsForOpticsTable', () => {
  const z40 = z40ForApparentCs(2.7, 3.39, 300);

  it('reads Z40 from rlnEvenZernike and recovers 0.51 Å/px from a Cs_apparent of 3.39 mm', () => {
    const [g1, g2] = fromCsForOpticsTable(parseStar(opticsStar(z40)));
    assert.equal(g1.group, 1);
    assert.equal(g1.name, 'opticsGroup1');
    assert.equal(g1.voltageKv, 300);
    close(g1.wavelengthA, 0.019687, 5e-7);
    assert.equal(g1.csNominalMm, 2.7);
    close(g1.z40, z40, 1e-12);
    close(g1.csApparentMm, 3.39, 1e-9);
    assert.equal(g1.csTrueMm, 2.7);
    assert.equal(g1.nominalPixelA, 0.54);
    assert.equal(g1.truePixelA.toFixed(3), '0.510');
    // Z40 = 0: no change
    assert.equal(g2.z40, 0);
    assert.equal(g2.truePixelA, 1.08);
  });

  it('the exact Cs_apparent from refinedAtWrongPixel inverts exactly; a given Cs_true is used', () => {
    const exact = refinedAtWrongPixel({ truePixelA: 0.51, nominalPixelA: 0.54, csTrueMm: 2.7, defocusA: 5000 }).csApparentMm;
    const [g1] = fromCsForOpticsTable(parseStar(opticsStar(z40ForApparentCs(2.7, exact, 300))));
    close(g1.truePixelA, 0.51, 1e-9);
    const [h1] = fromCsForOpticsTable(parseStar(opticsStar(z40)), 2.0);
    assert.equal(h1.csTrueMm, 2.0);
    close(h1.truePixelA, 0.54 * (2.0 / 3.39) ** 0.25, 1e-9);
  });

  it('a missing rlnEvenZernike column is a StarFormatError naming it', () => {
    assert.throws(() => fromCsForOpticsTable(parseStar(opticsStar(z40, false))), (e: unknown) => e instanceof StarFormatError && /missing column rlnEvenZernike in block data_optics/.test(e.message));
  });

  it('a short Zernike list, a non-number and a missing data_optics are StarFormatErrors', () => {
    const short = opticsStar(z40).replace(/\[0\.012[^\]]*\]/, '[0.1,0.2,0.3]');
    assert.throws(() => fromCsForOpticsTable(parseStar(short)), (e: unknown) => e instanceof StarFormatError && /at least 7 values \(Z40 is the 7th\), found 3/.test(e.message));
    const bad = opticsStar(z40).replace('0.0005', 'abc');
    assert.throws(() => fromCsForOpticsTable(parseStar(bad)), (e: unknown) => e instanceof StarFormatError && /rlnEvenZernike of optics group 1/.test(e.message));
    assert.throws(() => fromCsForOpticsTable(parseStar('data_particles\n\nloop_\n_rlnImageName\na.mrcs\n')), (e: unknown) => e instanceof StarFormatError && /missing block data_optics/.test(e.message));
    assert.throws(() => fromCsForOpticsTable(parseStar(opticsStar(z40)), 0), /csTrueMm must be a finite positive number/);
  });
});
