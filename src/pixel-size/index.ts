/**
 * Pixel-size calibration: the electron wavelength, the true pixel size from the apparent Cs
 * refined by CtfRefine, per-optics-group pixel sizes from refined magnification matrices, and
 * CTF curves showing what a wrong pixel size does.
 * @see https://relion.readthedocs.io/en/latest/Reference/PixelSizeIssues.html
 */
export { electronWavelengthA, PLANCK_J_S, ELECTRON_MASS_KG, ELEMENTARY_CHARGE_C, SPEED_OF_LIGHT_M_S } from './electron.js';
export {
  Z40_INDEX,
  apparentCsMm,
  z40ForApparentCs,
  truePixelSizeFromCs,
  refinedAtWrongPixel,
  fromCsForOpticsTable,
  type TruePixelFromCsInput,
  type WrongPixelInput,
  type WrongPixelResult,
  type OpticsGroupFromCs,
} from './from-cs.js';
export {
  magnificationSummary,
  groupPixelSizesFromNumbers,
  groupPixelSizes,
  type Matrix2,
  type MagnificationSummary,
  type GroupOpticsInput,
  type GroupPixelSize,
  type GroupPixelSizes,
  type OpticsGroupPixelSize,
  type OpticsGroupPixelSizes,
} from './groups.js';
export {
  amplitudeContrastPhase,
  ctfPhaseFunction,
  ctf1d,
  ctfComparison,
  ctfComparisonSpec,
  type CtfParams,
  type Ctf1dInput,
  type Ctf1d,
  type CtfComparisonInput,
  type CtfComparison,
  type PhaseCrossing,
} from './ctf.js';
