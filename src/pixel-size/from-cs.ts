/**
 * Pixel size from the spherical aberration (Cs) that CtfRefine finds.
 *
 * When particles are processed at a wrong pixel size p_nom instead of the true p_true, every
 * spatial frequency is mis-scaled by p_true/p_nom. Fitting the CTF then absorbs the error in the
 * defocus (∝ s²) and, when the 4th-order aberration is refined (RELION CtfRefine "estimate 4th
 * order aberrations", stored as the even Zernike coefficient Z40 in `rlnEvenZernike`), in the
 * apparent Cs (∝ s⁴): Cs_apparent = Cs_true · (p_nom/p_true)⁴. Since Cs is a fixed property of the
 * objective lens, p_true = p_nom · (Cs_true/Cs_apparent)^(1/4).
 *
 * @see https://relion.readthedocs.io/en/latest/Reference/PixelSizeIssues.html (RELION "Pixel size issues":
 *   the 0.51 vs 0.54 Å/px example; there the defocus *fitted* with Cs fixed is 5526 Å, while the
 *   pure rescaling here gives 5606 Å)
 */
import { StarFormatError, column, numberColumn, type StarFile } from '../io/star/index.js';
import { electronWavelengthA } from './electron.js';
import { hasColumn, opticsTable, parseNumberList } from './optics-table.js';
import { ANGPIX_MAX_A, ANGPIX_MIN_A } from '../core/voxel-size-limits.js';
import { CS_RANGE_MM, VOLTAGE_RANGE_KV } from './optics-ranges.js';

/** Index of Z40 in RELION's `rlnEvenZernike` list (Z00, Z2-2, Z20, Z22, Z4-4, Z4-2, Z40, ...). */
export const Z40_INDEX = 6;

function checkPositive(name: string, value: number, unit: string): void {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a finite positive number (${unit}), got ${value}`);
}

function checkFinite(name: string, value: number, unit: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number (${unit}), got ${value}`);
}

/**
 * Apparent Cs from the nominal Cs and RELION's 4th-order even Zernike coefficient Z40.
 *
 * Cs_apparent = Cs_nominal + 12 · Z40 · 1e-7 / (π λ³), λ in Å (so 12·Z40/(πλ³) is in Å and the
 * 1e-7 converts Å to mm). Derivation: RELION adds Z40 · (6 s⁴ − 6 s² + 1) (s in 1/Å) to the
 * CTF phase; its s⁴ part, 6·Z40·s⁴, equals the Cs term (π/2)·ΔCs·λ³·s⁴.
 *
 * @param csNominalMm Cs the CTF was modelled with (`rlnSphericalAberration`), mm
 * @param z40 Z40 coefficient (`rlnEvenZernike[6]`), radians
 * @param voltageKv acceleration voltage, kV
 * @returns apparent Cs in mm
 * @throws RangeError for a non-finite Cs or Z40, or a non-positive voltage
 */
export function apparentCsMm(csNominalMm: number, z40: number, voltageKv: number): number {
  checkFinite('csNominalMm', csNominalMm, 'mm');
  checkFinite('z40', z40, 'radians');
  const lambda = electronWavelengthA(voltageKv);
  return csNominalMm + (12 * z40 * 1e-7) / (Math.PI * lambda ** 3);
}

/**
 * Inverse of {@link apparentCsMm}: the Z40 that makes the apparent Cs equal `csApparentMm`.
 *
 * Z40 = (Cs_apparent − Cs_nominal) · 1e7 · π λ³ / 12 (Cs in mm, λ in Å).
 *
 * @param csNominalMm nominal Cs, mm
 * @param csApparentMm wanted apparent Cs, mm
 * @param voltageKv acceleration voltage, kV
 * @returns Z40 in radians
 * @throws RangeError for a non-finite Cs or a non-positive voltage
 */
export function z40ForApparentCs(csNominalMm: number, csApparentMm: number, voltageKv: number): number {
  checkFinite('csNominalMm', csNominalMm, 'mm');
  checkFinite('csApparentMm', csApparentMm, 'mm');
  const lambda = electronWavelengthA(voltageKv);
  return ((csApparentMm - csNominalMm) * 1e7 * Math.PI * lambda ** 3) / 12;
}

/** Input of {@link truePixelSizeFromCs}. */
export interface TruePixelFromCsInput {
  /** Pixel size the data were processed at, Å/px. */
  nominalPixelA: number;
  /** True Cs of the microscope, mm. */
  csTrueMm: number;
  /** Cs found by refinement at the nominal pixel size, mm. */
  csApparentMm: number;
}

