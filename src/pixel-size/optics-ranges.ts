/**
 * The optics values `occupy pixel-size` accepts, for its flags (`--voltage`, `--cs`) and for the
 * optics groups of a STAR file alike. No imports: the command line loads it at start-up, the
 * calibration modules only on demand.
 */

/** Acceleration voltages accepted (kV). */
export const VOLTAGE_RANGE_KV = { min: 10, max: 3000 } as const;

/** Spherical aberration accepted (mm): 0 (a Cs-corrected microscope) to 20. */
export const CS_RANGE_MM = { min: 0, max: 20 } as const;
