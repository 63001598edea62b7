/**
 * The `occupy` command line: parses options, calls the library, prints.
 */
import { Command, CommanderError } from 'commander';
import { rewriteMultiLetterFlags } from './argv.js';
import * as estimate from './commands/estimate.js';
import * as demo from './commands/demo.js';
import * as scaleMasks from './commands/scale-masks.js';
import * as locres from './commands/locres.js';
import * as decomposeCmd from './commands/decompose.js';
import * as batch from './commands/batch.js';
import * as fsc from './commands/fsc.js';
import * as pixelSize from './commands/pixel-size.js';
import { addCalibrationCommands } from './commands/pixel-size-calibration.js';
import * as star from './commands/star.js';
import * as gui from './commands/gui.js';
import * as check from './commands/check.js';
import { loadFft } from '../math/fft.js';
import { installSignalCleanup } from '../core/signal-cleanup.js';
import { checkOutputFolder } from '../core/output-folder.js';
import { setCommitLockWaitListener } from '../core/commit-lock.js';
import { OCCUPY_VERSION } from '../jobs/estimate-job.js';
import { EXIT, UsageError } from '../core/exit-codes.js';
import { helpAll, optionTermWithAliases } from './help.js';
import { isFolderOutput } from '../jobs/output-path.js';
import { refuseRepeatedOptions, typedOptions } from './options.js';
import { stopProgressTimers } from './reporter.js';
import { mapStem } from '../occupancy/output-names.js';
import { dirname, join } from 'node:path';

/**
 * Build the program (exported for tests).
 * @param argv the arguments after `occupy`, multi-letter flags rewritten
 * @param typed the arguments exactly as typed (recorded in the run's log); default `argv`
 */
export function buildProgram(argv: readonly string[] = [], typed: readonly string[] = argv): Command {
  const program = new Command('occupy')
    .description('Local scale of cryo-EM maps (the OccuPy method): relative occupancy or resolution from one map, no half maps, no mask.')
    .version(OCCUPY_VERSION, '--version')
    .showSuggestionAfterError()
    .configureHelp({ sortOptions: false, optionTerm: optionTermWithAliases })
    .option('--help-all', 'print the help of every command (the estimate and every subcommand) and exit')
    .addHelpText('after', '\nShort aliases (as the original OccuPy): -i --input-map, -r --resolution, -lp --lowpass, -t --tau, -am --amplify, -at --attenuate, -o --output-map, -v --verbose, -q --quiet, -h --help.\nExit codes: 0 ok, 1 failed, 2 usage error, 3 some batch maps failed.\n\nExamples:\n  occupy -i emd_1234.map.gz\n  occupy map.mrc -o out/                     # out/scale_res_map.mrc, out/conf_map.mrc, ...\n  occupy -i map.mrc --occupancy -lp 10 --json\n  occupy demo                                # synthetic map with known occupancies\n');
  // The estimate is the main job: its options live on the program itself, as in OccuPy
  // (`occupy -i map.mrc ...`); other jobs are subcommands (`occupy demo`).
  program.enablePositionalOptions();
  // every writing command: a folder that cannot be written (read-only, no permission, a file in the
  // way) is refused before the run reads anything, not after its computation
  program.hook('preAction', async (_program, command) => {
    refuseEmptyOutput(command);
    const folder = outputFolderOf(command);
    if (folder !== undefined) await checkOutputFolder(folder);
  });
  estimate.addEstimateOptions(program).action(async (map: string | undefined, opts: estimate.EstimateCliOptions & { helpAll?: boolean }, cmd: Command) => {
    if (opts.helpAll) {
      process.stdout.write(helpAll(program));
      return;
    }
    await estimate.run({ ...opts, commandLine: [...typed] }, map, typedOptions(cmd, opts));
  });
  demo.addDemoOptions(program.command('demo').description(demo.summary)).action(async (opts: demo.DemoOptions) => {
    await demo.run({ ...opts, commandLine: [...typed] });
  });
  scaleMasks.addSubtractionMaskOptions(program.command('subtraction-mask').description(scaleMasks.subtractionSummary)).action(async (scale: string, opts: scaleMasks.SubtractionMaskOptions) => {
    await scaleMasks.runSubtractionMask(scale, { ...opts, commandLine: [...typed] });
  });
  scaleMasks.addSoldefOptions(program.command('soldef').description(scaleMasks.soldefSummary)).action(async (scale: string, opts: scaleMasks.SoldefOptions) => {
    await scaleMasks.runSoldef(scale, { ...opts, commandLine: [...typed] });
  });
  locres.addLocresOptions(program.command('locres').description(locres.summary)).action(async (h1: string, h2: string | undefined, opts: locres.LocresOptions, cmd: Command) => {
    // -o DIR/ (or an existing folder): DIR/locres_<stem>.mrc, as every command's -o
    const output = opts.output !== undefined && isFolderOutput(opts.output) ? join(opts.output, `locres_${mapStem(h1)}.mrc`) : opts.output;
    // the options as typed: the schema fills the defaults and refuses an option the method does not read
    await locres.run(h1, h2, { ...typedOptions(cmd, opts), output, commandLine: [...typed] });
  });
  decomposeCmd.addDecomposeOptions(program.command('decompose').description(decomposeCmd.summary)).action(async (map: string, opts: decomposeCmd.DecomposeCliOptions) => {
    await decomposeCmd.run(map, { ...opts, commandLine: [...typed] });
  });
  fsc.addFscOptions(program.command('fsc').description(fsc.summary)).action(async (h1: string, h2: string, opts: fsc.FscOptions) => {
    await fsc.run(h1, h2, { ...opts, commandLine: [...typed] });
  });
  check.addCheckOptions(program.command('check').description(check.summary)).action(async (map: string, map2: string | undefined, opts: check.CheckOptions) => {
    await check.run(map, map2, opts);
  });
  pixelSize.addPixelSizeCommands(program.command('pixel-size').description(pixelSize.summary), (c) => addCalibrationCommands(c, typed), typed);
  star.addStarCommands(program.command('star').description(star.summary), typed);
  gui.addGuiOptions(program.command('gui').description(gui.summary)).action(async (map: string | undefined, opts: gui.GuiOptions) => {
    await gui.run(map, opts);
  });
  const batchCmd = program.command('batch').description(batch.summary);
  batchCmd
    .command('collect')
    .description('merge the records of a batch folder (and its SLURM shards) into results.csv and report.html; maps of the batch without a record (a shard that never ran) are named, and the exit code is 3')
    .argument('<folder>', 'the batch output folder')
    .option('--json', 'print the summary as JSON')
    .option('-q, --quiet', 'print nothing but errors and the lines naming maps without a record')
    .action(async (dir: string, opts: { json?: boolean; quiet?: boolean }) => {
      await batch.runCollect(dir, opts);
    });
  batch.addBatchOptions(batchCmd).action(async (inputs: string[], opts: batch.BatchCliOptions, cmd: Command) => {
    await batch.run(inputs, opts, ['batch', ...argsAfter(argv, cmd.name())], typedOptions(cmd, opts));
  });
  refuseRepeatedOptions(program);
  return program;
}

