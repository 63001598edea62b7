/**
 * Electron optics constants and the relativistic electron wavelength.
 */

/** Planck constant h in J·s (CODATA 2018, exact). */
export const PLANCK_J_S = 6.62607015e-34;
/** Electron rest mass m0 in kg (CODATA 2018). */
export const ELECTRON_MASS_KG = 9.1093837015e-31;
/** Elementary charge e in C (CODATA 2018, exact). */
export const ELEMENTARY_CHARGE_C = 1.602176634e-19;
/** Speed of light c in m/s (exact). */
export const SPEED_OF_LIGHT_M_S = 299792458;

/**
 * Relativistic wavelength of electrons accelerated through `voltageKv` kilovolts.
 *
 * λ = h / sqrt(2 m0 e V (1 + e V / (2 m0 c²))), with V = 1000 · voltageKv volts, converted from
 * metres to ångström (× 1e10). E.g. λ(300 kV) = 0.019687 Å, λ(200 kV) = 0.025079 Å,
 * λ(100 kV) = 0.037014 Å.
 *
 * @param voltageKv acceleration voltage in kV (RELION `rlnVoltage`), finite and > 0
 * @returns wavelength in Å
 * @throws RangeError when `voltageKv` is not a finite positive number
 */
export function electronWavelengthA(voltageKv: number): number {
  if (!(Number.isFinite(voltageKv) && voltageKv > 0)) {
    throw new RangeError(`voltageKv must be a finite positive number (kV), got ${voltageKv}`);
  }
  const eV = ELEMENTARY_CHARGE_C * voltageKv * 1000; // J
  const m0 = ELECTRON_MASS_KG;
  const p = Math.sqrt(2 * m0 * eV * (1 + eV / (2 * m0 * SPEED_OF_LIGHT_M_S * SPEED_OF_LIGHT_M_S)));
  return (PLANCK_J_S / p) * 1e10;
}
