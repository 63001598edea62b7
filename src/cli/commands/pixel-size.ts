/**
 * `occupy pixel-size ...`: correct or calibrate the pixel size (RELION conventions).
 *
 * - `set MAP --angpix A -o OUT`: new voxel size in the header, data untouched.
 * - `resample MAP --angpix A [--box N] -o OUT`: Fourier resampling to a new voxel size.
 * - `from-cs`: true pixel size from the refined 4th-order aberration (apparent Cs).
 * - `groups`: actual pixel sizes of the reconstruction and every optics group.
 * - `ctf-plot`: the CTF at the true and the nominal pixel size.
 */
import { Command } from 'commander';
import { readMrc, writeMrc } from '../../io/mrc/index.js';
import { statRegularFileSync } from '../../core/regular-file.js';
import type { Shape3, Volume } from '../../core/volume.js';
import { openMrcSections } from '../../io/mrc/index.js';
import { resampledStartHeader, shiftedStartHeader } from '../../io/mrc/origin.js';
import { cropOrPad, resampledShape } from '../../filters/resample-voxel-size.js';
import { resampleSections } from '../../filters/resample-sections.js';
import { angpixOption, checkVoxelSize, integerOption, OptionRangeError } from '../options.js';
import { readMapArg } from '../../jobs/read-map.js';
import { checkResampleMemory } from '../../jobs/memory-check.js';
import { outputFile } from '../../jobs/output-path.js';
import { checkOutputNames } from '../../core/output-set.js';
import { mapStem } from '../../occupancy/output-names.js';
import { diagnoseCommandInput, type InputDiagnostics } from '../../jobs/input-diagnostics.js';
import { Reporter } from '../reporter.js';

/** Description shown in `occupy --help`. */
export const summary = 'pixel size: set, resample, from-cs (Cs calibration), groups (optics groups), ctf-plot';

/** The warning RELION gives for rescaled maps. */
export const RESCALED_MAP_WARNING = 'a map with a changed voxel size must not be used as a reference for further refinement (RELION\'s advice): refine with the original data and correct the pixel size in post-processing';

/** Largest box edge `pixel-size resample` computes (voxels). */
export const RESAMPLE_MAX_EDGE = 4096;
/** Largest `--box` of `pixel-size resample`: the largest cube of at most 2³¹ voxels. */
export const RESAMPLE_MAX_CUBE = 1290;
/** Largest number of voxels `pixel-size resample` computes (2³¹: 8 GiB of float32). */
export const RESAMPLE_MAX_VOXELS = 2 ** 31;

/**
 * Refuse a resampled box that cannot be held in memory (an edge above {@link RESAMPLE_MAX_EDGE}
 * or more than {@link RESAMPLE_MAX_VOXELS} voxels).
 * @param box the box `--angpix` leads to, in voxels
 * @param what how the box came about, for the message
 * @throws OptionRangeError naming `--angpix` and the limits
 */
export function checkResampleBox(box: readonly number[], what: string): void {
  const voxels = box.reduce((a, n) => a * n, 1);
  if (box.some((n) => !(n >= 1 && n <= RESAMPLE_MAX_EDGE)) || voxels > RESAMPLE_MAX_VOXELS) {
    throw new OptionRangeError(`${what}, more than resample handles (at most ${RESAMPLE_MAX_EDGE} per edge and 2^31 voxels); choose a coarser --angpix or crop the map first`);
  }
}

/** `pixel-size resample` reads the input whole for the input diagnostics up to this many voxels (256³: 64 MiB). */
export const DIAGNOSE_WHOLE_MAX_VOXELS = 256 ** 3;

/** Options of `pixel-size set` / `resample`. */
export interface MapPixelOptions {
  /** The arguments as typed after `occupy` (recorded in the labels of the map written). */
  commandLine?: string[];
  angpix: number;
  output: string;
  box?: number;
  json?: boolean;
  quiet?: boolean;
  /** Memory available in bytes, for `resample`'s check before it computes (default: from the system, `availableMemoryBytes`; tests set it). */
  availableMemoryBytes?: number;
}

/** Print the input diagnostics once on stderr (not with --quiet). */
function warnFindings(o: { quiet?: boolean }, d: InputDiagnostics): void {
  if (!o.quiet) for (const w of d.warnings) process.stderr.write(`WARNING: ${w}\n`);
}

function out(o: { json?: boolean; quiet?: boolean }, result: Record<string, unknown>, lines: string[]): void {
  if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
  else if (!o.quiet) process.stdout.write(lines.join('\n') + '\n');
}

