/**
 * Maps low-passed and then cropped in real space (a post-processed map boxed down, or half maps
 * low-passed then cut): the box's wrap-around edge leaks power into the empty shells, so the end of
 * the spectrum is found through a Hann window over the box (`spectrumEndThroughWindow`), and the
 * bands stay where the data are (src/decomposition/noise-limit.ts, docs/decomposition.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft, irfft3d, rfft3d } from '../../src/math/fft.js';
import type { Volume } from '../../src/core/volume.js';
import { spectrumEnd, spectrumEndThroughWindow } from '../../src/decomposition/noise-limit.js';
import { decompose } from '../../src/decomposition/decompose.js';
import { randomLocresCase, referenceStyleHalfMaps } from '../../src/resolution/half-map-phantom.js';
import { mulberry32 } from '../../src/math/random.js';

await loadFft();

/** Cut the sub-box starting at `lo` of size `size` out of `v`. */
function crop(v: Volume, lo: readonly number[], size: readonly [number, number, number]): Volume {
  const [nx, ny] = v.shape;
  const data = new Float32Array(size[0] * size[1] * size[2]);
  for (let z = 0; z < size[2]; z++) for (let y = 0; y < size[1]; y++) for (let x = 0; x < size[0]; x++) {
    data[(z * size[1] + y) * size[0] + x] = v.data[((z + lo[2]) * ny + y + lo[1]) * nx + x + lo[0]];
  }
  return { data, shape: [...size], voxelSizeA: v.voxelSizeA };
}

test('spectrumEndThroughWindow: noise blurred by B 100 Å², low-passed at 5 Å and cropped ends near 5 Å, where the box as it is shows no end; unfiltered noise has none either way', () => {
  const n = 80;
  const a = 1.25;
  const r = mulberry32(11);
  const noise: Volume = { data: Float32Array.from({ length: n ** 3 }, () => r() - 0.5), shape: [n, n, n], voxelSizeA: [a, a, a] };
  const spec = rfft3d(noise.data, noise.shape);
  const hx = n / 2 + 1;
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < hx; x++) {
    const k = Math.hypot(x, y <= n / 2 ? y : y - n, z <= n / 2 ? z : z - n) / (n * a);
    const j = 2 * ((z * n + y) * hx + x);
    // a map's spectrum falls (B 100 Å²: power e⁻² of the lowest at 5 Å), then the low-pass
    const f = k >= 1 / 5 ? 0 : Math.exp((-100 * k * k) / 4);
    spec[j] *= f;
    spec[j + 1] *= f;
  }
  const lowpassed: Volume = { ...noise, data: irfft3d(spec, noise.shape) };
  const cut = crop(lowpassed, [7, 3, 11], [64, 56, 60]);
  assert.equal(spectrumEnd(rfft3d(cut.data, cut.shape), cut.shape, cut.voxelSizeA, 30), null, 'the crop hides the end');
  const end = spectrumEndThroughWindow(cut, 30);
  // the window's own leakage of the passband holds the shells just beyond the cut above 1e-6 for
  // about three shells (4.2 Å here; a shell is 1/80 Å⁻¹)
  assert.ok(end !== null && end >= 4.0 && end <= 5.2, `end through the window ${end} Å, low-pass 5 Å`);
  assert.equal(spectrumEndThroughWindow(crop(noise, [7, 3, 11], [64, 56, 60]), 30), null, 'unfiltered noise has no end');
});

test('decompose on half maps low-passed and then cropped: the bands end where the data do, all usable, and a 10 Å domain reads a higher B than 5 Å ones', () => {
  const c = randomLocresCase(23005); // 1.04 Å voxels, domains at 10 / 5 / 5 / 5 Å, SNR 3.4
  const p = referenceStyleHalfMaps(c.voxelSizeA, c.resolutionsA, c.snr, c.seed);
  const lo = [8, 3, 10];
  const size: [number, number, number] = [p.half1.shape[0] - 17, p.half1.shape[1] - 6, p.half1.shape[2] - 29];
  const h1 = crop(p.half1, lo, size), h2 = crop(p.half2, lo, size);
  const labels = crop({ ...p.half1, data: Float32Array.from(p.labels) }, lo, size).data;
  const mask = crop({ ...p.half1, data: p.mask }, lo, size).data;
  const r = decompose(h1, { halfMaps: [h1, h2], mask });
  assert.equal(r.noiseLimit.source, 'end of the signal spectrum');
  assert.ok(r.noiseLimit.resolutionA > 4.3 && r.noiseLimit.resolutionA < 5.2, `finest band ${r.noiseLimit.resolutionA} Å (the finest domain is 5 Å)`);
  assert.ok(r.notes.some((n) => /through a Hann window over the box/.test(n)), 'the log says how the end was found');
  assert.ok(r.bands.every((b) => b.usableFraction >= 0.15), r.bands.map((b) => `${b.resolutionA.toFixed(1)} Å ${b.usableFraction.toFixed(2)}`).join(', '));
  const med = (label: number) => {
    const v: number[] = [];
    for (let i = 0; i < labels.length; i++) if (Math.round(labels[i]) === label && mask[i] > 0.5 && r.bandsUsed.data[i] > 1) v.push(r.bfactor.data[i]);
    v.sort((x, y) => x - y);
    return v[v.length >> 1];
  };
  const coarse = c.resolutionsA.indexOf(10) + 1;
  const fine = c.resolutionsA.map((res, k) => (res === 5 ? med(k + 1) : -Infinity));
  assert.ok(med(coarse) > Math.max(...fine) + 150, `10 Å domain B ${med(coarse).toFixed(0)} Å² vs 5 Å domains ${fine.filter(Number.isFinite).map((b) => b.toFixed(0)).join(', ')} (truth +300)`);
});
