/**
 * `occupy pixel-size from-cs | groups | ctf-plot`: pixel-size calibration from refined optics.
 */
import { Command } from 'commander';
import { dirname } from 'node:path';
import { withOutputSet } from '../../core/output-set.js';
import type { OpticsGroupFromCs } from '../../pixel-size/index.js';
import { angpixOption, OptionRangeError, rangeOption } from '../options.js';
import { CS_RANGE_MM, VOLTAGE_RANGE_KV } from '../../pixel-size/optics-ranges.js';
import { isFolderOutput, outputFile } from '../../jobs/output-path.js';
import { Reporter } from '../reporter.js';

const angstrom = (v: number, d = 4) => `${v.toFixed(d)} Å`;

/** The STAR reader and the calibration library, loaded by the command that runs (start-up of the other commands). */
function calibrationModules(): Promise<[typeof import('../../io/star/index.js'), typeof import('../../pixel-size/index.js')]> {
  return Promise.all([import('../../io/star/index.js'), import('../../pixel-size/index.js')]);
}

/** Acceleration voltages accepted (kV): the STAR path's too (`VOLTAGE_RANGE_KV`). */
const VOLTAGE_RANGE = { ...VOLTAGE_RANGE_KV, unit: 'kV' };
/** Spherical aberration accepted (mm): 0 (corrected) to 20 (`CS_RANGE_MM`). */
const CS_RANGE = { ...CS_RANGE_MM, unit: 'mm' };
/** A Cs that a pixel size is computed from (mm): must be positive. */
const CS_RANGE_OPEN = { ...CS_RANGE_MM, minOpen: true, unit: 'mm' };

function print(o: { json?: boolean; quiet?: boolean }, result: unknown, lines: string[]): void {
  if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
  else if (!o.quiet) process.stdout.write(lines.join('\n') + '\n');
}

/**
 * A bad STAR file's error named by the file the user gave (the table's own messages name the
 * block, column and group): a `StarFormatError`, so the CLI exits 1 (a bad input file), not 2.
 * Other errors pass unchanged.
 */
async function inFile(path: string, err: unknown): Promise<unknown> {
  const { StarFormatError } = await import('../../io/star/index.js');
  return err instanceof StarFormatError ? new StarFormatError(`${path}: ${err.message}`, err.line, { cause: err }) : err;
}

/**
 * Read a STAR file with progress on stderr (`read <file>`, the share of its bytes read; nothing
 * with `--quiet`): a 435 MB particles file had been read for 5.5 s without a line (session 54).
 * The phase is held (a file refused in its first seconds gives one line): the caller calls the
 * reporter's `finish` once the file's content is accepted.
 */
async function readStarReported(readStar: (typeof import('../../io/star/index.js'))['readStar'], path: string, o: { quiet?: boolean }): Promise<{ star: Awaited<ReturnType<typeof readStar>>; reporter: Reporter }> {
  const reporter = new Reporter(o.quiet ? 'quiet' : 'normal');
  const phase = `read ${path}`;
  reporter.progress(phase, 0);
  const star = await readStar(path, { onProgress: (got, total) => reporter.progress(phase, total > 0 ? got / total : 1) });
  return { star, reporter };
}

/** Options of `pixel-size from-cs`. */
export interface FromCsOptions {
  star?: string;
  csTrue?: number;
  voltage?: number;
  cs?: number;
  z40?: number;
  csApparent?: number;
  angpix?: number;
  json?: boolean;
  quiet?: boolean;
}

/** The flags of `from-cs` that describe one group by hand, which a `--star` file replaces. */
const FROM_CS_FLAGS = [
  ['voltage', '--voltage', 'rlnVoltage'],
  ['cs', '--cs', 'rlnSphericalAberration'],
  ['z40', '--z40', 'rlnEvenZernike'],
  ['csApparent', '--cs-apparent', 'rlnEvenZernike'],
  ['angpix', '--angpix', 'rlnImagePixelSize'],
] as const;

/**
 * Run `pixel-size from-cs`: from a STAR optics table or from flags.
 * @throws OptionRangeError for conflicting flags (`--star` with a per-group flag, `--z40` with
 *   `--cs-apparent`), missing flags, or values that give no physical apparent Cs (exit 2)
 * @throws StarFormatError naming the file for a bad STAR file or optics table (exit 1)
 */