/** Run `pixel-size set`. */
export async function runSet(mapPath: string, o: MapPixelOptions): Promise<void> {
  checkVoxelSize('--angpix', o.angpix);
  o = { ...o, output: outputFile(o.output, `${mapStem(mapPath)}_${o.angpix}.mrc`) }; // -o DIR/ → DIR/<stem>_<angpix>.mrc
  // the header's cell is replaced: a zero or invalid one is not an error here (this is how to fix it)
  statRegularFileSync(mapPath, 'map'); // no such file, permission denied, a folder: before the output is looked at
  // an output that is the input, a symbolic link or a folder is refused before the map is read
  await checkOutputNames([o.output], { protect: [mapPath], inputLabel: 'input map' });
  // phases on stderr as the estimate prints them (read, diagnostics, write; nothing with --quiet)
  const reporter = new Reporter(o.quiet ? 'quiet' : 'normal');
  reporter.progress('read', 0);
  const m = await readMrc(mapPath, { ignoreCell: true, shared: true }); // shared: the diagnostics' thread takes no copy
  const cellValid = m.header.cella.every((c) => c > 0 && Number.isFinite(c));
  checkVoxelSize('--angpix', o.angpix, m.volume.shape);
  reporter.progress('diagnostics', 0.3);
  // input diagnostics (masked, sharpened …), printed once; in a worker thread, so that a signal is
  // acted on at once (on this thread SIGINT waited 6.3 s at 256³ on a loaded machine)
  const diag = await diagnoseCommandInput(m.volume, { inThread: true });
  reporter.progress('write', 0.6);
  warnFindings(o, diag);
  // with an invalid cell the reader's stand-in 1 Å is no voxel size: --json says null (it had said [1, 1, 1]) and gives the cell
  const before = [...m.volume.voxelSizeA];
  const wasText = cellValid ? before.map((a) => a.toFixed(4)).join(',') : `cell ${m.header.cella.join(',')}`;
  // labels: what it is, the record (command, input SHA-256, settings), then the input's own labels
  // as room remains (as resample's; before session 50 set recorded neither command nor hash)
  const { jobLabels, jobRecord } = await import('../../jobs/resolution-job-common.js'); // loaded when a map is written (start-up)
  const record = await jobRecord(o.commandLine, [mapPath], { angpix: o.angpix });
  await writeMrc(o.output, { ...m.volume, voxelSizeA: [o.angpix, o.angpix, o.angpix] }, { template: m.header, labels: jobLabels(`voxel size set to ${o.angpix} A (was ${wasText})`, record, m.header.labels), protect: [mapPath] });
  reporter.finish();
  process.stderr.write(`WARNING: ${RESCALED_MAP_WARNING}\n`);
  out(o, { input: mapPath, output: o.output, box: m.volume.shape, voxelSizeBeforeA: cellValid ? before : null, ...(cellValid ? {} : { cellBeforeA: [...m.header.cella] }), voxelSizeA: o.angpix, cellA: m.volume.shape.map((n) => n * o.angpix), diagnostics: diag.diagnostics }, [
    `Voxel size ${cellValid ? `${before.map((a) => a.toFixed(4)).join(', ')} Å` : `unknown (header cell ${m.header.cella.join(', ')})`} → ${o.angpix} Å (cell ${m.volume.shape.map((n) => (n * o.angpix).toFixed(2)).join(' × ')} Å); data untouched.`,
    `Wrote ${o.output}`,
  ]);
}

/**
 * Run `pixel-size resample`. The map is read section by section into the Fourier crop/pad
 * (`resampleSections`), never whole: the memory is the result, the crop's work block (1.1 GB for
 * 1024³ → 512³) and two 32 MiB slabs, so a 4 GiB map is resampled to 2× its voxel size in about
 * 2 GB. Same numbers as `resampleToVoxelSize` on the whole map.
 */
