/**
 * `decompose` of the public API (issue 17: "the library API exposes decompose(volume, {halfMaps?,
 * mask?, …})"): a blur by a known B comes back as that B with the occupancy at 1; the same numbers
 * as the method behind `occupy decompose`; half maps and a mask; typed errors naming the key;
 * progress and cancellation.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { decompose, OptionError, type Volume } from '../../src/index.js';
import { decompose as decomposeMethod } from '../../src/decomposition/decompose.js';
import { decompositionPhantom } from '../../src/decomposition/phantom.js';
import { loadFft } from '../../src/math/fft.js';
import { blurByB } from '../helpers/blur.js';
import { abortFromTimer } from '../helpers/abort-mid-way.js';

function medianWhere(values: Float32Array, sel: (i: number) => boolean): number {
  const a: number[] = [];
  for (let i = 0; i < values.length; i++) if (sel(i)) a.push(values[i]);
  a.sort((x, y) => x - y);
  return a[a.length >> 1];
}

describe('decompose (public API)', () => {
  // four fully occupied 3 Å domains, noise-light (as test/decomposition/analytic.test.ts)
  let map: Volume;
  let mask: Uint8Array;
  let half1: Volume;
  let half2: Volume;
  before(async () => {
    await loadFft(); // the phantom generator and the blur need it (decompose loads it itself)
    const p = decompositionPhantom({ box: 80, voxelSizeA: 1.2, seed: 5, snr: 40, domains: [{ occupancy: 1, resolutionA: 3 }, { occupancy: 1, resolutionA: 3 }, { occupancy: 1, resolutionA: 3 }, { occupancy: 1, resolutionA: 3 }] });
    map = { ...p.map, originA: [10, 20, 30] };
    mask = p.mask;
    half1 = { ...p.half1, originA: [10, 20, 30] };
    half2 = { ...p.half2, originA: [10, 20, 30] };
  });

  it('a uniform blur by B = 100 Å² reads +100 Å² (±10 %) with occupancy ≈ 1; the numbers are the method\'s', async (t) => {
    const opts = { highestResolutionA: 4 };
    const sharp = await decompose(map, opts);
    const blurred = await decompose(blurByB(map, 100), opts);
    const inMol = (i: number) => mask[i] === 1 && sharp.bandsUsed.data[i] >= 2 && blurred.bandsUsed.data[i] >= 2;
    const dB = medianWhere(blurred.bfactor.data, inMol) - medianWhere(sharp.bfactor.data, inMol);
    t.diagnostic(`median B difference ${dB.toFixed(1)} Å²; occupancy medians ${sharp.occupancyMedian.toFixed(3)} / ${blurred.occupancyMedian.toFixed(3)}`);
    assert.ok(Math.abs(dB - 100) <= 10, `B difference ${dB.toFixed(1)} Å², expected 100 ± 10`);
    assert.ok(Math.abs(blurred.globalBA2 - sharp.globalBA2 - 100) <= 10, `reference B difference ${(blurred.globalBA2 - sharp.globalBA2).toFixed(1)} Å²`);
    for (const r of [sharp, blurred]) {
      const occ = medianWhere(r.occupancy.data, (i) => mask[i] === 1);
      assert.ok(occ >= 0.9 && occ <= 1, `median occupancy ${occ.toFixed(3)} in the phantom's mask, expected ~1`);
      // over the molecule found from the map (surface voxels included): measured 0.89
      assert.ok(r.occupancyMedian >= 0.85 && r.occupancyMedian <= 1, `median occupancy ${r.occupancyMedian} over the molecule`);
    }
    // the grid and origin of the input; the same maps as the method behind `occupy decompose`
    assert.deepEqual([sharp.occupancy.shape, sharp.occupancy.voxelSizeA, sharp.occupancy.originA], [map.shape, map.voxelSizeA, [10, 20, 30]]);
    const method = decomposeMethod(map, opts);
    assert.deepEqual(sharp.occupancy.data, method.occupancy.data);
    assert.deepEqual(sharp.bfactor.data, method.bfactor.data);
    assert.equal(sharp.bands.length, method.bands.length);
  });

  it('with half maps and a mask: the local noise model, occupancy ≈ 1 inside the mask, the method\'s numbers', async (t) => {
    const m = Float32Array.from(mask);
    const r = await decompose(map, { halfMaps: [half1, half2], mask: { ...map, data: m }, bands: 5 });
    assert.equal(r.noiseModel, 'half-map difference (local)');
    assert.equal(r.bands.length, 5);
    const occ = medianWhere(r.occupancy.data, (i) => mask[i] === 1);
    t.diagnostic(`median occupancy ${occ.toFixed(3)} in the mask, ${r.occupancyMedian.toFixed(3)} over the molecule`);
    assert.ok(occ >= 0.9 && occ <= 1, `median occupancy ${occ}`);
    const method = decomposeMethod(map, { halfMaps: [half1, half2], mask: m, bands: 5 });
    assert.deepEqual(r.occupancy.data, method.occupancy.data);
  });

  it('refuses bad options with an OptionError naming the key', async () => {
    const refuses = async (options: Record<string, unknown>, key: string, re: RegExp, volume: Volume = map) => {
      await assert.rejects(decompose(volume, options), (e: unknown) => e instanceof OptionError && e.option === key && re.test(e.message) && !/--/.test(e.message));
    };
    await refuses({ bands: 1 }, 'bands', /^bands must be an integer in 2\.\.32, got 1/);
    await refuses({ maxBox: 33 }, 'maxBox', /maxBox/);
    await refuses({ highestResolutionA: 40 }, 'highestResolutionA', /highestResolutionA \(40 Å\) must be finer than lowestResolutionA \(30 Å\)/);
    await refuses({ lowestResolutionA: 2.5 }, 'lowestResolutionA', /Nyquist/);
    await refuses({ sharpen: true }, 'sharpen', /unknown option 'sharpen'/);
    await refuses({ halfMaps: [half1] }, 'halfMaps', /exactly two/);
    await refuses({ halfMaps: [half1, { ...half2, voxelSizeA: [1, 1, 1] }] }, 'halfMaps[1]', /voxel size/);
    await refuses({ mask: { ...map, data: new Float32Array(mask.length) } }, 'mask', /selects no voxel/);
    await refuses({}, 'volume.data', /finite/, { ...map, data: map.data.map((v, i) => (i === 7 ? Number.NaN : v)) });
    // a map of zeros: constant, not a missing mask (it had been "no molecule found … (give mask)", naming mask)
    await refuses({}, 'volume.data', /^volume is constant \(every voxel is 0\): nothing to decompose$/, { ...map, data: new Float32Array(map.data.length) });
    await refuses({ halfMaps: [half1, { ...half2, data: new Float32Array(half2.data.length) }] }, 'halfMaps[1].data', /^halfMaps\[1\] is constant/);
    // no molecule in a map of uniform noise (no voxel 3 MADs above the median), no half maps given:
    // the mask's error (it had been given .option 'halfMaps': its message mentions the solvent)
    let seed = 3;
    const noise: Volume = { data: Float32Array.from({ length: 20 ** 3 }, () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5), shape: [20, 20, 20], voxelSizeA: [11.4, 11.4, 11.4], originA: [0, 0, 0] };
    await refuses({}, 'mask', /^no molecule found: no voxel of the smoothed map stands above the solvent \(give mask\)$/, noise);
  });

  it('reports progress up to (done, 1) and stops on an aborted signal', async () => {
    const seen: [string, number][] = [];
    await decompose(map, { highestResolutionA: 4, bands: 3, onProgress: (p, f) => seen.push([p, f]) });
    assert.deepEqual(seen.at(-1), ['done', 1]);
    assert.ok(seen.every(([, f], i) => i === 0 || f >= seen[i - 1][1]), 'fractions non-decreasing');
    const c = new AbortController();
    c.abort();
    await assert.rejects(decompose(map, { signal: c.signal }), { name: 'AbortError' });
    // computed in a worker thread (session 50): a timer's abort stops it mid-way (before, the
    // timer ran only after the computation, at its last fraction, 0.95)
    const midway = await abortFromTimer((run) => decompose(map, { highestResolutionA: 4, bands: 3, ...run }), /^(?!load)/);
    assert.equal((midway.error as Error | undefined)?.name, 'AbortError');
    assert.ok(midway.fractionAtAbort >= 0 && midway.fractionAtAbort < 0.95, `aborted at ${midway.fractionAtAbort}`);
  });
});