export async function runFromCs(o: FromCsOptions): Promise<void> {
  const [{ readStar }, { apparentCsMm, electronWavelengthA, fromCsForOpticsTable, truePixelSizeFromCs }] = await calibrationModules();
  let groups: OpticsGroupFromCs[];
  if (o.star) {
    const given = FROM_CS_FLAGS.find(([k]) => o[k] !== undefined);
    if (given) throw new OptionRangeError(`--star and ${given[1]} conflict: with --star every optics group's ${given[2]} comes from the file; give --star alone (with --cs-true to override the Cs), or the flags without --star`);
    const { star, reporter } = await readStarReported(readStar, o.star, o);
    try {
      groups = fromCsForOpticsTable(star, o.csTrue);
    } catch (err) {
      throw await inFile(o.star, err);
    }
    reporter.finish(); // the file's content is accepted: the read line
  } else {
    if (o.z40 !== undefined && o.csApparent !== undefined) {
      throw new OptionRangeError('--z40 and --cs-apparent conflict: both give the apparent Cs; give one');
    }
    if (o.voltage === undefined || o.cs === undefined || o.angpix === undefined || (o.z40 === undefined && o.csApparent === undefined)) {
      throw new OptionRangeError('give --star optics.star, or --voltage, --cs, --angpix and one of --z40 / --cs-apparent');
    }
    const wavelengthA = electronWavelengthA(o.voltage);
    const csApparent = o.csApparent ?? apparentCsMm(o.cs, o.z40 as number, o.voltage);
    if (!(csApparent > 0 && Number.isFinite(csApparent))) {
      throw new OptionRangeError(`--z40 ${o.z40} gives an apparent Cs of ${csApparent.toPrecision(6)} mm (Cs ${o.cs} mm + 12·Z40·1e-7/(π λ³)), not a positive number: check --z40 and --cs`);
    }
    const csTrue = o.csTrue ?? o.cs;
    if (!(csTrue > 0)) throw new OptionRangeError(`the true Cs is ${csTrue} mm (--cs ${o.cs}): give --cs-true <mm> > 0 for a Cs-corrected microscope`);
    groups = [{ group: 1, name: '', voltageKv: o.voltage, wavelengthA, csNominalMm: o.cs, z40: o.z40 ?? Number.NaN, csApparentMm: csApparent, csTrueMm: csTrue, nominalPixelA: o.angpix, truePixelA: truePixelSizeFromCs({ nominalPixelA: o.angpix, csTrueMm: csTrue, csApparentMm: csApparent }) }];
  }
  const lines = groups.flatMap((g) => [
    `Optics group ${g.group}${g.name ? ` (${g.name})` : ''}:`,
    `  voltage ${g.voltageKv} kV → electron wavelength λ = ${g.wavelengthA.toFixed(6)} Å`,
    // the Z40 formula is printed only when the apparent Cs was computed from Z40 (not given by --cs-apparent)
    `  Cs nominal ${g.csNominalMm} mm${Number.isFinite(g.z40) ? `, Z40 = ${g.z40.toPrecision(6)} → apparent Cs = Cs + 12·Z40·1e-7/(π λ³) = ${g.csApparentMm.toFixed(4)} mm` : `, apparent Cs ${g.csApparentMm.toFixed(4)} mm (given)`}`,
    `  true pixel size = ${g.nominalPixelA} × (${g.csTrueMm} / ${g.csApparentMm.toFixed(4)})^(1/4) = ${angstrom(g.truePixelA)} (nominal ${g.nominalPixelA} Å, ${(100 * (g.truePixelA / g.nominalPixelA - 1)).toFixed(2)} %)`,
  ]);
  lines.push('Trust this only if the microscope\'s Cs is known; correct the final map with `occupy pixel-size set` (do not edit STAR pixel sizes).');
  print(o, { groups }, lines);
}

/** Options of `pixel-size groups`. */
export interface GroupsOptions {
  star: string;
  trustedGroup: string;
  trustedAngpix: number;
  json?: boolean;
  quiet?: boolean;
}

/**
 * Run `pixel-size groups`.
 * @throws OptionRangeError naming `--trusted-group` when the file does not list that group (exit 2)
 * @throws StarFormatError naming the file for a bad STAR file or optics table (exit 1)
 */
