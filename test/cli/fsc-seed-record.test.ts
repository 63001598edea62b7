/**
 * The `Seed` line of `occupy fsc`'s log: the seed of the phase randomisation (`--mask`) as used,
 * given or the default 0, and 'not used' without a mask. It had read `0 (drawn at random; --seed 0
 * reproduces it)` whatever `--seed` was, and without a mask described the estimate's solvent noise
 * (session 54).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { gaussianSampler, mulberry32 } from '../../src/math/random.js';
import { runInProcess } from '../helpers/cli-run.js';

describe('occupy fsc: the log\'s Seed line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-fsc-seed-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--mask --seed 5: 5 (given); --mask alone: 0 (the default); no mask: not used', async () => {
    const n = 32 ** 3;
    const normal = gaussianSampler(mulberry32(9));
    const s = new Float32Array(n);
    for (let i = 0; i < n; i++) s[i] = 3 * normal();
    const shape: [number, number, number] = [32, 32, 32];
    const voxelSizeA: [number, number, number] = [1.5, 1.5, 1.5];
    await writeMrc(join(dir, 'h1.mrc'), { data: s.map((v) => v + normal()), shape, voxelSizeA });
    await writeMrc(join(dir, 'h2.mrc'), { data: s.map((v) => v + normal()), shape, voxelSizeA });
    const mask = new Float32Array(n);
    for (let z = 0; z < 32; z++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) mask[(z * 32 + y) * 32 + x] = (x - 16) ** 2 + (y - 16) ** 2 + (z - 16) ** 2 < 100 ? 1 : 0;
    await writeMrc(join(dir, 'mask.mrc'), { data: mask, shape, voxelSizeA });
    const seedLine = async (name: string, extra: string[]) => {
      const r = await runInProcess(['fsc', join(dir, 'h1.mrc'), join(dir, 'h2.mrc'), ...extra, '-o', join(dir, name) + '/', '-q']);
      assert.equal(r.code, 0, r.stderr);
      return /^Seed +: (.*)$/m.exec(readFileSync(join(dir, name, 'fsc_h1_log.txt'), 'utf8'))?.[1];
    };
    assert.match((await seedLine('given', ['--mask', join(dir, 'mask.mrc'), '--seed', '5'])) ?? '', /^5 \(given; /);
    assert.match((await seedLine('default', ['--mask', join(dir, 'mask.mrc')])) ?? '', /^0 \(the default; /);
    assert.equal(await seedLine('none', []), 'not used');
  });
});
