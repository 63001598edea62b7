/**
 * Render vega-lite specs headlessly: vega-lite → vega → SVG (vega's string renderer), then
 * SVG → PNG with resvg. No browser, no canvas package.
 * @see shared/spec/occupy-algorithm.md §11 (`--plot`)
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../core/atomic-write.js';
import type { OutputSet } from '../core/output-set.js';

/** A rendered plot: the same figure as SVG text and as PNG bytes. */
export interface RenderedPlot {
  /** Standalone SVG document (UTF-8 text). */
  svg: string;
  /** PNG file bytes (RGBA, white background). */
  png: Uint8Array;
}

/** Options of {@link renderVegaLite}. */
export interface RenderOptions {
  /** Width of the PNG in pixels (the SVG is scaled to it, aspect kept); default 900. */
  pngWidthPx?: number;
}

/**
 * Compile a vega-lite spec to vega, render it to SVG with a headless vega `View`
 * (renderer 'none', `toSVG()`), and rasterise the SVG to PNG with resvg.
 *
 * resvg draws no text unless it loads fonts, so system fonts are loaded with
 * 'DejaVu Sans' as the default family; the PNG background is white.
 *
 * @param spec a complete vega-lite spec with inline data
 * @param options PNG width
 * @throws RangeError when `pngWidthPx` is not a positive integer; vega/vega-lite errors for a broken spec
 */
export async function renderVegaLite(spec: TopLevelSpec, options: RenderOptions = {}): Promise<RenderedPlot> {
  const widthPx = options.pngWidthPx ?? 900;
  if (!Number.isInteger(widthPx) || widthPx < 1) throw new RangeError(`pngWidthPx must be a positive integer, got ${widthPx}`);
  const vgSpec = compile(spec).spec;
  const view = new View(parse(vgSpec), { renderer: 'none' });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: widthPx },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  const png = new Uint8Array(resvg.render().asPng());
  return { svg, png };
}


/**
 * Write a rendered plot as `<basePath>.svg` and `<basePath>.png` (each via a temporary file and
 * a rename, so a reader never sees a half-written file).
 *
 * @param basePath output path without extension, e.g. `out/solModel_emd_1234`
 * @param rendered the plot from {@link renderVegaLite}
 * @param outputs stage both files in this output set (committed by the caller) instead
 * @returns the two paths written: `[png, svg]`
 */
export async function writePlot(basePath: string, rendered: RenderedPlot, outputs?: OutputSet): Promise<string[]> {
  const svgPath = `${basePath}.svg`;
  const pngPath = `${basePath}.png`;
  await mkdir(dirname(basePath), { recursive: true });
  await writeFileAtomic(svgPath, rendered.svg, outputs);
  await writeFileAtomic(pngPath, rendered.png, outputs);
  return [pngPath, svgPath];
}