/** The option names (attribute names) that name a command's outputs: `-o` of every command, the estimate's `-o`, demo's `-d`. */
const OUTPUT_OPTIONS = ['output', 'outputMap', 'outputDir'] as const;

/** Commands whose outputs go next to their first argument without `-o` (the scale map's folder). */
const BESIDE_INPUT = new Set(['subtraction-mask', 'soldef']);

/**
 * Refuse an output option given as an empty string (`-o "$OUT"` with OUT unset): `fsc h1 h2 -o ''`
 * had written `<parent>/<current folder's name>.csv/.json/.png/.svg/_log.txt` beside the current
 * folder, exit 0; `locres … -o ''` computed, then failed ('… is a folder'); the estimate, decompose
 * and demo wrote into the current folder. The batch's `-d ''` was already refused as missing.
 * @throws UsageError naming the option
 */
export function refuseEmptyOutput(command: Command): void {
  const option = command.options.find((o) => (OUTPUT_OPTIONS as readonly string[]).includes(o.attributeName()));
  if (option === undefined) return;
  const given = command.opts<Record<string, unknown>>()[option.attributeName()];
  if (typeof given === 'string' && given.trim() === '') {
    const flags = [option.short, option.long].filter((f): f is string => f !== undefined).join('/');
    throw new UsageError(`${flags} is empty: give ${option.attributeName() === 'outputDir' ? 'a folder' : 'an output folder (ending in /) or a file name'}`);
  }
}

/**
 * The folder a writing command will write into, as its `-o` resolves (`-o out/` or an existing
 * folder: that folder; `-o out/name`: `out`); without `-o` the current folder, or the input's folder
 * (`--keep-output-path`, `subtraction-mask`, `soldef`). Undefined for a command that writes no
 * output of its own this way (`check`, `gui`, `pixel-size from-cs`, `batch`, which makes and
 * checks its `-d` folder itself before any map is run).
 */
export function outputFolderOf(command: Command): string | undefined {
  if (command.name() === 'batch' || command.parent?.name() === 'batch') return undefined;
  const attribute = command.options.map((o) => o.attributeName()).find((a) => (OUTPUT_OPTIONS as readonly string[]).includes(a));
  if (attribute === undefined) return undefined;
  const opts = command.opts<Record<string, unknown>>();
  const given = opts[attribute];
  // `-d` (demo) always names a folder; `-o` a folder when it ends in / or is one, else a file or stem
  if (typeof given === 'string' && given !== '') return attribute === 'outputDir' || isFolderOutput(given) ? given : dirname(given);
  const input = typeof command.args[0] === 'string' ? command.args[0] : typeof opts.inputMap === 'string' ? opts.inputMap : undefined;
  // the estimate without a map (`occupy`, `occupy --help-all`) runs nothing: its own message says so
  if (command.parent === null && ((input === undefined && opts.emdb === undefined && opts.emdbId === undefined) || opts.helpAll === true)) return undefined;
  if ((opts.keepOutputPath === true || BESIDE_INPUT.has(command.name())) && input !== undefined) return dirname(input);
  return '.';
}