export async function runGroups(o: GroupsOptions): Promise<void> {
  const [{ readStar }, { groupPixelSizes }] = await calibrationModules();
  const group = /^\d+$/.test(o.trustedGroup) ? Number(o.trustedGroup) : o.trustedGroup;
  const { star, reporter } = await readStarReported(readStar, o.star, o);
  let r: ReturnType<typeof groupPixelSizes>;
  try {
    r = groupPixelSizes(star, { group, pixelA: o.trustedAngpix });
  } catch (err) {
    // the file's content: exit 1; a trusted group the file does not list: the option's value (exit 2)
    if (err instanceof RangeError && /^trusted\.group\b/.test(err.message)) throw new OptionRangeError(`--trusted-group${err.message.slice('trusted.group'.length).replace(' in data_optics ', ` in data_optics of ${o.star} `)}`, 'trustedGroup');
    throw await inFile(o.star, err);
  }
  reporter.finish(); // the file's content is accepted: the read line
  const lines = [
    `Reconstruction: nominal ${angstrom(r.referenceNominalPixelA)}, actual ${angstrom(r.reconstructionPixelA)} (trusted: group ${o.trustedGroup} at ${o.trustedAngpix} Å)`,
    ...r.groups.map((g) => `Group ${g.group}${g.name ? ` (${g.name})` : ''}: nominal ${angstrom(g.nominalPixelA)}, magnification ${g.magnification.toFixed(4)} (anisotropy ${g.anisotropy.toFixed(4)}) → actual ${angstrom(g.truePixelA)}`),
    'Correct the final map with `occupy pixel-size set MAP --angpix <actual reconstruction pixel size>`.',
  ];
  print(o, r, lines);
}

/** Options of `pixel-size ctf-plot`. */
export interface CtfPlotOptions {
  /** The arguments as typed after `occupy` (recorded in the SVG's metadata). */
  commandLine?: string[];
  trueAngpix: number;
  nominalAngpix: number;
  voltage: number;
  cs: number;
  defocus: number;
  amplitudeContrast: number;
  refitCs?: boolean;
  output: string;
  json?: boolean;
  quiet?: boolean;
}

/** Run `pixel-size ctf-plot`. */
export async function runCtfPlot(o: CtfPlotOptions): Promise<void> {
  const [, { ctfComparison, ctfComparisonSpec }] = await calibrationModules();
  const r = ctfComparison({ truePixelA: o.trueAngpix, nominalPixelA: o.nominalAngpix, voltageKv: o.voltage, csMm: o.cs, defocusA: o.defocus, amplitudeContrast: o.amplitudeContrast, refitCs: o.refitCs === true });
  const { renderVegaLite, writePlot } = await import('../../plots/render.js'); // on demand: slow to import
  const base = outputFile(o.output, 'ctf_pixel_size').replace(/\.(png|svg)$/i, '');
  const plot = await renderVegaLite(ctfComparisonSpec(r, `CTF at ${o.trueAngpix} Å/px (true) vs ${o.nominalAngpix} Å/px (nominal)${o.refitCs ? ', Cs refitted' : ''}`));
  // the record in the SVG's <metadata>: the command as typed, the version and every setting with
  // its default (the plot had recorded nothing of how it was made; session 54)
  const [{ makeRunRecord }, { recordLines }] = await Promise.all([import('../../core/run-record.js'), import('../../occupancy/summary.js')]);
  const record = makeRunRecord({ commandLine: o.commandLine, seed: 0, seedGiven: false, hasSeedOption: false, settings: { 'true-angpix': o.trueAngpix, 'nominal-angpix': o.nominalAngpix, voltage: o.voltage, cs: o.cs, defocus: o.defocus, 'amplitude-contrast': o.amplitudeContrast, 'refit-cs': o.refitCs === true } });
  const xml = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const open = plot.svg.indexOf('>', plot.svg.indexOf('<svg')) + 1;
  const rendered = { ...plot, svg: `${plot.svg.slice(0, open)}<metadata>${xml(['occupy-ts pixel-size ctf-plot', ...recordLines(record)].join('\n'))}</metadata>${plot.svg.slice(open)}` };
  // the PNG and the SVG are one output set: both appear, or neither (a full disk, a signal); the
  // set makes the folder (checked before by the CLI's preAction hook) and removes it again when
  // it made it and the run fails or is stopped
  const files = await withOutputSet({}, async (set) => {
    await set.makeFolder(isFolderOutput(o.output) ? o.output : dirname(o.output)); // named as typed if it cannot be made
    return writePlot(base, rendered, set);
  });
  const result = { model: r.model, maxAbsDeltaChi: r.maxAbsDeltaChi, outOfPhase: r.outOfPhase ?? null, backInPhase: r.backInPhase ?? null, crossings: r.crossings, files };
  print(o, result, [
    `Refinement at ${o.nominalAngpix} Å/px models defocus ${r.model.defocusA.toFixed(0)} Å and Cs ${r.model.csMm.toFixed(3)} mm (true: ${o.defocus} Å, ${o.cs} mm).`,
    r.outOfPhase ? `The modelled CTF goes out of phase (|Δχ| > π/2) at ${r.outOfPhase.resolutionA.toFixed(2)} Å${r.backInPhase ? ` and comes back in phase at ${r.backInPhase.resolutionA.toFixed(2)} Å` : ''}.` : 'The modelled CTF stays within π/2 of the true one up to Nyquist: the correction is safe.',
    ...files.map((f) => `Wrote ${f}`),
  ]);
}

