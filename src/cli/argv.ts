/**
 * Command-line token rewriting for OccuPy's multi-letter short flags.
 *
 * commander rejects multi-letter short flags, and a typed `-lp 8` would silently parse as
 * `-l -p 8`. OccuPy users type `-lp`, `-am`, `-at`, so those tokens are rewritten to their long
 * names before parsing (up to a literal `--`).
 */
import { ESTIMATE_OPTIONS } from '../occupancy/options.js';

/** `lp` → `--lowpass`, … from the option schema's `occupyShort` flags. */
const MULTI_LETTER: Record<string, string> = Object.fromEntries(ESTIMATE_OPTIONS.filter((s) => s.occupyShort).map((s) => [s.occupyShort!.slice(1), s.flag]));
const MULTI_LETTER_TOKEN = new RegExp(`^-(${Object.keys(MULTI_LETTER).join('|')})(=.*)?$`);

/** Rewrite `-lp`, `-am`, `-at` (also `-lp=8`) to their long forms; tokens after `--` are untouched. */
export function rewriteMultiLetterFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  let passthrough = false;
  for (const tok of argv) {
    if (passthrough) {
      out.push(tok);
      continue;
    }
    if (tok === '--') {
      passthrough = true;
      out.push(tok);
      continue;
    }
    const m = MULTI_LETTER_TOKEN.exec(tok);
    out.push(m ? MULTI_LETTER[m[1]] + (m[2] ?? '') : tok);
  }
  return out;
}
