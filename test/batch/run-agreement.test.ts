/**
 * `occupy batch` reports what its results files say: a map a run finds complete is reported ok by
 * `collect` too, also after a later run with other settings (or a failed `--force`) left an error
 * record for it. Synthetic 32³ maps only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { resolveBatchInputs } from '../../src/batch/inputs.js';
import { runBatch } from '../../src/batch/runner.js';
import { collectBatch } from '../../src/batch/collect.js';
import { loadFft } from '../../src/math/fft.js';

/** A small deterministic test map (n³) as MRC bytes. */
function mapBytes(seed: number, n = 32): Uint8Array {
  const c = n / 2;
  const { map } = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 2, resolutionA: 6, snr: 5, seed, domains: [{ centreVoxel: [c - 5, c, c], radiusA: 9, occupancy: 1 }, { centreVoxel: [c + 6, c, c], radiusA: 8, occupancy: 0.5 }] });
  return encodeMrc(map);
}

/** The `status` column of each row of `results.csv` by id. */
function csvStatus(csvPath: string): Record<string, string> {
  const [head, ...rows] = readFileSync(csvPath, 'utf8').trimEnd().split('\n');
  const cols = head.split(',');
  const out: Record<string, string> = {};
  for (const row of rows) {
    const cells = row.split(',');
    out[cells[cols.indexOf('id')]] = cells[cols.indexOf('status')];
  }
  return out;
}

describe('occupy batch: run summary and results.csv agree', () => {
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'occupy-batch-agree-'));
    await loadFft();
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /** A folder `name` of the work folder holding one map (`m<seed>.mrc`): its batch items and output root. */
  async function oneMapBatch(name: string, seed: number) {
    const dir = join(work, name);
    mkdirSync(dir);
    writeFileSync(join(dir, `m${seed}.mrc`), mapBytes(seed));
    return { items: await resolveBatchInputs([join(dir, `m${seed}.mrc`)]), out: join(dir, 'out') };
  }

  it('a map found complete after a refused --lowpass run is ok in results.csv, and stays so on the next rerun', async () => {
    const { items, out } = await oneMapBatch('lowpass', 5);
    const amplify = { seed: 0, modifications: [{ kind: 'amplify' as const, gamma: 2 }] };
    assert.equal((await runBatch(items, amplify, { outRoot: out })).done, 1);
    const refused = await runBatch(items, { ...amplify, lowpassA: 12 }, { outRoot: out });
    assert.equal(refused.failed, 1);
    assert.match(refused.records[0].message ?? '', /would change/);
    const again = await runBatch(items, amplify, { outRoot: out });
    assert.deepEqual([again.skipped, again.failed, again.records[0].status], [1, 0, 'ok']);
    const { records, csvPath } = await collectBatch(out);
    assert.deepEqual(records.map((r) => r.status), ['ok']);
    assert.deepEqual(csvStatus(csvPath), { [items[0].id]: 'ok' });
    // a further rerun finds the ok record current: nothing appended
    const lines = readFileSync(join(out, 'results.jsonl'), 'utf8');
    assert.equal((await runBatch(items, amplify, { outRoot: out })).skipped, 1);
    assert.equal(readFileSync(join(out, 'results.jsonl'), 'utf8'), lines);
  });

  it('a map found complete after a --force run failed on a user folder inside it is ok in results.csv', async () => {
    const { items, out } = await oneMapBatch('force', 1);
    assert.equal((await runBatch(items, { seed: 0 }, { outRoot: out })).done, 1);
    mkdirSync(join(out, items[0].id, 'my_notes'));
    assert.equal((await runBatch(items, { seed: 0 }, { outRoot: out, force: true })).failed, 1);
    assert.equal((await runBatch(items, { seed: 0 }, { outRoot: out })).skipped, 1);
    const { csvPath } = await collectBatch(out);
    assert.deepEqual(csvStatus(csvPath), { [items[0].id]: 'ok' });
  });
});
