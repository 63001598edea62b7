/**
 * `occupy subtraction-mask SCALE ...` and `occupy soldef SCALE ...`: masks from a scale map
 * (spec §10).
 */
import { Command } from 'commander';
import { dirname, resolve } from 'node:path';
import { writeMrc, type MrcHeader } from '../../io/mrc/index.js';
import { readMapArg } from '../../jobs/read-map.js';
import type { Shape3, Volume } from '../../core/volume.js';
import { solventDefinitionFromScale, solventDefinitionName, subtractionMask, subtractionMaskName } from '../../occupancy/masks-from-scale.js';
import { angpixOption, rangeOption } from '../options.js';
import { Reporter } from '../reporter.js';
import { outputFile } from '../../jobs/output-path.js';
import { checkOutputNames } from '../../core/output-set.js';
import { UsageError } from '../../core/exit-codes.js';
import { diagnoseCommandInput } from '../../jobs/input-diagnostics.js';

/** Slack around [0, 1] for float rounding in a scale map written elsewhere. */
const SCALE_SLACK = 1e-4;

/**
 * The one warning for an input that is not a scale map in [0, 1] (e.g. the density map given by
 * mistake): its values are clipped to [0, 1] by the mask formulas, so the mask means nothing.
 * @param path the input as given
 * @param scale its voxels (any layout)
 * @returns the warning text, or undefined when every value is in [0, 1] (± 1e-4)
 */
export function notScaleMapWarning(path: string, scale: Float32Array): string | undefined {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < scale.length; i++) {
    const v = scale[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo >= -SCALE_SLACK && hi <= 1 + SCALE_SLACK) return undefined;
  const f = (v: number) => String(Number(v.toPrecision(3)));
  return `${path} is not a scale map in [0, 1] (values from ${f(lo)} to ${f(hi)}): the mask clips them to [0, 1] and means nothing; give the scale_occ_*/scale_res_* map that occupy wrote, not a density map`;
}

/** Descriptions shown in `occupy --help`. */
export const subtractionSummary = 'subtraction mask for RELION from a scale map (attenuation or sigmoid factor)';
export const soldefSummary = 'solvent definition (0/1 map) from a scale map, for --solvent-def';

/** Options common to both commands. */
interface MaskCommon {
  /** The arguments as typed after `occupy` (recorded in the mask's labels). */
  commandLine?: string[];
  like?: string;
  output?: string;
  angpix?: number;
  json?: boolean;
  quiet?: boolean;
}

/** Options of `occupy subtraction-mask`. */
export interface SubtractionMaskOptions extends MaskCommon {
  attenuate?: number;
  sigmoid?: number;
  pivot?: number;
}

/** Options of `occupy soldef`. */
export interface SoldefOptions extends MaskCommon {
  threshold: number;
}

function addCommon(cmd: Command): Command {
  return cmd
    .argument('<scale-map>', 'a scale map written by occupy (scale_occ_<stem>.mrc or scale_res_<stem>.mrc)')
    .option('--like <map>', 'resample the mask to this map\'s box and copy its header geometry (the input map when the scale was down-sampled)')
    .option('-o, --output <path>', 'output file (default: the standard name next to the scale map)')
    .option('--angpix <A>', 'voxel size in Å instead of the headers\'', angpixOption('--angpix'))
    .option('--json', 'print the result as one JSON object on stdout')
    .option('-q, --quiet', 'print only errors and the warning that the input is not a scale map');
}

/** Add `occupy subtraction-mask`'s arguments and options. */
export function addSubtractionMaskOptions(cmd: Command): Command {
  return addCommon(cmd)
    .option('--attenuate <power>', 'mask = scale^(g - 1)', rangeOption('--attenuate', { min: 1, max: 100, minOpen: true }, 'a power'))
    .option('--sigmoid <power>', 'mask = f(scale)/scale below --pivot, 1 above', rangeOption('--sigmoid', { min: 1, max: 100, minOpen: true }, 'a power'))
    .option('--pivot <scale>', 'pivot of --sigmoid, in [0.01, 0.99]', rangeOption('--pivot', { min: 0.01, max: 0.99 }));
}

/** Add `occupy soldef`'s arguments and options. */
export function addSoldefOptions(cmd: Command): Command {
  return addCommon(cmd).requiredOption('--threshold <scale>', 'voxels with scale above this are 1 (required)', rangeOption('--threshold', { min: 0, max: 1, maxOpen: true }));
}

