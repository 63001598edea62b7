/**
 * Option value parsers shared by the commands: each names the option and the value on error.
 */
import { InvalidArgumentError } from 'commander';

/** A finite number parser for option `name`, optionally bounded. */
export function numberOption(name: string, check?: (v: number) => boolean, expect = 'a number'): (raw: string) => number {
  return (raw: string) => {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v) || (check && !check(v))) {
      throw new InvalidArgumentError(`${name} must be ${expect}, got '${raw}'`);
    }
    return v;
  };
}

/** A positive-integer parser for option `name`. */
export function integerOption(name: string, min: number, expect?: string): (raw: string) => number {
  return numberOption(name, (v) => Number.isInteger(v) && v >= min, expect ?? `an integer >= ${min}`);
}
