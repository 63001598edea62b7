/**
 * Acceptance against the original OccuPy: for every default run listed in
 * ../shared/reference/README.md, `occupy -i <map> --json` must reproduce kernel size, radius and
 * n_v exactly, tau within 5e-4, s_max within 1 %, the solvent peak mu and width sigma within 3 %,
 * and the scale (confidence) map must correlate with the reference at r >= 0.995 (0.99) inside the
 * solvent sphere.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMrc } from '../../src/io/mrc/index.js';
import { pearson } from '../../src/math/statistics.js';
import { inscribedEllipsoidMask } from '../../src/math/inscribed-ellipsoid.js';
import { PROJECT_ROOT, SHARED_DATA, SHARED_REFERENCE, HAVE_SHARED, skipWithoutShared } from '../helpers/shared-data.js';
import { NODE_ARGS } from '../helpers/cli.js';

const run = promisify(execFile);
const skip = skipWithoutShared();

/** Default runs: folder name → input file in ../shared/data. */
function defaultRuns(): { name: string; input: string; refDir: string }[] {
  if (!HAVE_SHARED) return [];
  const runs: { name: string; input: string; refDir: string }[] = [];
  for (const name of readdirSync(SHARED_REFERENCE).sort()) {
    const refDir = join(SHARED_REFERENCE, name, 'default');
    if (!existsSync(join(refDir, 'result.json'))) continue;
    const candidates = [join(SHARED_DATA, `${name}.map`), join(SHARED_DATA, `${name}.map.gz`), join(SHARED_DATA, `${name}.mrc.gz`), join(SHARED_REFERENCE, name, 'map.mrc.gz')];
    const input = candidates.find((c) => existsSync(c));
    assert.ok(input, `no input map found for reference run ${name}`);
    runs.push({ name, input, refDir });
  }
  return runs;
}


describe('reference runs of the original OccuPy (default settings)', { skip }, () => {
  const runs = defaultRuns();
  let out: string;
  before(() => {
    out = mkdtempSync(join(tmpdir(), 'occupy-ref-'));
  });

  it('covers every default run of the reference README (at least 10)', () => {
    assert.ok(runs.length >= 10, `found ${runs.length} default runs`);
  });

  for (const r of runs) {
    it(`${r.name}: settings, s_max, solvent model and maps match`, async (t) => {
      const ref = JSON.parse(readFileSync(join(r.refDir, 'result.json'), 'utf8'));
      const dir = join(out, r.name);
      const { stdout } = await run(process.execPath, [...NODE_ARGS, '-i', r.input, '-o', join(dir, `${r.name}.mrc`), '--json', '--quiet'], { cwd: PROJECT_ROOT });
      const s = JSON.parse(stdout);
      const e = ref.exact;
      assert.equal(s.kernelSize, e['options.kernel_size']);
      assert.ok(Math.abs(s.kernelRadiusVoxels - e['options.kernel_radius']) < 1e-6, `kernel radius ${s.kernelRadiusVoxels} vs ${e['options.kernel_radius']}`);
      assert.equal(s.nV, e.n_v);
      assert.ok(Math.abs(s.tau - e['options.tau']) <= 5e-4, `tau ${s.tau} vs ${e['options.tau']}`);
      assert.ok(Math.abs(s.sMax - e.max_val) <= 0.01 * Math.abs(e.max_val), `s_max ${s.sMax} vs ${e.max_val}`);
      const [, mu, sigma] = e.solvent_parameters;
      // mu within 3 % of itself, or of the solvent width when the peak sits at ~0 density
      assert.ok(Math.abs(s.solventModel.mu - mu) <= 0.03 * Math.max(Math.abs(mu), sigma), `mu ${s.solventModel.mu} vs ${mu}`);
      assert.ok(Math.abs(s.solventModel.sigma - sigma) <= 0.03 * sigma, `sigma ${s.solventModel.sigma} vs ${sigma}`);

      const scaleName = readdirSync(r.refDir).find((f) => f.startsWith('scale_res_'))!;
      const stem = r.name;
      const ours = await readMrc(join(dir, `scale_res_${stem}.mrc`));
      const theirs = await readMrc(join(r.refDir, scaleName));
      const sphere = inscribedEllipsoidMask(ours.volume.shape);
      const rScale = pearson(ours.volume.data, theirs.volume.data, sphere);
      assert.ok(rScale >= 0.995, `scale r = ${rScale.toFixed(4)}`);
      t.diagnostic(`s_max ${s.sMax.toPrecision(6)} (ref ${e.max_val.toPrecision(6)}), mu ${s.solventModel.mu.toPrecision(4)} (ref ${mu.toPrecision(4)}), sigma ${s.solventModel.sigma.toPrecision(4)} (ref ${sigma.toPrecision(4)}), scale r ${rScale.toFixed(4)}`);

      const confOurs = await readMrc(join(dir, `conf_${stem}.mrc`));
      const confTheirs = await readMrc(join(r.refDir, `conf_${scaleName.replace(/^scale_res_/, '')}`));
      const theirsConstant = confTheirs.volume.data.every((v) => v === confTheirs.volume.data[0]);
      if (theirsConstant) {
        // emd_3197: the original's solvent fit fails and its confidence is 0 everywhere; ours must agree and say so.
        assert.ok(confOurs.volume.data.every((v) => v === confTheirs.volume.data[0]), 'confidence should be constant like the reference');
        assert.ok(s.warnings.some((w: string) => /solvent model failed/.test(w)), 'a failed solvent model must be reported');
      } else {
        const rConf = pearson(confOurs.volume.data, confTheirs.volume.data, sphere);
        // where the solvent peak is under 10 per density unit (emd_5168: c 0.19) the original's
        // confidence depends on the map's units (×10 moved EMD-5168's limit from 0.139 to 0.083);
        // ours reads the constants in proportion to c there (histogramHeightUnit): a little apart
        const unitFree = s.solventModel.c < 10;
        assert.ok(rConf >= (unitFree ? 0.98 : 0.99), `confidence r = ${rConf.toFixed(4)} (solvent peak ${s.solventModel.c})`);
        t.diagnostic(`confidence r ${rConf.toFixed(4)}`);
      }
    });
  }

  it('cleans up', () => {
    if (out) rmSync(out, { recursive: true, force: true });
  });
});
