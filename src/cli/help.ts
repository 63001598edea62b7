/**
 * Help text helpers: option terms that show OccuPy's multi-letter short flags, and `--help-all`.
 */
import type { Command, Option } from 'commander';

/** OccuPy's multi-letter short flags, by the long option they stand for (see `argv.ts`). */
const MULTI_LETTER_ALIASES: Record<string, string> = { '--lowpass': '-lp', '--amplify': '-am', '--attenuate': '-at' };

/** The option's term in the help, with its OccuPy multi-letter alias first (`-lp, --lowpass <A>`). */
export function optionTermWithAliases(option: Option): string {
  const alias = option.long ? MULTI_LETTER_ALIASES[option.long] : undefined;
  return alias ? `${alias}, ${option.flags}` : option.flags;
}

/**
 * `occupy --help-all`: the help of the estimate and of every subcommand (and theirs), each under a
 * `=== occupy <name> ===` heading.
 */
export function helpAll(program: Command): string {
  const parts: string[] = [program.helpInformation()];
  const walk = (cmd: Command, path: string[]) => {
    for (const sub of cmd.commands) {
      const name = [...path, sub.name()];
      parts.push(`\n=== occupy ${name.join(' ')} ===\n\n${sub.helpInformation()}`);
      walk(sub, name);
    }
  };
  walk(program, []);
  return parts.join('');
}