/**
 * Add `from-cs`, `groups` and `ctf-plot` to the `pixel-size` command.
 * @param typed the arguments as typed after `occupy` (recorded in `ctf-plot`'s SVG)
 */
export function addCalibrationCommands(cmd: Command, typed: readonly string[] = []): void {
  const out = (c: Command) => c.option('--json', 'print the result as one JSON object on stdout').option('-q, --quiet', 'print nothing but errors');
  out(
    cmd
      .command('from-cs')
      .description('true pixel size from the refined 4th-order aberration (apparent Cs), per optics group')
      .option('--star <file>', 'a STAR file with data_optics (rlnVoltage, rlnSphericalAberration, rlnEvenZernike, rlnImagePixelSize)')
      .option('--cs-true <mm>', 'the microscope\'s trusted Cs (default: rlnSphericalAberration / --cs)', rangeOption('--cs-true', CS_RANGE_OPEN))
      .option('--voltage <kV>', 'without --star: voltage', rangeOption('--voltage', VOLTAGE_RANGE))
      .option('--cs <mm>', 'without --star: nominal Cs', rangeOption('--cs', CS_RANGE))
      .option('--z40 <value>', 'without --star: the 7th rlnEvenZernike coefficient (not with --cs-apparent)', rangeOption('--z40', { min: -1e6, max: 1e6, unit: 'radians' }))
      .option('--cs-apparent <mm>', 'without --star: the apparent Cs directly (not with --z40)', rangeOption('--cs-apparent', CS_RANGE_OPEN))
      .option('--angpix <A>', 'without --star: nominal pixel size', angpixOption('--angpix')),
  ).action(async (o: FromCsOptions) => runFromCs(o));
  out(
    cmd
      .command('groups')
      .description('actual pixel size of the reconstruction and of every optics group from refined magnification matrices')
      .requiredOption('--star <file>', 'refined particles STAR with rlnMagMat00..11 per optics group')
      .requiredOption('--trusted-group <n|name>', 'the optics group whose pixel size you trust')
      .requiredOption('--trusted-angpix <A>', 'its true pixel size', angpixOption('--trusted-angpix')),
  ).action(async (o: GroupsOptions) => runGroups(o));
  out(
    cmd
      .command('ctf-plot')
      .description('plot the CTF at the true and the nominal pixel size (defocus refitted): where they go out of and back into phase')
      .requiredOption('--true-angpix <A>', 'true pixel size', angpixOption('--true-angpix'))
      .requiredOption('--nominal-angpix <A>', 'pixel size used in processing', angpixOption('--nominal-angpix'))
      .option('--voltage <kV>', 'voltage', rangeOption('--voltage', VOLTAGE_RANGE), 300)
      .option('--cs <mm>', 'spherical aberration', rangeOption('--cs', CS_RANGE), 2.7)
      .option('--defocus <A>', 'defocus (underfocus positive)', rangeOption('--defocus', { min: -200000, max: 200000, unit: 'Å' }), 10000)
      .option('--amplitude-contrast <Q>', 'amplitude contrast', rangeOption('--amplitude-contrast', { min: 0, max: 1, maxOpen: true }), 0.1)
      .option('--refit-cs', 'the refinement also refitted Cs (4th-order aberrations)')
      .option('-o, --output <path>', 'output PNG/SVG base name', 'ctf_pixel_size'),
  ).action(async (o: CtfPlotOptions) => runCtfPlot({ ...o, commandLine: [...typed] }));
}
