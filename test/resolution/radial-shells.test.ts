/**
 * Radial shells (issue 18 item 3) on ../shared/reference/synth_halves128, centred on its 8 Å
 * domain: the FSC resolution per shell follows the truth's median resolution per shell.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { readMrc } from '../../src/io/mrc/index.js';
import type { Vec3, Volume } from '../../src/core/volume.js';
import { radialShellResolution } from '../../src/resolution/radial-shells.js';
import { spearman } from '../../src/resolution/accuracy.js';
import { parseCentre, runRadialShellsJob } from '../../src/jobs/radial-shells-job.js';
import { SILENT_REPORTER } from '../../src/jobs/resolution-job-common.js';
import { SHARED_REFERENCE, skipWithoutShared } from '../helpers/shared-data.js';
import { runInProcess } from '../helpers/cli-run.js';

const skip = skipWithoutShared();
const R = join(SHARED_REFERENCE, 'synth_halves128');
/** Centre of domain 3 (8 Å) from truth.json (`centre_xyz_A`, 1 Å voxels, origin 0). */
const CENTRE_8A: Vec3 = [75.305, 71.223, 54.598];

before(async () => {
  await loadFft();
});

describe('radial shells on synth_halves128 about its 8 Å domain', { skip }, () => {
  let h1: Volume, h2: Volume, mask: Float32Array, truth: Float32Array;
  before(async () => {
    h1 = (await readMrc(join(R, 'half1.mrc.gz'))).volume;
    h2 = (await readMrc(join(R, 'half2.mrc.gz'))).volume;
    mask = (await readMrc(join(R, 'truth_mask.mrc.gz'))).volume.data;
    truth = (await readMrc(join(R, 'truth_resolution.mrc.gz'))).volume.data;
  });

  it('follows the truth median per shell: Spearman ≥ 0.7 over shells with ≥ 500 mask voxels (MAE and bias reported)', (t) => {
    const ci = (Math.round(CENTRE_8A[2]) * 128 + Math.round(CENTRE_8A[1])) * 128 + Math.round(CENTRE_8A[0]);
    assert.equal(truth[ci], 8); // the centre lies in the 8 Å domain
    const r = radialShellResolution(h1, h2, { centreVoxel: CENTRE_8A, mask });
    const est: number[] = [];
    const tru: number[] = [];
    for (const s of r.shells) {
      if (s.voxels < 500) continue;
      const v: number[] = [];
      for (let z = 0; z < 128; z++) for (let y = 0; y < 128; y++) for (let x = 0; x < 128; x++) {
        const i = (z * 128 + y) * 128 + x;
        if (!(mask[i] > 0.5)) continue;
        const rr = Math.hypot(x - CENTRE_8A[0], y - CENTRE_8A[1], z - CENTRE_8A[2]);
        if (rr >= s.innerA && rr < s.outerA) v.push(truth[i]);
      }
      v.sort((a, b) => a - b);
      est.push(s.resolutionA);
      tru.push(v[v.length >> 1]);
    }
    const rho = spearman(est, tru);
    const diffs = est.map((e, i) => e - tru[i]).sort((a, b) => a - b);
    const mae = diffs.reduce((s, d) => s + Math.abs(d), 0) / diffs.length;
    t.diagnostic(`${est.length} shells: estimate ${est.map((v) => v.toFixed(2)).join(' / ')} Å, truth medians ${tru.join(' / ')} Å; Spearman ${rho.toFixed(3)}, MAE ${mae.toFixed(2)} Å, median bias ${diffs[diffs.length >> 1].toFixed(2)} Å`);
    assert.ok(est.length >= 6, `${est.length} shells with >= 500 voxels`);
    assert.ok(rho >= 0.7, `Spearman ${rho}`);
    // the inner shells (8 Å domain) read coarser than the outer ones (3 Å domains)
    assert.ok(est[0] > est[est.length - 1] + 2);
  });

  it('refuses a centre outside the box, a shell thinner than a voxel and a bad --centre, naming them', () => {
    assert.throws(() => radialShellResolution(h1, h2, { centreVoxel: [200, 1, 1] }), /--centre 200,1,1 is outside the box/);
    assert.throws(() => radialShellResolution(h1, h2, { shellWidthA: 0.5 }), /--shell-width must be at least one voxel/);
    assert.throws(() => parseCentre('1,2'), /--centre must be three numbers/);
    assert.throws(() => parseCentre('1,x,2'), /--centre must be three numbers/);
    assert.deepEqual(parseCentre(' 75.3, 71.2 ,54.6'), [75.3, 71.2, 54.6]);
  });

  describe('the job (occupy locres H1 H2 --shells)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'occupy-shells-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    it('writes shells_<stem>.csv/.mrc/.png/.svg/_log.txt together; result has shells [{radiusA, resolutionA}]', async () => {
      const res = (await runRadialShellsJob(join(R, 'half1.mrc.gz'), join(R, 'half2.mrc.gz'), { centre: CENTRE_8A.join(','), mask: join(R, 'truth_mask.mrc.gz'), output: join(dir, 'x.mrc'), commandLine: ['locres', 'half1.mrc.gz', 'half2.mrc.gz', '--shells'] }, SILENT_REPORTER)) as { shells: { radiusA: number; resolutionA: number | null }[]; files: string[] };
      for (const f of ['shells_half1.csv', 'shells_half1.mrc', 'shells_half1.png', 'shells_half1.svg', 'shells_half1_log.txt']) assert.ok(res.files.includes(join(dir, f)) && existsSync(join(dir, f)), f);
      assert.ok(res.shells.length > 6 && res.shells.every((s) => typeof s.radiusA === 'number'));
      const csv = readFileSync(join(dir, 'shells_half1.csv'), 'utf8').trim().split('\n');
      assert.equal(csv[0], 'radius_A,inner_A,outer_A,resolution_A,crossed,mask_voxels');
      assert.equal(csv.length, res.shells.length + 1);
      const log = readFileSync(join(dir, 'shells_half1_log.txt'), 'utf8');
      assert.match(log, /shell-width\s+4/);
      assert.match(log, /Command\s+: occupy locres half1\.mrc\.gz half2\.mrc\.gz --shells/);
      // each mask voxel holds its shell's value
      const m = (await readMrc(join(dir, 'shells_half1.mrc'))).volume.data;
      const ci = (55 * 128 + 71) * 128 + 75;
      assert.ok(res.shells[0].resolutionA !== null && Math.abs(m[ci] - res.shells[0].resolutionA) < 1e-3, `${m[ci]} vs ${res.shells[0].resolutionA}`);
    });
    it('occupy locres --shells --centre from the command line: --json shells [{radiusA, resolutionA}]; --centre without --shells exits 2', async () => {
      const run = await runInProcess(['locres', join(R, 'half1.mrc.gz'), join(R, 'half2.mrc.gz'), '--shells', '--shell-width', '6', '--centre', CENTRE_8A.join(','), '--mask', join(R, 'truth_mask.mrc.gz'), '-o', join(dir, 'cli') + '/', '--json']);
      assert.equal(run.code, 0, run.stderr);
      const s = JSON.parse(run.stdout);
      assert.equal(s.shellWidthA, 6);
      assert.ok(s.shells.length >= 5 && s.shells.every((x: { radiusA: number; resolutionA: number | null }) => typeof x.radiusA === 'number' && 'resolutionA' in x));
      assert.ok(existsSync(join(dir, 'cli', 'shells_half1.csv')));
      const bad = await runInProcess(['locres', join(R, 'half1.mrc.gz'), join(R, 'half2.mrc.gz'), '--centre', '1,2,3', '-o', join(dir, 'bad.mrc')]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--centre needs --shells/);
      const bad2 = await runInProcess(['locres', join(R, 'half1.mrc.gz'), join(R, 'half2.mrc.gz'), '--shells', '--centre', '1,2', '-o', join(dir, 'bad.mrc')]);
      assert.equal(bad2.code, 2);
      assert.match(bad2.stderr, /--centre must be three numbers/);
      assert.ok(!existsSync(join(dir, 'bad.mrc')));
    });
    it('a missing second half map is refused in one line', async () => {
      await assert.rejects(runRadialShellsJob(join(R, 'half1.mrc.gz'), undefined, {}, SILENT_REPORTER), /--shells needs two half maps/);
    });
  });
});
