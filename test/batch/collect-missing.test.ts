/**
 * `occupy batch collect` checks the records against the batch's plans: a shard that never ran (or
 * ran with other settings, or stopped early) is named with its maps in one line, the merged files
 * list those maps as `missing`, and the exit code is 3; once every map has its record, collect is
 * quiet and exits 0. Synthetic 32³ maps only.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { resolveBatchInputs, type BatchItem } from '../../src/batch/inputs.js';
import { runBatch } from '../../src/batch/runner.js';
import { PLAN_DIR } from '../../src/batch/plan.js';
import { loadFft } from '../../src/math/fft.js';
import { occupy } from '../helpers/occupy-child.js';
import { tempFolders } from '../helpers/temp-folder.js';

const tempDir = tempFolders('occupy-collect-missing-');

/** A small deterministic test map (n³) as MRC bytes. */
function mapBytes(seed: number, n = 32): Uint8Array {
  const c = n / 2;
  const { map } = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 2, resolutionA: 6, snr: 5, seed, domains: [{ centreVoxel: [c - 5, c, c], radiusA: 9, occupancy: 1 }, { centreVoxel: [c + 6, c, c], radiusA: 8, occupancy: 0.5 }] });
  return encodeMrc(map);
}

/** Rows of results.csv as {id, status, message, shard}. */
function csvRows(out: string): { id: string; status: string; message: string; shard: string }[] {
  const [head, ...lines] = readFileSync(join(out, 'results.csv'), 'utf8').trimEnd().split('\n');
  const cols = head.split(',');
  return lines.map((l) => {
    const cells = l.split(','); // the rows checked here have no quoted cells before `shard`
    const at = (c: string) => cells[cols.indexOf(c)] ?? '';
    return { id: at('id'), status: at('status'), message: at('message'), shard: at('shard') };
  });
}

