/**
 * The numbers a user reads from a directional FSC (`occupy fsc --directional`, 3DFSC-style), as
 * printed with `--json` and shown by the GUI. Type only: no code, so the browser page can share it.
 * @see README "fsc --directional"; src/resolution/ellipsoid-fit.ts for the ellipsoid and sphericity
 */
import type { Vec3 } from '../core/volume.js';

/** Summary of a directional FSC: an ellipsoid fitted over every cone's 0.143 resolution. */
export interface DirectionalSummary {
  /** r_best / (r₁r₂r₃)^⅓ of the fitted ellipsoid: 1 isotropic (not 3DFSC's Wadell sphericity). */
  sphericity: number;
  /** Best (finest) and worst (coarsest) resolution of the ellipsoid, Å. */
  bestResolutionA: number;
  worstResolutionA: number;
  /** The ellipsoid's middle axis, Å. */
  middleResolutionA: number;
  /** Unit vectors in map x, y, z. */
  worstDirection: Vec3;
  bestDirection: Vec3;
  /** RMS of the fit's relative residuals over the cones. */
  fitRmsRelativeResidual: number;
  /** Cones whose FSC never fell below the threshold. */
  conesNotCrossing: number;
}
