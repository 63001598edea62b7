/**
 * `occupy pixel-size from-cs | groups | ctf-plot`: pixel-size calibration from refined optics.
 */
import { Command } from 'commander';
import { join, dirname, resolve } from 'node:path';
import { readStar } from '../../io/star/index.js';
import { apparentCsMm, electronWavelengthA, fromCsForOpticsTable, groupPixelSizes, truePixelSizeFromCs, ctfComparison, ctfComparisonSpec, type OpticsGroupFromCs } from '../../pixel-size/index.js';
import { numberOption } from '../options.js';

const angstrom = (v: number, d = 4) => `${v.toFixed(d)} Å`;

function print(o: { json?: boolean; quiet?: boolean }, result: unknown, lines: string[]): void {
  if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
  else if (!o.quiet) process.stdout.write(lines.join('\n') + '\n');
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

/** Run `pixel-size from-cs`: from a STAR optics table or from flags. */
export async function runFromCs(o: FromCsOptions): Promise<void> {
  let groups: OpticsGroupFromCs[];
  if (o.star) {
    groups = fromCsForOpticsTable(await readStar(o.star), o.csTrue);
  } else {
    if (o.voltage === undefined || o.cs === undefined || o.angpix === undefined || (o.z40 === undefined && o.csApparent === undefined)) {
      throw new RangeError('give --star optics.star, or --voltage, --cs, --angpix and one of --z40 / --cs-apparent');
    }
    const wavelengthA = electronWavelengthA(o.voltage);
    const csApparent = o.csApparent ?? apparentCsMm(o.cs, o.z40 as number, o.voltage);
    const csTrue = o.csTrue ?? o.cs;
    groups = [{ group: 1, name: '', voltageKv: o.voltage, wavelengthA, csNominalMm: o.cs, z40: o.z40 ?? Number.NaN, csApparentMm: csApparent, csTrueMm: csTrue, nominalPixelA: o.angpix, truePixelA: truePixelSizeFromCs({ nominalPixelA: o.angpix, csTrueMm: csTrue, csApparentMm: csApparent }) }];
  }
  const lines = groups.flatMap((g) => [
    `Optics group ${g.group}${g.name ? ` (${g.name})` : ''}:`,
    `  voltage ${g.voltageKv} kV → electron wavelength λ = ${g.wavelengthA.toFixed(6)} Å`,
    `  Cs nominal ${g.csNominalMm} mm${Number.isFinite(g.z40) ? `, Z40 = ${g.z40.toPrecision(6)} → apparent Cs = Cs + 12·Z40·1e-7/(π λ³) = ${g.csApparentMm.toFixed(4)} mm` : `, apparent Cs ${g.csApparentMm.toFixed(4)} mm`}`,
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

/** Run `pixel-size groups`. */
export async function runGroups(o: GroupsOptions): Promise<void> {
  const group = /^\d+$/.test(o.trustedGroup) ? Number(o.trustedGroup) : o.trustedGroup;
  const r = groupPixelSizes(await readStar(o.star), { group, pixelA: o.trustedAngpix });
  const lines = [
    `Reconstruction: nominal ${angstrom(r.referenceNominalPixelA)}, actual ${angstrom(r.reconstructionPixelA)} (trusted: group ${o.trustedGroup} at ${o.trustedAngpix} Å)`,
    ...r.groups.map((g) => `Group ${g.group}${g.name ? ` (${g.name})` : ''}: nominal ${angstrom(g.nominalPixelA)}, magnification ${g.magnification.toFixed(4)} (anisotropy ${g.anisotropy.toFixed(4)}) → actual ${angstrom(g.truePixelA)}`),
    'Correct the final map with `occupy pixel-size set MAP --angpix <actual reconstruction pixel size>`.',
  ];
  print(o, r, lines);
}

/** Options of `pixel-size ctf-plot`. */
export interface CtfPlotOptions {
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
  const r = ctfComparison({ truePixelA: o.trueAngpix, nominalPixelA: o.nominalAngpix, voltageKv: o.voltage, csMm: o.cs, defocusA: o.defocus, amplitudeContrast: o.amplitudeContrast, refitCs: o.refitCs === true });
  const { renderVegaLite, writePlot } = await import('../../plots/render.js'); // on demand: slow to import
  const base = resolve(o.output).replace(/\.(png|svg)$/i, '');
  const files = await writePlot(join(dirname(base), base.split('/').pop() as string), await renderVegaLite(ctfComparisonSpec(r, `CTF at ${o.trueAngpix} Å/px (true) vs ${o.nominalAngpix} Å/px (nominal)${o.refitCs ? ', Cs refitted' : ''}`)));
  const result = { model: r.model, maxAbsDeltaChi: r.maxAbsDeltaChi, outOfPhase: r.outOfPhase ?? null, backInPhase: r.backInPhase ?? null, crossings: r.crossings, files };
  print(o, result, [
    `Refinement at ${o.nominalAngpix} Å/px models defocus ${r.model.defocusA.toFixed(0)} Å and Cs ${r.model.csMm.toFixed(3)} mm (true: ${o.defocus} Å, ${o.cs} mm).`,
    r.outOfPhase ? `The modelled CTF goes out of phase (|Δχ| > π/2) at ${r.outOfPhase.resolutionA.toFixed(2)} Å${r.backInPhase ? ` and comes back in phase at ${r.backInPhase.resolutionA.toFixed(2)} Å` : ''}.` : 'The modelled CTF stays within π/2 of the true one up to Nyquist: the correction is safe.',
    ...files.map((f) => `Wrote ${f}`),
  ]);
}

/** Add `from-cs`, `groups` and `ctf-plot` to the `pixel-size` command. */
export function addCalibrationCommands(cmd: Command): void {
  const out = (c: Command) => c.option('--json', 'print the result as one JSON object on stdout').option('-q, --quiet', 'print nothing but errors');
  out(
    cmd
      .command('from-cs')
      .description('true pixel size from the refined 4th-order aberration (apparent Cs), per optics group')
      .option('--star <file>', 'a STAR file with data_optics (rlnVoltage, rlnSphericalAberration, rlnEvenZernike, rlnImagePixelSize)')
      .option('--cs-true <mm>', 'the microscope\'s trusted Cs (default: rlnSphericalAberration / --cs)', numberOption('--cs-true', (v) => v >= 0, 'a number of mm >= 0'))
      .option('--voltage <kV>', 'without --star: voltage', numberOption('--voltage', (v) => v > 0, 'a number of kV > 0'))
      .option('--cs <mm>', 'without --star: nominal Cs', numberOption('--cs', (v) => v >= 0, 'a number of mm >= 0'))
      .option('--z40 <value>', 'without --star: the 7th rlnEvenZernike coefficient', numberOption('--z40'))
      .option('--cs-apparent <mm>', 'without --star: the apparent Cs directly', numberOption('--cs-apparent', (v) => v > 0, 'a number of mm > 0'))
      .option('--angpix <A>', 'without --star: nominal pixel size', numberOption('--angpix', (v) => v > 0, 'a number of Å > 0')),
  ).action(async (o: FromCsOptions) => runFromCs(o));
  out(
    cmd
      .command('groups')
      .description('actual pixel size of the reconstruction and of every optics group from refined magnification matrices')
      .requiredOption('--star <file>', 'refined particles STAR with rlnMagMat00..11 per optics group')
      .requiredOption('--trusted-group <n|name>', 'the optics group whose pixel size you trust')
      .requiredOption('--trusted-angpix <A>', 'its true pixel size', numberOption('--trusted-angpix', (v) => v > 0, 'a number of Å > 0')),
  ).action(async (o: GroupsOptions) => runGroups(o));
  out(
    cmd
      .command('ctf-plot')
      .description('plot the CTF at the true and the nominal pixel size (defocus refitted): where they go out of and back into phase')
      .requiredOption('--true-angpix <A>', 'true pixel size', numberOption('--true-angpix', (v) => v > 0, 'a number of Å > 0'))
      .requiredOption('--nominal-angpix <A>', 'pixel size used in processing', numberOption('--nominal-angpix', (v) => v > 0, 'a number of Å > 0'))
      .option('--voltage <kV>', 'voltage', numberOption('--voltage', (v) => v > 0, 'a number of kV > 0'), 300)
      .option('--cs <mm>', 'spherical aberration', numberOption('--cs', (v) => v >= 0, 'a number of mm >= 0'), 2.7)
      .option('--defocus <A>', 'defocus (underfocus positive)', numberOption('--defocus'), 10000)
      .option('--amplitude-contrast <Q>', 'amplitude contrast', numberOption('--amplitude-contrast', (v) => v >= 0 && v < 1, 'in [0, 1)'), 0.1)
      .option('--refit-cs', 'the refinement also refitted Cs (4th-order aberrations)')
      .option('-o, --output <path>', 'output PNG/SVG base name', 'ctf_pixel_size'),
  ).action(async (o: CtfPlotOptions) => runCtfPlot(o));
}