/**
 * True pixel size from the true and the apparent Cs.
 *
 * p_true = p_nominal · (Cs_true / Cs_apparent)^(1/4).
 *
 * @returns true pixel size, Å/px
 * @throws RangeError when any input is not a finite positive number
 */
export function truePixelSizeFromCs({ nominalPixelA, csTrueMm, csApparentMm }: TruePixelFromCsInput): number {
  checkPositive('nominalPixelA', nominalPixelA, 'Å/px');
  checkPositive('csTrueMm', csTrueMm, 'mm');
  checkPositive('csApparentMm', csApparentMm, 'mm');
  return nominalPixelA * (csTrueMm / csApparentMm) ** 0.25;
}

/** Input of {@link refinedAtWrongPixel}. */
export interface WrongPixelInput {
  /** True pixel size, Å/px. */
  truePixelA: number;
  /** Pixel size used in processing, Å/px. */
  nominalPixelA: number;
  /** True Cs, mm. */
  csTrueMm: number;
  /** True defocus, Å. */
  defocusA: number;
}

/** Output of {@link refinedAtWrongPixel}. */
export interface WrongPixelResult {
  /** Cs a refinement at the nominal pixel size finds, mm. */
  csApparentMm: number;
  /** Defocus a refinement at the nominal pixel size finds, Å. */
  defocusA: number;
}

/**
 * What CtfRefine finds when the data are processed at a wrong pixel size: frequencies are scaled
 * by p_true/p_nom, so the s² and s⁴ terms of the CTF phase are matched by
 * Cs_apparent = Cs · (p_nom/p_true)⁴ and Δf_apparent = Δf · (p_nom/p_true)².
 *
 * E.g. true 0.51 Å/px processed at 0.54 Å/px, Cs 2.7 mm, Δf 5000 Å → Cs 3.39 mm, Δf ≈ 5606 Å.
 *
 * @throws RangeError when a pixel size or Cs is not finite positive, or the defocus not finite
 */
export function refinedAtWrongPixel({ truePixelA, nominalPixelA, csTrueMm, defocusA }: WrongPixelInput): WrongPixelResult {
  checkPositive('truePixelA', truePixelA, 'Å/px');
  checkPositive('nominalPixelA', nominalPixelA, 'Å/px');
  checkPositive('csTrueMm', csTrueMm, 'mm');
  checkFinite('defocusA', defocusA, 'Å');
  const r = nominalPixelA / truePixelA;
  return { csApparentMm: csTrueMm * r ** 4, defocusA: defocusA * r * r };
}

/** Per optics group result of {@link fromCsForOpticsTable}. */
export interface OpticsGroupFromCs {
  /** `rlnOpticsGroup` number. */
  group: number;
  /** `rlnOpticsGroupName` (empty when the column is absent). */
  name: string;
  /** `rlnVoltage`, kV. */
  voltageKv: number;
  /** Electron wavelength, Å. */
  wavelengthA: number;
  /** `rlnSphericalAberration`, mm. */
  csNominalMm: number;
  /** `rlnEvenZernike[6]`, radians. */
  z40: number;
  /** Cs_nominal + 12·Z40·1e-7/(πλ³), mm. */
  csApparentMm: number;
  /** Cs taken as the truth, mm (the `csTrueMm` argument, else `csNominalMm`). */
  csTrueMm: number;
  /** `rlnImagePixelSize` (or `rlnMicrographOriginalPixelSize` when absent), Å/px. */
  nominalPixelA: number;
  /** nominalPixelA · (csTrueMm / csApparentMm)^(1/4), Å/px. */
  truePixelA: number;
}

/**
 * Apply {@link truePixelSizeFromCs} to every optics group of a RELION 3.1 STAR file whose
 * aberrations were refined (CtfRefine with 4th-order aberrations).
 *
 * Columns read from `data_optics`: `rlnOpticsGroup`, `rlnOpticsGroupName` (optional),
 * `rlnVoltage`, `rlnSphericalAberration`, `rlnImagePixelSize` (or, when absent,
 * `rlnMicrographOriginalPixelSize`), `rlnEvenZernike` (RELION's `[z0,z1,...]` list; Z40 is the
 * 7th value, index 6).
 *
 * @param star a parsed STAR file with a `data_optics` table (e.g. CtfRefine's particles_ctf_refine.star)
 * @param csTrueMm true Cs in mm applied to every group; default each group's own `rlnSphericalAberration`
 * @returns one entry per optics-table row, in table order
 * @throws StarFormatError when `data_optics` or a needed column is missing (the message names
 *   it, e.g. rlnEvenZernike), a value is not a number, a `rlnEvenZernike` list has fewer than
 *   7 values or a Z40 that is not finite (inf), a group number is not a whole number >= 1, a voltage is outside 10–3000 kV, a Cs
 *   outside 0–20 mm (0 without `csTrueMm`), a pixel size outside 0.01–100 Å (the command
 *   line's ranges), or a group's Z40 gives an apparent Cs that is not positive
 * @throws RangeError when `csTrueMm` is given and not finite positive
 */
