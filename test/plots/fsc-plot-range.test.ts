/**
 * The FSC plot with curves far outside its axis: a mask of one voxel (now refused by `occupy fsc`,
 * but the library's `correctedFsc` still gives such curves) made RELION's corrected FSC
 * (t − n)/(1 − n) about −1e15 where the randomised masked FSC is 1 − 1e-16. Drawn unclamped, the
 * line ran 1e17 pixels off the axis and rasterising it took the machine's 24 GB.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import { fscPlotSpec } from '../../src/plots/fsc-plot.js';

describe('FSC plot of curves outside [-0.1, 1.05]', () => {
  it('draws them along the axis edge: every path coordinate lies within the plot', async () => {
    const n = 32;
    const frequencyPerA = Array.from({ length: n }, (_, i) => i / (2 * n));
    const spec = fscPlotSpec(
      {
        frequencyPerA,
        fsc: frequencyPerA.map((_, i) => (i < 5 ? -1 : -9e14 / i)),
        fscLabel: 'corrected (phase randomised)',
        extraCurves: [{ label: 'masked', fsc: frequencyPerA.map(() => -1) }, { label: 'huge', fsc: frequencyPerA.map((_, i) => 1e12 * i) }],
      },
      'one-voxel mask',
    );
    const view = new View(parse(compile(spec).spec), { renderer: 'none' });
    let svg: string;
    try {
      svg = await view.toSVG();
    } finally {
      view.finalize();
    }
    const paths = [...svg.matchAll(/<path[^>]* d="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(paths.length > 0, 'no path drawn');
    let extreme = 0;
    for (const d of paths) for (const v of d.match(/-?\d+(\.\d+)?(e[+-]?\d+)?/g) ?? []) extreme = Math.max(extreme, Math.abs(Number(v)));
    // the plot is 620 × 380 px: a coordinate beyond a few thousand pixels is a curve drawn off the axis
    assert.ok(extreme < 2000, `a path coordinate of ${extreme} px`);
    assert.ok(svg.length < 200_000, `SVG of ${svg.length} characters`);
  });
});
