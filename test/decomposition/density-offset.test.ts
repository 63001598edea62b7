/**
 * A constant added to the map (a solvent level that is not 0, as some processing leaves it) has
 * only a zero-frequency term, which no band holds: occupancy and local B must not change. Before
 * session 50 the flattened pass multiplied the map by a factor that varies in space with its
 * constant still in, which put structure into every band: synth_occres128 + 0.05 read its
 * domains' B 48 / 76 / 150 / 276 Å² against 49 / 55 / 278 / 270 as stored (half maps), and
 * −0.05 read 46 / 9 / 289 / 59.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft } from '../../src/math/fft.js';
import type { Volume } from '../../src/core/volume.js';
import { decompose, type DecomposeResult } from '../../src/decomposition/decompose.js';
import { decompositionPhantom, type DecompositionPhantom } from '../../src/decomposition/phantom.js';

const plus = (v: Volume, c: number): Volume => ({ ...v, data: v.data.map((x) => x + c) });

function domainMedian(p: DecompositionPhantom, field: Float32Array, label: number): number {
  const a: number[] = [];
  for (let i = 0; i < field.length; i++) if (p.labels[i] === label) a.push(field[i]);
  a.sort((x, y) => x - y);
  return a[Math.floor(0.5 * (a.length - 1))];
}

describe('decompose: a constant added to the map and half maps changes neither B nor occupancy', () => {
  let p: DecompositionPhantom;
  before(async () => {
    await loadFft();
    // a full and a half-occupied domain at 4 Å and a full one at 6 Å: the flattening factor varies
    p = decompositionPhantom({ box: 64, voxelSizeA: 1.2, snr: 4, seed: 8, domains: [{ occupancy: 1, resolutionA: 4 }, { occupancy: 0.5, resolutionA: 4 }, { occupancy: 1, resolutionA: 6 }] });
  });

  for (const halves of [true, false]) {
    it(halves ? 'with half maps' : 'from one map', () => {
      let sd = 0;
      for (const v of p.map.data) sd += v * v;
      sd = Math.sqrt(sd / p.map.data.length);
      const run = (c: number): DecomposeResult => decompose(plus(p.map, c), { halfMaps: halves ? [plus(p.half1, c), plus(p.half2, 1.5 * c)] : undefined });
      const base = run(0);
      for (const c of [2 * sd, -2 * sd]) {
        const r = run(c);
        for (let label = 1; label <= 3; label++) {
          const [b0, b1] = [domainMedian(p, base.bfactor.data, label), domainMedian(p, r.bfactor.data, label)];
          const [o0, o1] = [domainMedian(p, base.occupancy.data, label), domainMedian(p, r.occupancy.data, label)];
          assert.ok(Math.abs(b1 - b0) <= 1, `domain ${label}, offset ${c.toFixed(3)}: B ${b1.toFixed(1)} against ${b0.toFixed(1)} Å²`);
          assert.ok(Math.abs(o1 - o0) <= 0.005, `domain ${label}, offset ${c.toFixed(3)}: occupancy ${o1.toFixed(3)} against ${o0.toFixed(3)}`);
        }
        assert.ok(Math.abs(r.globalBA - base.globalBA) <= 1, `global B ${r.globalBA} against ${base.globalBA}`);
      }
    });
  }
});
