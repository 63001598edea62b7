/**
 * The files one command writes for one output stem (its output family), and those of an earlier
 * run in the same folder that a new run does not write. A run writes only part of its family
 * (each locres method its own interval maps, an estimate its plots and `--save-all-maps` maps
 * when asked, decompose its sharpened map and plots when asked, the GUI's half-map run the directional
 * FSC and decompose when ticked): a later run into the same folder had left the earlier run's
 * files beside its own, where they read as its outputs (sessions 56, 57). A run removes them as
 * part of its output set (`OutputSet.retire`), and names them in its log; only the tool's own
 * names for the stem are ever listed, and never a link, a folder or an input, however named, nor a
 * file whose content says it is another kind of output (another map's whose name coincides:
 * `./output-kind.ts`). Names without a stem, as the GUI's `soldef_by_scale_<t>.mrc`, belong to no
 * family: they cannot say whose they are, so they are never removed.
 */
import { lstat, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { refuseInputs, type OutputSet } from '../core/output-set.js';
import { KIND_WORDS, outputKind, type OutputKind } from './output-kind.js';

/** The names a command writes for one output stem. */
export interface OutputFamily {
  /** Fixed names, in the order a log lists them. */
  names: readonly string[];
  /**
   * The kind of output each name holds, where its content tells (`outputKind`): a file under the
   * name whose content says it is another kind (the output of another map whose names coincide,
   * e.g. `chimX_a_silent.cxc`, the script of `a_silent.mrc`) is not this family's and is kept.
   */
  kinds?: Readonly<Record<string, OutputKind>>;
}

/** The two files of a plot written by `writePlot` (`<base>.png`, `<base>.svg`). */
function plot(base: string): string[] {
  return [`${base}.png`, `${base}.svg`];
}

/**
 * Every name `occupy locres` may write for the output map `<outStem>.mrc` (whatever the method):
 * the map, its pinned and 90 % interval maps (local FSC all three, MonoRes `_pinned`, `--relion`,
 * ResMap and MonoTomo none), the locally low-passed map (`--filter`), the histogram plot and the log.
 * @param outStem the output map's name without `.mrc` (`locres_<stem>` by default)
 */
export function locresFamily(outStem: string): OutputFamily {
  return {
    names: [`${outStem}.mrc`, ...['_pinned.mrc', '_low.mrc', '_high.mrc', '_filtered.mrc', '_histogram.png', '_histogram.svg', '_log.txt'].map((s) => `${outStem}${s}`)],
    kinds: {
      [`${outStem}.mrc`]: 'locres map',
      [`${outStem}_pinned.mrc`]: 'locres pinned map',
      [`${outStem}_low.mrc`]: 'locres interval map (finer end)',
      [`${outStem}_high.mrc`]: 'locres interval map (coarser end)',
      [`${outStem}_filtered.mrc`]: 'locres filtered map',
      [`${outStem}_log.txt`]: 'locres log',
    },
  };
}

/**
 * The names an estimate (`occupy MAP`) writes for the stem `<stem>` under a fixed name whatever
 * its settings, which an earlier run's file would pass for: the confidence, the log, the ChimeraX
 * scripts, `--save-all-maps`' low-passed and down-sampled maps and the solvent-model plot. Not
 * listed, so never removed: the scale of either mode (`scale_res_`, `scale_occ_`) and the modified
 * maps (`ampl_<γ>_`, `attn_<γ>_`, `sigm_<γ>-<pivot>_`, `solExcl_`, their `factor_` maps), whose
 * names say what they are, with their curves (`gamma_modification_`, `sigmoid_modification_`): a
 * user compares both modes, or a sweep of powers (`for g in 2 3 4; do occupy MAP --amplify $g -o
 * d/; done`), in one folder.
 * @param stem the output stem (the map's file name without extension, or `--output-stem`)
 */
export function estimateFamily(stem: string): OutputFamily {
  return {
    names: [
      `conf_${stem}.mrc`, `lowpass_${stem}.mrc`, `downsampled_${stem}.mrc`,
      ...plot(`solModel_${stem}`),
      `log_${stem}.txt`, `chimX_${stem}.cxc`, `chimX_${stem}_silent.cxc`,
    ],
    kinds: { [`log_${stem}.txt`]: 'estimate log', [`chimX_${stem}.cxc`]: 'estimate ChimeraX script', [`chimX_${stem}_silent.cxc`]: 'estimate silent ChimeraX script' },
  };
}

/**
 * Every name `occupy decompose` may write for the stem `<stem>`: relative occupancy, local B,
 * usable bands, the locally B-sharpened map (`--sharpen`), the plots (`--plot`), the ChimeraX
 * script and the log.
 * @param stem the output stem
 */
export function decomposeFamily(stem: string): OutputFamily {
  return {
    names: [
      `occupancy_${stem}.mrc`, `bfactor_${stem}.mrc`, `bands_${stem}.mrc`, `locbsharp_${stem}.mrc`,
      ...plot(`guinier_${stem}`), ...plot(`occupancy_hist_${stem}`), ...plot(`bfactor_hist_${stem}`),
      `chimX_decompose_${stem}.cxc`, `log_decompose_${stem}.txt`,
    ],
    kinds: { [`chimX_decompose_${stem}.cxc`]: 'decompose ChimeraX script', [`log_decompose_${stem}.txt`]: 'decompose log' },
  };
}

/**
 * Every name `occupy fsc --directional` writes for the output prefix `<prefix>` (`3dfsc_<stem>`):
 * the 3D FSC, the resolution per direction, the FSC along x, y, z, the plot and the log.
 * @param prefix the output prefix, a file name
 */
export function directionalFscFamily(prefix: string): OutputFamily {
  return { names: [`${prefix}.mrc`, `${prefix}.csv`, `${prefix}_xyz.csv`, ...plot(prefix), `${prefix}_log.txt`] };
}

/**
 * The files in `dir` of the given output families that this run does not write: present as
 * regular files (not a link, not a folder), not among `written` and not an input of the run
 * (compared as files). Only the families' own names are ever listed.
 * @param dir the folder the outputs end up in
 * @param families the run's output families (e.g. one estimate's, or a half-map run's locres, directional FSC and decompose)
 * @param written the names (or paths) this run writes
 * @param inputs the run's input files (never listed, however named)
 * @returns their paths in `dir`, each family's names in order; none when `dir` cannot be listed
 */
export async function staleOutputs(dir: string, families: readonly OutputFamily[], written: readonly string[], inputs: readonly string[]): Promise<string[]> {
  const writes = new Set(written.map((w) => basename(w)));
  const named = new Set(await readdir(dir).catch(() => [] as string[]));
  const candidates = families.flatMap((f) => f.names.filter((n) => named.has(n)));
  const kinds = new Map(families.flatMap((f) => Object.entries(f.kinds ?? {})));
  const stale: string[] = [];
  for (const name of new Set(candidates)) {
    if (writes.has(name)) continue;
    const path = join(dir, name);
    if (!(await lstat(path).catch(() => undefined))?.isFile()) continue;
    // another map's output whose name coincides (its content says another kind): not ours
    const kind = kinds.get(name);
    const found = kind === undefined ? undefined : await outputKind(path);
    if (found !== undefined && found !== kind) continue;
    if (!(await refuseInputs(path, inputs).then(() => true, () => false))) continue;
    stale.push(path);
  }
  return stale;
}

/**
 * {@link staleOutputs} in `dir`, given to `outputs` to remove at its commit
 * (`OutputSet.retire`) when `remove`; else only listed (the caller moves the outputs into `dir`
 * later and removes them then).
 * @returns the stale files' paths, as {@link staleOutputs}
 */
export async function retireStaleOutputs(outputs: OutputSet, dir: string, families: readonly OutputFamily[], written: readonly string[], inputs: readonly string[], remove = true): Promise<string[]> {
  const stale = await staleOutputs(dir, families, written, inputs);
  if (remove) for (const p of stale) await outputs.retire(p);
  return stale;
}

/**
 * Refuse a run whose output name in `dir` holds, by its content, another kind of output than the
 * run writes there ({@link OutputFamily.kinds}): another map's output whose name coincides (the
 * estimate of `decompose_X.mrc` writes `log_decompose_X.txt`, the log of `occupy decompose X.mrc`).
 * An earlier run's file of the same kind is replaced as before.
 * @param dir the folder the outputs end up in
 * @param families the run's output families
 * @param written the names (or paths) this run writes
 * @throws Error `'<path>' holds <its kind> of another map, not <this kind>: …`, for the first such file
 */
export async function refuseOtherKinds(dir: string, families: readonly OutputFamily[], written: readonly string[]): Promise<void> {
  const kinds = new Map(families.flatMap((f) => Object.entries(f.kinds ?? {})));
  for (const name of new Set(written.map((w) => basename(w)))) {
    const kind = kinds.get(name);
    if (kind === undefined) continue;
    const path = join(dir, name);
    const found = await outputKind(path);
    if (found !== undefined && found !== kind) {
      throw new Error(`'${path}' holds ${KIND_WORDS[found]} of another map, not ${KIND_WORDS[kind]}: the two output names coincide; write this run elsewhere (-o another folder or stem) or move that file away`);
    }
  }
}