export function fromCsForOpticsTable(star: StarFile, csTrueMm?: number): OpticsGroupFromCs[] {
  if (csTrueMm !== undefined) checkPositive('csTrueMm', csTrueMm, 'mm');
  const t = opticsTable(star);
  const groups = numberColumn(t, 'rlnOpticsGroup');
  const names = hasColumn(t, 'rlnOpticsGroupName') ? column(t, 'rlnOpticsGroupName') : groups.map(() => '');
  const voltages = numberColumn(t, 'rlnVoltage');
  const cs = numberColumn(t, 'rlnSphericalAberration');
  const pixels = numberColumn(t, hasColumn(t, 'rlnImagePixelSize') || !hasColumn(t, 'rlnMicrographOriginalPixelSize') ? 'rlnImagePixelSize' : 'rlnMicrographOriginalPixelSize');
  const zernike = column(t, 'rlnEvenZernike');
  return groups.map((group, i) => {
    // the same ranges as the command line's flags (--voltage, --cs, --angpix), named by column
    const where = `optics group ${group} in block data_optics`;
    if (!(Number.isInteger(group) && group >= 1)) throw new StarFormatError(`rlnOpticsGroup ${group} in block data_optics: expected a whole number >= 1`);
    if (!(voltages[i] >= VOLTAGE_RANGE_KV.min && voltages[i] <= VOLTAGE_RANGE_KV.max)) throw new StarFormatError(`rlnVoltage of ${where} is ${voltages[i]}: expected ${VOLTAGE_RANGE_KV.min}–${VOLTAGE_RANGE_KV.max} kV (RELION stores kV, not V)`);
    if (!(cs[i] >= CS_RANGE_MM.min && cs[i] <= CS_RANGE_MM.max)) throw new StarFormatError(`rlnSphericalAberration of ${where} is ${cs[i]}: expected ${CS_RANGE_MM.min}–${CS_RANGE_MM.max} mm`);
    if (!(pixels[i] >= ANGPIX_MIN_A && pixels[i] <= ANGPIX_MAX_A)) throw new StarFormatError(`the pixel size of ${where} is ${pixels[i]}: expected ${ANGPIX_MIN_A}–${ANGPIX_MAX_A} Å`);
    if (csTrueMm === undefined && !(cs[i] > 0)) throw new StarFormatError(`rlnSphericalAberration of ${where} is 0 (a Cs-corrected microscope): give the microscope's true Cs (--cs-true <mm> > 0)`);
    const what = `rlnEvenZernike of ${where}`;
    const z = parseNumberList(zernike[i], what);
    if (z.length <= Z40_INDEX) {
      throw new StarFormatError(`${what}: expected at least ${Z40_INDEX + 1} values (Z40 is the 7th), found ${z.length} in ${JSON.stringify(zernike[i])}`);
    }
    const z40 = z[Z40_INDEX];
    // inf (or 1e400) had reached apparentCsMm, whose message named neither file, column nor group
    if (!Number.isFinite(z40)) throw new StarFormatError(`${what}: Z40 (the 7th value) is ${z40}: expected a finite number, found ${JSON.stringify(zernike[i])}`);
    const csApparent = apparentCsMm(cs[i], z40, voltages[i]);
    if (!(csApparent > 0)) throw new StarFormatError(`${what}: Z40 = ${z40} gives an apparent Cs of ${csApparent.toFixed(4)} mm (Cs ${cs[i]} mm + 12·Z40·1e-7/(π λ³)), not positive: no pixel size follows`);
    const csTrue = csTrueMm ?? cs[i];
    return {
      group,
      name: names[i],
      voltageKv: voltages[i],
      wavelengthA: electronWavelengthA(voltages[i]),
      csNominalMm: cs[i],
      z40,
      csApparentMm: csApparent,
      csTrueMm: csTrue,
      nominalPixelA: pixels[i],
      truePixelA: truePixelSizeFromCs({ nominalPixelA: pixels[i], csTrueMm: csTrue, csApparentMm: csApparent }),
    };
  });
}
