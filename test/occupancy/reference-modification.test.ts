/**
 * Acceptance against the original OccuPy's modification runs (../shared/reference/<map>/occ_*):
 * the occupancy-mode scale matches as in the core issue, and each modified map correlates with the
 * reference at r >= 0.99 inside the reference's confidence > 0.5 region and lies within the input's
 * value range.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMrc } from '../../src/io/mrc/index.js';
import { arrayStats, pearson } from '../../src/math/statistics.js';
import { inscribedEllipsoidMask } from '../../src/math/inscribed-ellipsoid.js';
import { PROJECT_ROOT, SHARED_DATA, SHARED_REFERENCE, HAVE_SHARED, skipWithoutShared } from '../helpers/shared-data.js';
import { NODE_ARGS } from '../helpers/cli.js';

const run = promisify(execFile);
const skip = skipWithoutShared();

/** Command-line options of each reference run folder. */
const SETTINGS: Record<string, string[]> = {
  occ_amplify2: ['--occupancy', '--amplify', '2'],
  occ_attenuate3_exclude: ['--occupancy', '--attenuate', '3', '--exclude-solvent'],
  occ_sigmoid2_pivot0_3_exclude: ['--occupancy', '--sigmoid', '2', '--pivot', '0.3', '--exclude-solvent'],
  occ_nlrc: ['--occupancy', '--nlrc'],
};

function runs(): { map: string; run: string; input: string; args: string[] }[] {
  if (!HAVE_SHARED) return [];
  const out: { map: string; run: string; input: string; args: string[] }[] = [];
  for (const map of readdirSync(SHARED_REFERENCE).sort()) {
    const dir = join(SHARED_REFERENCE, map);
    if (!existsSync(join(dir, 'default'))) continue;
    for (const r of readdirSync(dir).filter((d) => d.startsWith('occ_')).sort()) {
      const args = SETTINGS[r.replace(/\./g, '_')];
      assert.ok(args, `unknown reference run ${map}/${r}`);
      const input = [`${map}.map`, `${map}.map.gz`, `${map}.mrc.gz`].map((f) => join(SHARED_DATA, f)).find((f) => existsSync(f));
      assert.ok(input, `no input for ${map}`);
      out.push({ map, run: r, input, args });
    }
  }
  return out;
}

describe('reference modification runs of the original OccuPy', { skip }, () => {
  const all = runs();
  let out: string;
  before(() => {
    out = mkdtempSync(join(tmpdir(), 'occupy-refmod-'));
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it('covers the modification runs of the reference README (at least 8)', () => {
    assert.ok(all.length >= 8, `found ${all.length}`);
  });

  for (const r of all) {
    it(`${r.map}/${r.run}: scale and modified maps match`, async (t) => {
      const refDir = join(SHARED_REFERENCE, r.map, r.run);
      const ref = JSON.parse(readFileSync(join(refDir, 'result.json'), 'utf8'));
      const dir = join(out, r.map, r.run);
      const { stdout } = await run(process.execPath, [...NODE_ARGS, '-i', r.input, '-o', join(dir, `${r.map}.mrc`), ...r.args, ...(/--(attenuate|sigmoid)\b/.test(r.args.join(' ')) && !r.args.includes('--exclude-solvent') ? ['--seed', '1'] : []), '--json', '--quiet'], { cwd: PROJECT_ROOT });
      const s = JSON.parse(stdout);
      assert.equal(s.mode, 'occ');
      assert.ok(Math.abs(s.sMax - ref.exact.max_val) <= 0.01 * ref.exact.max_val, `s_max ${s.sMax} vs ${ref.exact.max_val}`);
      const input = (await readMrc(r.input)).volume;
      const sphere = inscribedEllipsoidMask(input.shape);
      const scaleOurs = await readMrc(join(dir, `scale_occ_${r.map}.mrc`));
      const scaleRef = await readMrc(join(refDir, `scale_occ_${r.map}.mrc.gz`));
      const rScale = pearson(scaleOurs.volume.data, scaleRef.volume.data, sphere);
      assert.ok(rScale >= 0.995, `scale r ${rScale}`);
      const confRef = (await readMrc(join(refDir, `conf_${r.map}.mrc.gz`))).volume.data;
      const confident = Uint8Array.from(confRef, (c) => (c > 0.5 ? 1 : 0));
      const range = arrayStats(input.data);
      const modified = readdirSync(refDir).filter((f) => /^(ampl|attn|sigm)_/.test(f));
      assert.equal(modified.length, r.run === 'occ_nlrc' ? 0 : 1);
      for (const f of modified) {
        const name = f.replace(/\.gz$/, '');
        const ours = (await readMrc(join(dir, name))).volume.data;
        const theirs = (await readMrc(join(refDir, f))).volume.data;
        const rMod = pearson(ours, theirs, confident);
        assert.ok(rMod >= 0.99, `${name}: r ${rMod.toFixed(4)} inside confidence > 0.5`);
        const st = arrayStats(ours);
        assert.ok(st.min >= range.min && st.max <= range.max, `${name}: [${st.min}, ${st.max}] outside the input's [${range.min}, ${range.max}]`);
        t.diagnostic(`${name}: r ${rMod.toFixed(4)} (confident voxels), scale r ${rScale.toFixed(4)}`);
      }
    });
  }
});