describe('occupy batch collect: missing shards and maps', () => {
  let dir: string;
  let maps: string[];
  let items: BatchItem[];
  before(async () => {
    await loadFft();
    dir = await tempDir();
    maps = [0, 1, 2, 3].map((k) => {
      const p = join(dir, `m${k}.mrc`);
      writeFileSync(p, mapBytes(200 + k));
      return p;
    });
    items = await resolveBatchInputs(maps);
  });

  it('a shard that never ran: one line naming it and its map, the map listed as missing, exit 3; complete once it ran', async () => {
    const out = join(dir, 'sharded');
    for (const index of [0, 1, 3]) assert.equal((await runBatch(items, { seed: 0 }, { outRoot: out, shard: { index, count: 4 } })).done, 1);
    const c = await occupy(['batch', 'collect', out, '--json']);
    assert.equal(c.code, 3, c.stderr);
    const plans = readdirSync(join(out, PLAN_DIR));
    assert.equal(plans.length, 1, 'every shard wrote the same plan');
    assert.deepEqual(c.stderr.trim().split('\n'), [
      `WARNING: incomplete batch: shard 2/4 never ran (no results.shard-2-of-4.jsonl): no record of its map: ${items[2].id} (batch planned in '${join(out, PLAN_DIR, plans[0])}')`,
    ]);
    assert.deepEqual(JSON.parse(c.stdout), { maps: 4, failed: 0, missing: 1, missingIds: [items[2].id], csv: join(out, 'results.csv'), html: join(out, 'report.html') });
    assert.deepEqual(csvRows(out).map((r) => [r.id, r.status, r.shard]), items.map((it, k) => [it.id, k === 2 ? 'missing' : 'ok', k === 2 ? '2/4' : `${k}/4`]));
    assert.match(csvRows(out)[2].message, /^no record: shard 2\/4 did not record it \(results\.shard-2-of-4\.jsonl\)$/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /Incomplete batch: 1 map of the batch has no record with its settings \(shard 2\/4\)/);
    assert.match(html, /4 maps: 3 ok, 0 solvent model failed, 0 failed, 1 missing \(no record\)/);
    // the text summary says so too, and -q keeps the warning
    const t = await occupy(['batch', 'collect', out]);
    assert.equal(t.code, 3);
    assert.match(t.stdout, /^4 maps \(0 failed, 1 missing: no record, see the warnings\)\nWrote .*results\.csv \(incomplete\)\n/);
    const q = await occupy(['batch', 'collect', out, '-q']);
    assert.deepEqual([q.code, q.stdout, q.stderr.trim().split('\n').length], [3, '', 1]);
    // the shard runs: complete
    assert.equal((await runBatch(items, { seed: 0 }, { outRoot: out, shard: { index: 2, count: 4 } })).done, 1);
    const d = await occupy(['batch', 'collect', out, '--json']);
    assert.deepEqual([d.code, d.stderr], [0, '']);
    assert.equal(JSON.parse(d.stdout).missing, 0);
    assert.ok(csvRows(out).every((r) => r.status === 'ok'));
  });

  it('new settings, one shard not run: its maps are named (recorded with other settings only), not taken for complete', async () => {
    const out = join(dir, 'settings');
    assert.equal((await runBatch(items, { seed: 0 }, { outRoot: out })).done, 4);
    const amplify = { seed: 0, modifications: [{ kind: 'amplify' as const, gamma: 2 }] };
    assert.equal((await runBatch(items, amplify, { outRoot: out, shard: { index: 0, count: 2 } })).done, 2);
    const c = await occupy(['batch', 'collect', out, '--json']);
    assert.equal(c.code, 3, c.stderr);
    assert.match(c.stderr, new RegExp(`^WARNING: incomplete batch: shard 1/2 never ran \\(no results\\.shard-1-of-2\\.jsonl\\): no record of its 2 maps: ${items[1].id} \\(recorded with other settings only\\), ${items[3].id} \\(recorded with other settings only\\) \\(batch planned in '.*'\\)\\n$`));
    assert.deepEqual(JSON.parse(c.stdout).missingIds, [items[1].id, items[3].id]);
  });

  it('--slurm writes the plan: an array task that never ran, or stopped after some of its maps, is named', async () => {
    const out = join(dir, 'slurm');
    const s = await occupy(['batch', ...maps, '-d', out, '--slurm', '--tasks', '2', '-q']);
    assert.equal(s.code, 0, s.stderr);
    assert.ok(existsSync(join(out, 'occupy_batch.sbatch')));
    assert.equal(readdirSync(join(out, PLAN_DIR)).length, 1);
    // task 0 runs (maps 0 and 2) but is stopped after its first map; task 1 never runs
    const r = await occupy(['batch', ...maps, '-d', out, '--shard', '0/2', '-q']);
    assert.equal(r.code, 0, r.stderr);
    const file = join(out, 'results.shard-0-of-2.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').split('\n')[0] + '\n');
    const c = await occupy(['batch', 'collect', out, '-q']);
    assert.equal(c.code, 3);
    const lines = c.stderr.trim().split('\n');
    assert.equal(lines.length, 2, c.stderr);
    assert.match(lines[0], new RegExp(`^WARNING: incomplete batch: shard 0/2 did not finish \\(stopped early, or still running\\): no record of 1 of its 2 maps: ${items[2].id} \\(batch planned in`));
    assert.match(lines[1], new RegExp(`^WARNING: incomplete batch: shard 1/2 never ran \\(no results\\.shard-1-of-2\\.jsonl\\): no record of its 2 maps: ${items[1].id}, ${items[3].id} \\(batch planned in`));
  });

  it('--slurm written, no array task ran yet: every shard and map is named as missing, exit 3 (not "nothing to collect", exit 1)', async () => {
    const out = join(dir, 'slurm-none');
    const s = await occupy(['batch', ...maps, '-d', out, '--slurm', '--tasks', '2', '-q']);
    assert.equal(s.code, 0, s.stderr);
    const c = await occupy(['batch', 'collect', out, '--json']);
    assert.equal(c.code, 3, c.stderr);
    const lines = c.stderr.trim().split('\n');
    assert.equal(lines.length, 2, c.stderr);
    assert.match(lines[0], new RegExp(`^WARNING: incomplete batch: shard 0/2 never ran \\(no results\\.shard-0-of-2\\.jsonl\\): no record of its 2 maps: ${items[0].id}, ${items[2].id} \\(batch planned in`));
    assert.match(lines[1], new RegExp(`^WARNING: incomplete batch: shard 1/2 never ran \\(no results\\.shard-1-of-2\\.jsonl\\): no record of its 2 maps: ${items[1].id}, ${items[3].id} \\(batch planned in`));
    assert.deepEqual(JSON.parse(c.stdout).missingIds, items.map((it) => it.id).sort());
    assert.deepEqual(csvRows(out).map((r) => r.status), ['missing', 'missing', 'missing', 'missing']);
    // a folder with neither a results file nor a plan is still refused in one line
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const e = await occupy(['batch', 'collect', empty]);
    assert.equal(e.code, 1);
    assert.match(e.stderr, /no results\*\.jsonl in '.*empty': nothing to collect/);
  });

  it('a map that failed: collect exits 3 as the batch run did (it had exited 0), and says how many failed', async () => {
    const out = join(dir, 'failed');
    const bad = join(dir, 'mask.mrc');
    const n = 32;
    const m = new Float32Array(n ** 3).map((_, i) => (i % n > 8 && i % n < 24 ? 1 : 0)); // a binary mask: not density
    writeFileSync(bad, encodeMrc({ data: m, shape: [n, n, n], voxelSizeA: [2, 2, 2] }));
    const r = await runBatch(await resolveBatchInputs([maps[0], bad]), { seed: 0 }, { outRoot: out });
    assert.deepEqual([r.done, r.failed], [1, 1]);
    const c = await occupy(['batch', 'collect', out, '--json']);
    assert.equal(c.code, 3, c.stderr);
    const j = JSON.parse(c.stdout) as { maps: number; failed: number; missing: number };
    assert.deepEqual([j.maps, j.failed, j.missing], [2, 1, 0]);
    assert.deepEqual(csvRows(out).map((x) => x.status).sort(), ['error', 'ok']);
  });
});
