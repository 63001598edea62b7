/**
 * `occupy locres` on ../shared/reference/synth_halves128 (default settings, mask = truth_mask):
 * r with the true local resolution inside the mask >= 0.81 (RELION's figure), per-domain medians
 * ordered like the truth (3 < 5 < 8 Å), r with RELION's local-resolution map >= 0.8; and the
 * MonoRes-style estimate orders the domains too, with its median bias within ±0.2 Å and the 3 / 5 Å
 * domains within 0.3 Å (the crossing interpolated between its tested values). Bad inputs fail with one line.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMrc, writeMrc } from '../../src/io/mrc/index.js';
import { pearson } from '../../src/math/statistics.js';
import { PROJECT_ROOT, SHARED_REFERENCE, skipWithoutShared } from '../helpers/shared-data.js';
import { NODE_ARGS } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-run.js';

const run = promisify(execFile);
const skip = skipWithoutShared();
const R = join(SHARED_REFERENCE, 'synth_halves128');

async function domainMedians(map: Float32Array, labels: Float32Array, mask: Uint8Array): Promise<number[]> {
  return [1, 2, 3, 4].map((d) => {
    const v: number[] = [];
    for (let i = 0; i < map.length; i++) if (mask[i] && labels[i] === d) v.push(map[i]);
    v.sort((a, b) => a - b);
    return v[v.length >> 1];
  });
}

describe('occupy locres on synthetic half maps with ground truth', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-locres-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const method of ['localfsc', 'monores'] as const) {
    it(`${method}: correlates with the truth and orders the domains`, async (t) => {
      const out = join(dir, `locres_${method}.mrc`);
      const { stdout } = await run(process.execPath, [...NODE_ARGS, 'locres', join(R, 'half1.mrc.gz'), join(R, 'half2.mrc.gz'), '--mask', join(R, 'truth_mask.mrc.gz'), '--method', method, '-o', out, '--json', '-q'], { cwd: PROJECT_ROOT });
      const s = JSON.parse(stdout);
      const ours = (await readMrc(out)).volume.data;
      const truth = (await readMrc(join(R, 'truth_resolution.mrc.gz'))).volume.data;
      const relion = (await readMrc(join(R, 'relion_locres_sampling10.mrc.gz'))).volume.data;
      const labels = (await readMrc(join(R, 'truth_labels.mrc.gz'))).volume.data;
      const mask = Uint8Array.from((await readMrc(join(R, 'truth_mask.mrc.gz'))).volume.data, (v) => (v > 0.5 ? 1 : 0));
      const rTruth = pearson(ours, truth, mask);
      const rRelion = pearson(ours, relion, mask);
      const med = await domainMedians(ours, labels, mask);
      t.diagnostic(`${method}: r(truth) ${rTruth.toFixed(3)}, r(RELION) ${rRelion.toFixed(3)}, domain medians ${med.map((m) => m.toFixed(2)).join(' / ')} Å (truth 3 / 5 / 8 / 3), ${s.seconds.toFixed(1)} s`);
      // 3 Å domains (1 and 4) < 5 Å domain (2) < 8 Å domain (3)
      assert.ok(Math.max(med[0], med[3]) < med[1] && med[1] < med[2], `medians ${med}`);
      assert.ok(existsSync(out.replace(/\.mrc$/, '_histogram.png')));
      if (method === 'localfsc') {
        assert.ok(rTruth >= 0.81, `r with the truth ${rTruth}`);
        assert.ok(rRelion >= 0.8, `r with RELION ${rRelion}`);
        assert.equal(s.windowVoxels, 20);
      } else {
        assert.ok(rTruth >= 0.5, `r with the truth ${rTruth}`);
        // the crossing is interpolated between tested values (a 0.5 Å ladder): before, the 3 / 5 Å
        // domains read 3.44 / 5.44 / 3.19 Å and the median bias was +0.44 Å (the last passed rung)
        const diff: number[] = [];
        for (let i = 0; i < ours.length; i++) if (mask[i]) diff.push(ours[i] - truth[i]);
        diff.sort((a, b) => a - b);
        const bias = diff[diff.length >> 1];
        assert.ok(Math.abs(bias) <= 0.2, `MonoRes median bias ${bias} Å`);
        for (const [d, want] of [[0, 3], [1, 5], [3, 3]] as const) assert.ok(Math.abs(med[d] - want) <= 0.3, `domain ${d + 1}: ${med[d]} Å, truth ${want} Å`);
      }
    });
  }

  it('bad inputs: different boxes, a mask of another box, a window larger than the box', async () => {
    const small = join(dir, 'small.mrc');
    await writeMrc(small, { data: new Float32Array(32 ** 3).map((_, i) => Math.sin(i)), shape: [32, 32, 32], voxelSizeA: [1, 1, 1] });
    const h1 = join(R, 'half1.mrc.gz');
    const h2 = join(R, 'half2.mrc.gz');
    for (const [args, re] of [
      [[h1, small], /half map 2 '.*small\.mrc' has a box of 32x32x32 voxels, half map 1 '.*half1\.mrc\.gz' 128x128x128/],
      [[h1, h2, '--mask', small], /--mask map '.*small\.mrc' has a box of 32x32x32 voxels/],
      [[h1, h2, '--window', '200'], /--window 200 voxels is larger than the box/],
      [[h1], /needs two half maps/],
    ] as [string[], RegExp][]) {
      // in this process (main(argv), output captured): an error case needs no process of its own
      const e = await runInProcess(['locres', ...args, '-o', join(dir, 'bad.mrc'), '-q']);
      assert.notEqual(e.code, 0);
      assert.equal(e.stderr.trim().split('\n').length, 1, e.stderr);
      assert.match(e.stderr, re);
    }
  });
});