async function readInputs(scalePath: string, like: string | undefined, o: MaskCommon): Promise<{ scale: Volume; header: MrcHeader; shape?: Shape3; likeVoxel?: Volume['voxelSizeA']; diagnostics?: object[] }> {
  const scale = await readMapArg(scalePath, 'scale map', o.angpix);
  if (!like) return { scale: scale.volume, header: scale.header };
  const ref = await readMapArg(like, '--like map', o.angpix);
  // --like resamples the scale map onto the other box over the same physical extent (the estimate's
  // Fourier crop undone): a map of another extent would stretch the mask
  const extent = (v: Volume) => v.shape.map((n, i) => n * v.voxelSizeA[i]);
  const [se, le] = [extent(scale.volume), extent(ref.volume)];
  if (se.some((e, i) => Math.abs(e - le[i]) > 0.01 * Math.max(e, le[i]))) {
    const text = (e: number[]) => e.map((x) => x.toFixed(1)).join(' x ');
    throw new RangeError(`--like map '${like}' spans ${text(le)} Å, the scale map '${scalePath}' ${text(se)} Å: --like resamples the mask over the same extent (the input map of a down-sampled estimate), so a map cropped, padded or of another voxel size would stretch it; give the map the estimate ran on`);
  }
  // the --like map is the density: input diagnostics (masked, sharpened …), each printed once
  const d = await diagnoseCommandInput(ref.volume, { what: `--like map ${like}` });
  const reporter = new Reporter(o.quiet ? 'quiet' : 'normal');
  for (const w of d.warnings) reporter.warn(w);
  return { scale: scale.volume, header: ref.header, shape: ref.volume.shape, likeVoxel: ref.volume.voxelSizeA, diagnostics: d.diagnostics };
}

/**
 * Write the mask, its labels recording the command line, every input's SHA-256 and `settings`.
 * @param protect the inputs (the scale map, then the --like map)
 */
async function writeMask(path: string, vol: Volume, header: MrcHeader, voxelSizeA: Volume['voxelSizeA'], what: string, protect: string[], o: MaskCommon, settings: Record<string, unknown>, warnings: string[] = [], diagnostics?: object[]): Promise<void> {
  const { jobLabels, jobRecord } = await import('../../jobs/resolution-job-common.js'); // loaded when a map is written (start-up)
  const record = await jobRecord(o.commandLine, protect, { ...settings, like: o.like ?? null, angpix: o.angpix ?? null });
  await writeMrc(path, { ...vol, voxelSizeA }, { template: header, labels: jobLabels(what, record), protect });
  let inside = 0;
  for (let i = 0; i < vol.data.length; i++) inside += vol.data[i];
  if (o.json) process.stdout.write(JSON.stringify({ output: path, what, box: vol.shape, voxelSizeA, meanValue: inside / vol.data.length, warnings, ...(diagnostics ? { diagnostics } : {}) }) + '\n');
  else if (!o.quiet) process.stdout.write(`Wrote ${path}\n`);
}

/** Print {@link notScaleMapWarning} once on stderr (even with --quiet: it invalidates the mask); returns it for --json. */
function warnIfNotScale(scalePath: string, scale: Volume, o: MaskCommon): string[] {
  const w = notScaleMapWarning(scalePath, scale.data);
  if (!w) return [];
  new Reporter(o.quiet ? 'quiet' : 'normal').critical(w);
  return [w];
}

/** Run `occupy subtraction-mask`. */
export async function runSubtractionMask(scalePath: string, o: SubtractionMaskOptions): Promise<void> {
  if ((o.attenuate === undefined) === (o.sigmoid === undefined)) throw new UsageError('give exactly one of --attenuate <g> or --sigmoid <g> --pivot <p>');
  if (o.sigmoid !== undefined && o.pivot === undefined) throw new UsageError('--sigmoid needs --pivot <scale>');
  if (o.pivot !== undefined && o.sigmoid === undefined) throw new UsageError('--pivot is only used with --sigmoid');
  const kind = o.attenuate !== undefined ? 'attenuate' : 'sigmoid';
  const gamma = (o.attenuate ?? o.sigmoid) as number;
  const out = outputFile(o.output, subtractionMaskName(kind, gamma, o.pivot), dirname(resolve(scalePath)));
  await checkOutputNames([out], { protect: [scalePath, ...(o.like ? [o.like] : [])], inputLabel: 'input map' }); // before reading
  const { scale, header, shape, likeVoxel, diagnostics } = await readInputs(scalePath, o.like, o);
  const warnings = warnIfNotScale(scalePath, scale, o);
  const mask = subtractionMask(scale, kind, gamma, o.pivot, shape);
  await writeMask(out, mask, header, likeVoxel ?? scale.voxelSizeA, `subtraction mask (${kind} ${gamma}${o.pivot !== undefined ? ` pivot ${o.pivot}` : ''})`, [scalePath, ...(o.like ? [o.like] : [])], o, { attenuate: o.attenuate ?? null, sigmoid: o.sigmoid ?? null, pivot: o.pivot ?? null }, warnings, diagnostics);
}

/** Run `occupy soldef`. */
export async function runSoldef(scalePath: string, o: SoldefOptions): Promise<void> {
  const out = outputFile(o.output, solventDefinitionName(o.threshold), dirname(resolve(scalePath)));
  await checkOutputNames([out], { protect: [scalePath, ...(o.like ? [o.like] : [])], inputLabel: 'input map' }); // before reading
  const { scale, header, shape, likeVoxel, diagnostics } = await readInputs(scalePath, o.like, o);
  const warnings = warnIfNotScale(scalePath, scale, o);
  const def = solventDefinitionFromScale(scale, o.threshold, shape);
  await writeMask(out, def, header, likeVoxel ?? scale.voxelSizeA, `solvent definition: scale > ${o.threshold}`, [scalePath, ...(o.like ? [o.like] : [])], o, { threshold: o.threshold }, warnings, diagnostics);
}
