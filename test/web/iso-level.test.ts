/**
 * The 3D view's default iso level (`server/iso-level.ts`) on the real maps where the old default
 * broke the surface into pieces (EMD-1832, EMD-5625, EMD-1883): at the chosen level the largest
 * 6-connected piece, counted here by an independent flood fill, holds at least 99 % of the voxels
 * above the level, and the level encloses a real part of the box (not one speck).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readMrc } from '../../src/io/mrc/index.js';
import { chooseIsoLevel, ISO_FRACTIONS, ONE_PIECE_SHARE } from '../../src/web/server/iso-level.js';
import { SHARED_DATA, skipWithoutShared } from '../helpers/shared-data.js';

/** Voxels above `level` and the size of the largest 6-connected piece (breadth-first flood fill). */
function pieces(data: Float32Array, [nx, ny, nz]: readonly number[], level: number): { above: number; largest: number; count: number } {
  const n = nx * ny * nz;
  const seen = new Uint8Array(n);
  const stack = new Int32Array(n);
  let above = 0;
  let largest = 0;
  let count = 0;
  for (let s = 0; s < n; s++) {
    if (seen[s] || !(data[s] >= level)) continue;
    count++;
    let top = 0;
    let size = 0;
    stack[top++] = s;
    seen[s] = 1;
    while (top > 0) {
      const i = stack[--top];
      size++;
      const x = i % nx;
      const y = Math.floor(i / nx) % ny;
      const z = Math.floor(i / (nx * ny));
      const nbs = [x > 0 ? i - 1 : -1, x < nx - 1 ? i + 1 : -1, y > 0 ? i - nx : -1, y < ny - 1 ? i + nx : -1, z > 0 ? i - nx * ny : -1, z < nz - 1 ? i + nx * ny : -1];
      for (const j of nbs) {
        if (j >= 0 && !seen[j] && data[j] >= level) {
          seen[j] = 1;
          stack[top++] = j;
        }
      }
    }
    above += size;
    largest = Math.max(largest, size);
  }
  return { above, largest, count };
}

describe('default iso level of the 3D view', { skip: skipWithoutShared() }, () => {
  for (const name of ['emd_1832.map.gz', 'emd_5625.map', 'emd_1883.map']) {
    test(`${name}: the surface at the default level is one piece`, async () => {
      const { volume } = await readMrc(join(SHARED_DATA, name));
      const choice = chooseIsoLevel(volume.data, volume.shape);
      const p = pieces(volume.data, volume.shape, choice.level);
      assert.ok(p.largest >= ONE_PIECE_SHARE * p.above, `${name}: largest piece ${p.largest} of ${p.above} voxels (${p.count} pieces) at ${choice.level}`);
      assert.ok(p.above >= 0.004 * volume.data.length, `${name}: the level encloses ${p.above} voxels`);
      // the candidates' own counts agree with the flood fill
      const c = choice.candidates.find((x) => x.level === choice.level);
      assert.ok(c && c.largest === p.largest && c.enclosed === p.above, JSON.stringify(c));
      assert.ok(ISO_FRACTIONS.includes(choice.fraction));
    });
  }

  test('a level on a mass of equal values (a masked map\'s zeros) is never chosen', () => {
    // a box of zeros with a small blob: the quantiles of the larger fractions are 0
    const n = 32;
    const data = new Float32Array(n ** 3);
    for (let z = 12; z < 20; z++) for (let y = 12; y < 20; y++) for (let x = 12; x < 20; x++) data[(z * n + y) * n + x] = 1 + ((x + y + z) % 3) * 0.1;
    const choice = chooseIsoLevel(data, [n, n, n]);
    assert.ok(choice.level > 0, `level ${choice.level}`);
    assert.equal(pieces(data, [n, n, n], choice.level).count, 1);
  });
});
