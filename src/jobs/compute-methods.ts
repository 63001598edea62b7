import type { Shape3, Volume } from '../core/volume.js';
import type { ResampleLowpass } from '../filters/fourier-resample.js';
import type { DecomposeOptions } from '../decomposition/decompose.js';
import type { NoiseRedrawOptions } from '../decomposition/noise-redraw.js';
import type { DiagnoseOptions, HalfMapDiagnoseOptions, PairFindings } from '../diagnostics/diagnose.js';

/**
 * The long, synchronous computations that the file pipelines run in a worker thread
 * ({@link ./compute-thread.ts}), by name. Each loads its module on demand, so the worker imports
 * only the method it runs. Every entry's last parameter is an options object that takes
 * `onProgress(...)`: the worker supplies it and forwards its arguments to the caller.
 */
export const COMPUTE_METHODS = {
  /** `occupy locres` default: the calibrated local FSC (src/resolution/local-fsc.ts). */
  localFsc: async () => (await import('../resolution/local-fsc.js')).localFsc,
  /** `occupy locres --relion`: RELION 3.1's --locres (src/resolution/relion-locres.ts). */
  relionLocalResolution: async () => (await import('../resolution/relion-locres.js')).relionLocalResolution,
  /** `occupy locres --method monores` (src/resolution/monogenic.ts). */
  monogenicLocalResolution: async () => (await import('../resolution/monogenic.js')).monogenicLocalResolution,
  /** `occupy locres --method resmap` (src/resolution/resmap.ts). */
  resMapLocalResolution: async () => (await import('../resolution/resmap.js')).resMapLocalResolution,
  /** `occupy locres --method monotomo` (src/resolution/monotomo.ts). */
  monoTomoLocalResolution: async () => (await import('../resolution/monotomo.js')).monoTomoLocalResolution,
  /** `occupy locres --method monodir` (src/resolution/monodir.ts). */
  monoDir: async () => (await import('../resolution/monodir.js')).monoDir,
  /** `occupy locres --shells` (src/resolution/radial-shells.ts). */
  radialShellResolution: async () => (await import('../resolution/radial-shells.js')).radialShellResolution,
  /** `occupy fsc --mask`: the phase-randomised corrected FSC (src/resolution/fsc-corrected.ts); no progress. */
  correctedFsc: async () => (await import('../resolution/fsc-corrected.js')).correctedFsc,
  /** `occupy fsc --directional` (src/resolution/directional-fsc.ts). */
  directionalFsc: async () => (await import('../resolution/directional-fsc.js')).directionalFsc,
  /** `occupy decompose` (src/decomposition/decompose.ts); onProgress(phase, fraction). */
  decompose: async () => (await import('../decomposition/decompose.js')).decompose,
  /**
   * The estimate's Fourier crop of a map held whole (`fourierResampleLowpass`,
   * src/filters/fourier-resample.ts), with the estimate's low-pass from the same spectrum;
   * onProgress(fraction). The maps come back in shared memory (copied there in the thread, whose
   * memory goes with it): the estimate and the modifications' thread then take no copy of them.
   */
  fourierResampleLowpass: async () => {
    const { fourierResampleLowpass } = await import('../filters/fourier-resample.js');
    const inShared = (v: Volume): Volume => {
      const data = new Float32Array(new SharedArrayBuffer(4 * v.data.length));
      data.set(v.data);
      return { ...v, data };
    };
    return (volume: Volume, newShape: Shape3, lowpass: ResampleLowpass, options: { onProgress?: (fraction: number) => void } = {}) => {
      const r = fourierResampleLowpass(volume, newShape, lowpass, options.onProgress);
      return { volume: inShared(r.volume), ...(r.lowpassed ? { lowpassed: inShared(r.lowpassed) } : {}) };
    };
  },
  /**
   * The estimate's map modification (`occupy --amplify/--attenuate/--sigmoid/--exclude-solvent`,
   * the library's `modifyMap`; src/occupancy/modify.ts); onProgress(fraction). Send it a
   * `modificationBasis` of the estimate, not the whole result (whose other maps would be copied).
   */
  modifyMap: async () => (await import('../occupancy/modify.js')).modifyMap,
  /** One map's input diagnostics (`diagnoseMap(…).findings`, src/diagnostics/diagnose.ts): `occupy locres` on one map; no progress. */
  diagnoseMapFindings: async () => {
    const { diagnoseMap } = await import('../diagnostics/diagnose.js');
    return (map: Volume, options: DiagnoseOptions) => diagnoseMap(map, options).findings;
  },
  /**
   * A pair of half maps' input diagnostics (`diagnoseHalfMaps`): their findings and the halves'
   * interpolation test, which the job hands to its method; `occupy locres` and `fsc`; no progress.
   */
  diagnoseHalfMapPair: async () => {
    const { diagnoseHalfMaps } = await import('../diagnostics/diagnose.js');
    return (a: Volume, b: Volume, options: HalfMapDiagnoseOptions): PairFindings => {
      const d = diagnoseHalfMaps(a, b, options);
      return { findings: d.findings, ...(d.interpolationTest ? { interpolationTest: d.interpolationTest } : {}) };
    };
  },
  /** `occupy decompose`'s input diagnostics (`commandInputFindings`, src/jobs/input-diagnostics.ts); no progress. */
  commandInputFindings: async () => (await import('./input-diagnostics.js')).commandInputFindings,
  /** `occupy decompose --noise-draws` (src/decomposition/noise-redraw.ts); onProgress(draw, draws, fraction) is its `onDraw`. */
  noiseRedrawSpread: async () => {
    const { noiseRedrawSpread } = await import('../decomposition/noise-redraw.js');
    return (map: Volume, options: DecomposeOptions, redraw: Omit<NoiseRedrawOptions, 'onDraw'> & { onProgress?: NoiseRedrawOptions['onDraw'] }) => noiseRedrawSpread(map, options, { ...redraw, onDraw: redraw.onProgress });
  },
} as const;

/** The name of a method in {@link COMPUTE_METHODS}. */
export type ComputeMethodName = keyof typeof COMPUTE_METHODS;

/** The function a name stands for. */
export type ComputeMethod<K extends ComputeMethodName> = Awaited<ReturnType<(typeof COMPUTE_METHODS)[K]>>;

/** The `onProgress` of a method's options (its last parameter). */
export type ComputeProgress<K extends ComputeMethodName> =
  Required<Parameters<ComputeMethod<K>>> extends [...unknown[], infer L] ? (NonNullable<L> extends { onProgress?: infer P } ? NonNullable<P> : never) : never;