/** The arguments after the subcommand's name (for the SLURM task command line). */
function argsAfter(argv: readonly string[], name: string): string[] {
  const at = argv.indexOf(name);
  return at >= 0 ? argv.slice(at + 1) : [];
}

/**
 * An error message in the user's terms: numbers with float noise (`2.0000000000000004`,
 * `0.30000000000000004`) shortened to 6 significant digits.
 */
export function userTerms(message: string): string {
  return message.replace(/(?<![\w.])(-?\d+\.\d{7,})(?![\w.])/g, (m) => String(Number(Number(m).toPrecision(6))));
}

/**
 * Node's raw errno text at the end of a message: `ENOENT: no such file or directory, mkdir '/x'`,
 * or without a path (`ENOSPC: no space left on device, write`: a write names no file).
 */
const ERRNO_TAIL = /(?:^|: )E[A-Z0-9]+: ([^,]+), (\w+)(?: '([^']*)'(?: -> '[^']*')?)?$/;

/**
 * A message that ends in Node's raw errno text, in the user's terms (a safety net for a site that
 * passes a file-system error through unworded): the errno code and system call are dropped, and
 * a failed `mkdir` is explained by its true cause (a recursive `mkdir` on a read-only file system
 * reports ENOENT, and EEXIST when a file is in the way: see `src/core/output-folder.ts`).
 * `cannot write '/ro/new/x.mrc': ENOENT: no such file or directory, mkdir '/ro/new'` →
 * `cannot write '/ro/new/x.mrc': cannot create output folder '/ro/new': read-only file system`.
 * A tail without a path (`…, write`) is worded when the message before it names a file in quotes.
 * @returns the message unchanged when it holds no raw errno text
 */
export async function withoutErrnoText(message: string): Promise<string> {
  const m = ERRNO_TAIL.exec(message);
  if (!m) return message;
  const [, description, syscall, path] = m as unknown as [string, string, string, string | undefined];
  const prefix = message.slice(0, m.index);
  const lead = prefix ? `${prefix}: ` : '';
  // no path in the tail: worded only when the message names the file already
  // (`cannot append to '…/results.jsonl': ENOSPC: no space left on device, write`)
  if (path === undefined) return /'[^']+'/.test(prefix) ? `${lead}${description}` : message;
  if (syscall === 'mkdir') {
    try {
      await checkOutputFolder(path);
    } catch (err) {
      return `${lead}${(err as Error).message}`;
    }
  }
  const named = prefix.includes(`'${path}'`) ? description : `'${path}': ${description}`;
  return `${lead}${named}`;
}

/** stdout closed by its reader (`occupy --help | head`): stop quietly with 0; other errors are thrown. */
function onStdoutError(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE') process.exit(EXIT.ok);
  throw err;
}

/** Run the CLI on `argv` (without node and script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const quiet = argv.includes('--quiet') || argv.includes('-q');
  // (with -q too it is refused, in one line: no stack trace for it)
  const verbose = (argv.includes('--verbose') || argv.includes('-v')) && !quiet;
  const args = rewriteMultiLetterFlags(argv);
  const program = buildProgram(args, argv);
  // commander's own errors as one `occupy: error: …` line (its suggestion joined onto it)
  const outputError = (str: string, write: (s: string) => void, outputFlags?: string): void => {
    let line = str.trim().replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)').replace(/\n+/g, ' ');
    // another subcommand's output option (`occupy batch … -o out/`: batch names its folder with
    // -d/--output-dir) gets this command's option named, as commander does for a misspelling
    if (outputFlags && /^error: unknown option '(-o|--output|--output-dir|--out)'$/.test(line)) line += ` (the output of this command is ${outputFlags})`;
    write(`occupy: ${line}\n`);
  };
  const override = (c: Command): void => {
    c.exitOverride();
    const output = c.options.find((o) => o.long === '--output-dir' || o.long === '--output');
    c.configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (str, write) => outputError(str, write, output?.flags.replace(/ <.*$/, '').replace(', ', '/')) });
    c.commands.forEach(override);
  };
  override(program);
  installSignalCleanup();
  // a commit waiting for another process's lock on the output folder says so (it had looked hung)
  setCommitLockWaitListener(quiet ? undefined : (m) => process.stderr.write(`occupy: ${m}\n`));
  // `occupy --help | head`: a reader that stops early is not an error (no EPIPE stack trace)
  if (!process.stdout.listeners('error').includes(onStdoutError)) process.stdout.on('error', onStdoutError);
  try {
    await loadFft();
    await program.parseAsync(args, { from: 'user' });
    stopProgressTimers();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    stopProgressTimers(); // no percentage line after the error message
    if (err instanceof CommanderError) {
      // commander has already printed its one-line message (or help/version)
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const e = err as Error;
    process.stderr.write(`occupy: error: ${userTerms(await withoutErrnoText((e?.message ?? String(err)).split('\n')[0]))}\n`);
    if (verbose && e?.stack) process.stderr.write(e.stack + '\n');
    return err instanceof UsageError ? EXIT.usage : EXIT.failed;
  }
}
