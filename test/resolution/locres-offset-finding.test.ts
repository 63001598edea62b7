/**
 * `occupy locres` on one map (MonoRes with a mask, ResMap) does not say the `offset` finding: it
 * speaks of the local scale ("every scale reads higher … subtract … from the map first"), and a
 * constant does not move these methods' local resolution (synth_occ128 + 0.2 × its largest
 * value: ResMap every voxel as on the map, MonoRes the same median, p5 and p95). Session 55's new
 * finding had been printed there, as `decompose` and the half-map commands already leave it out.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMrc, writeMrc } from '../../src/io/mrc/index.js';
import { diagnoseMap } from '../../src/diagnostics/index.js';
import { loadFft } from '../../src/math/fft.js';
import { runCli } from '../helpers/cli.js';
import { SHARED_REFERENCE, skipWithoutShared } from '../helpers/shared-data.js';

const skip = skipWithoutShared();

describe('locres on one map: no offset finding', { skip, timeout: 300_000 }, () => {
  let dir: string;
  const mask = join(SHARED_REFERENCE, 'synth_occ128', 'truth_mask.mrc.gz');
  before(async () => {
    await loadFft();
    dir = mkdtempSync(join(tmpdir(), 'occupy-locres-offset-'));
    const m = await readMrc(join(SHARED_REFERENCE, 'synth_occ128', 'map.mrc.gz'));
    let top = 0;
    for (const x of m.volume.data) top = Math.max(top, Math.abs(x));
    const plus = { ...m.volume, data: m.volume.data.map((x) => x + 0.2 * top) };
    // the map itself has the finding
    assert.ok(diagnoseMap(plus).findings.some((f) => f.code === 'offset'));
    await writeMrc(join(dir, 'plus.mrc'), plus, { template: m.header });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const method of ['monores', 'resmap']) {
    it(`--method ${method}`, async () => {
      const r = await runCli(['locres', join(dir, 'plus.mrc'), '--method', method, '--mask', mask, '-o', join(dir, `${method}.mrc`), '--json']);
      const j = JSON.parse(r.stdout) as { warnings: string[]; diagnostics: { code: string }[] };
      assert.deepEqual(j.diagnostics.map((d) => d.code).filter((c) => c === 'offset'), [], JSON.stringify(j.diagnostics));
      assert.ok(!j.warnings.some((w) => w.includes('[offset]')), j.warnings.join('\n'));
      assert.doesNotMatch(r.stderr, /\[offset\]/);
    });
  }
});