export async function runResample(mapPath: string, o: MapPixelOptions): Promise<void> {
  checkVoxelSize('--angpix', o.angpix);
  o = { ...o, output: outputFile(o.output, `${mapStem(mapPath)}_${o.angpix}.mrc`) }; // -o DIR/ → DIR/<stem>_<angpix>.mrc
  statRegularFileSync(mapPath, 'map'); // no such file, permission denied, a folder: before the output is looked at
  // an output that is the input, a symbolic link or a folder is refused before the map is read
  await checkOutputNames([o.output], { protect: [mapPath], inputLabel: 'input map' });
  // phases on stderr as the estimate prints them (resample, diagnostics, write; nothing with
  // --quiet): a 256³ map resampled to 348³ had taken 3.5 s without a line (session 54)
  const reporter = new Reporter(o.quiet ? 'quiet' : 'normal');
  reporter.progress('read', 0);
  const reader = await openMrcSections(mapPath, { shared: true }); // slabs shared with the crop's second thread
  let r: Volume;
  let diag: InputDiagnostics;
  let fullShape: Shape3;
  const m = { header: reader.header, volume: { shape: reader.shape, voxelSizeA: reader.voxelSizeA } };
  try {
    checkVoxelSize('--angpix', o.angpix, m.volume.shape);
    const resampled = resampledShape(m.volume.shape, m.volume.voxelSizeA, o.angpix);
    checkResampleBox(resampled, `--angpix ${o.angpix} would resample the ${m.volume.shape.join('x')} map at ${m.volume.voxelSizeA.map((a) => a.toFixed(4)).join(', ')} Å to ${resampled.join('x')} voxels`);
    const box: Shape3 | undefined = o.box !== undefined ? [o.box, o.box, o.box] : undefined;
    // the result, the crop's half spectrum and --box's copy, before any of them is allocated (a
    // 128³ map to 0.1 Å had started on 17 GB without a check; session 55)
    checkResampleMemory(mapPath, m.volume.shape, resampled, box && box.some((n, i) => n !== resampled[i]) ? box : undefined, reader.order, o.availableMemoryBytes);
    reporter.progress('resample', 0);
    const full = (await resampleSections(reader, resampled, { threads: true })).volume;
    reporter.progress('diagnostics', 0.6);
    // input diagnostics: on the input when it is small enough to read whole (resampling fills a
    // mask's exact zeros with ringing), else on the resampled map before --box (a pad adds zeros)
    const inputVoxels = m.volume.shape[0] * m.volume.shape[1] * m.volume.shape[2];
    diag = inputVoxels <= DIAGNOSE_WHOLE_MAX_VOXELS ? await diagnoseCommandInput((await readMapArg(mapPath, 'map', undefined, undefined, true)).volume, { inThread: true }) : await diagnoseCommandInput(full);
    fullShape = full.shape;
    r = box ? cropOrPad(full, box) : full;
  } finally {
    await reader.close();
  }
  reporter.progress('write', 0.8);
  warnFindings(o, diag);
  // voxel (0, 0, 0) keeps its place in Å: starts scaled along their own physical axes (mapc/mapr/maps),
  // then moved by --box's centred crop/pad offset (cropOrPad's floor(n/2) - floor(m/2))
  const resampledHeader = resampledStartHeader(m.header, m.volume.shape, fullShape, m.volume.voxelSizeA);
  const header = shiftedStartHeader(resampledHeader, [0, 1, 2].map((i) => Math.floor(fullShape[i] / 2) - Math.floor(r.shape[i] / 2)), r.voxelSizeA);
  // labels: what it is, the record (command, input SHA-256, settings), then the input's own labels as room remains
  const { jobLabels, jobRecord } = await import('../../jobs/resolution-job-common.js'); // loaded when a map is written (start-up)
  const record = await jobRecord(o.commandLine, [mapPath], { angpix: o.angpix, box: o.box ?? null });
  await writeMrc(o.output, r, { template: header, labels: jobLabels(`Fourier-resampled to ${r.voxelSizeA[0].toFixed(4)} A, box ${r.shape.join('x')}`, record, m.header.labels), protect: [mapPath] });
  reporter.finish();
  process.stderr.write(`WARNING: ${RESCALED_MAP_WARNING}\n`);
  const exact = r.voxelSizeA.every((a) => Math.abs(a - o.angpix) < 1e-6 * o.angpix);
  out(o, { input: mapPath, output: o.output, boxBefore: m.volume.shape, box: r.shape, voxelSizeBeforeA: m.volume.voxelSizeA, voxelSizeA: r.voxelSizeA, requestedVoxelSizeA: o.angpix, diagnostics: diag.diagnostics }, [
    `Box ${m.volume.shape.join('×')} at ${m.volume.voxelSizeA[0].toFixed(4)} Å → ${r.shape.join('×')} at ${r.voxelSizeA.map((a) => a.toFixed(4)).join(', ')} Å${exact ? '' : ` (a whole number of voxels on each axis: the most nearly cubic voxels near the requested ${o.angpix} Å)`}.`,
    `Wrote ${o.output}`,
  ]);
}

/**
 * Add the `pixel-size` subcommands to a command.
 * @param more adds further subcommands (the calibration's)
 * @param typed the arguments as typed after `occupy` (recorded in the labels of `set`'s and `resample`'s maps)
 */
export function addPixelSizeCommands(cmd: Command, more: (cmd: Command) => void = () => {}, typed: readonly string[] = []): Command {
  const common = (c: Command) =>
    c
      .argument('<map>', 'input map')
      .requiredOption('--angpix <A>', 'the new voxel size in Å', angpixOption('--angpix'))
      .requiredOption('-o, --output <path>', 'output map')
      .option('--json', 'print the result as one JSON object on stdout')
      .option('-q, --quiet', 'print nothing but errors and the warning');
  common(cmd.command('set').description('copy a map with a new voxel size in the header (cell = box × A), data untouched')).action(async (map: string, o: MapPixelOptions) => runSet(map, { ...o, commandLine: [...typed] }));
  common(cmd.command('resample').description('Fourier-resample a map to a new voxel size, then crop/pad to --box'))
    .option('--box <N>', 'output box edge in voxels (real-space crop or pad)', integerOption('--box', 1, `an integer in 1..${RESAMPLE_MAX_CUBE} (at most 2^31 voxels)`, RESAMPLE_MAX_CUBE))
    .action(async (map: string, o: MapPixelOptions) => runResample(map, { ...o, commandLine: [...typed] }));
  more(cmd);
  return cmd;
}
