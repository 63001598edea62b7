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
import { writeMrc } from '../../io/mrc/index.js';
import { resampleToVoxelSize } from '../../filters/resample-voxel-size.js';
import { OCCUPY_VERSION } from '../../occupancy/estimate-files.js';
import { integerOption, numberOption } from '../options.js';
import { readMapArg } from '../read-map.js';

/** Description shown in `occupy --help`. */
export const summary = 'pixel size: set, resample, from-cs (Cs calibration), groups (optics groups), ctf-plot';

/** The warning RELION gives for rescaled maps. */
export const RESCALED_MAP_WARNING = 'a map with a changed voxel size must not be used as a reference for further refinement (RELION\'s advice): refine with the original data and correct the pixel size in post-processing';

/** Options of `pixel-size set` / `resample`. */
export interface MapPixelOptions {
  angpix: number;
  output: string;
  box?: number;
  json?: boolean;
  quiet?: boolean;
}

function out(o: { json?: boolean; quiet?: boolean }, result: Record<string, unknown>, lines: string[]): void {
  if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
  else if (!o.quiet) process.stdout.write(lines.join('\n') + '\n');
}

/** Run `pixel-size set`. */
export async function runSet(mapPath: string, o: MapPixelOptions): Promise<void> {
  const m = await readMapArg(mapPath, 'map');
  const before = [...m.volume.voxelSizeA];
  await writeMrc(o.output, { ...m.volume, voxelSizeA: [o.angpix, o.angpix, o.angpix] }, { template: m.header, labels: [...m.header.labels.slice(0, 9), `occupy-ts ${OCCUPY_VERSION}: voxel size set to ${o.angpix} A (was ${before.map((a) => a.toFixed(4)).join(',')})`], protect: [mapPath] });
  process.stderr.write(`WARNING: ${RESCALED_MAP_WARNING}\n`);
  out(o, { input: mapPath, output: o.output, box: m.volume.shape, voxelSizeBeforeA: before, voxelSizeA: o.angpix, cellA: m.volume.shape.map((n) => n * o.angpix) }, [
    `Voxel size ${before.map((a) => a.toFixed(4)).join(', ')} Å → ${o.angpix} Å (cell ${m.volume.shape.map((n) => (n * o.angpix).toFixed(2)).join(' × ')} Å); data untouched.`,
    `Wrote ${o.output}`,
  ]);
}

/** Run `pixel-size resample`. */
export async function runResample(mapPath: string, o: MapPixelOptions): Promise<void> {
  const m = await readMapArg(mapPath, 'map');
  const box = o.box !== undefined ? ([o.box, o.box, o.box] as const) : undefined;
  const r = resampleToVoxelSize(m.volume, o.angpix, box);
  const scale = r.shape.map((n, i) => n / m.volume.shape[i]);
  const header = { ...m.header, nxstart: Math.round(m.header.nxstart * scale[0]), nystart: Math.round(m.header.nystart * scale[1]), nzstart: Math.round(m.header.nzstart * scale[2]) };
  await writeMrc(o.output, r, { template: header, labels: [`occupy-ts ${OCCUPY_VERSION}: Fourier-resampled to ${r.voxelSizeA[0].toFixed(4)} A, box ${r.shape.join('x')}`], protect: [mapPath] });
  process.stderr.write(`WARNING: ${RESCALED_MAP_WARNING}\n`);
  const exact = r.voxelSizeA.every((a) => Math.abs(a - o.angpix) < 1e-6 * o.angpix);
  out(o, { input: mapPath, output: o.output, boxBefore: m.volume.shape, box: r.shape, voxelSizeBeforeA: m.volume.voxelSizeA, voxelSizeA: r.voxelSizeA, requestedVoxelSizeA: o.angpix }, [
    `Box ${m.volume.shape.join('×')} at ${m.volume.voxelSizeA[0].toFixed(4)} Å → ${r.shape.join('×')} at ${r.voxelSizeA.map((a) => a.toFixed(4)).join(', ')} Å${exact ? '' : ` (nearest to the requested ${o.angpix} Å that keeps a whole number of voxels)`}.`,
    `Wrote ${o.output}`,
  ]);
}

/** Add the `pixel-size` subcommands to a command. */
export function addPixelSizeCommands(cmd: Command, more: (cmd: Command) => void = () => {}): Command {
  const common = (c: Command) =>
    c
      .argument('<map>', 'input map')
      .requiredOption('--angpix <A>', 'the new voxel size in Å', numberOption('--angpix', (v) => v > 0, 'a number of Å > 0'))
      .requiredOption('-o, --output <path>', 'output map')
      .option('--json', 'print the result as one JSON object on stdout')
      .option('-q, --quiet', 'print nothing but errors and the warning');
  common(cmd.command('set').description('copy a map with a new voxel size in the header (cell = box × A), data untouched')).action(async (map: string, o: MapPixelOptions) => runSet(map, o));
  common(cmd.command('resample').description('Fourier-resample a map to a new voxel size, then crop/pad to --box'))
    .option('--box <N>', 'output box edge in voxels (real-space crop or pad)', integerOption('--box', 1))
    .action(async (map: string, o: MapPixelOptions) => runResample(map, o));
  more(cmd);
  return cmd;
}
