/**
 * `occupy batch` resumes by settings and input content, not by folder (issue 13 item 3): a rerun
 * with other modification settings writes its maps beside the earlier ones, the same settings are
 * "already complete", other estimation settings are refused with a hint, a changed input file is
 * recomputed; logs name the final paths; records carry the seed, the key and the resolved settings;
 * a failed map gives exit code 3.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { parseRecords, type BatchRecord } from '../../src/batch/record.js';
import { runCli } from '../helpers/cli.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function occupy(args: string[], cwd: string): Promise<Run> {
  try {
    const r = await runCli(args, cwd);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function phantom(path: string, seed: number): Promise<void> {
  const n = 32;
  const c = n / 2;
  const { map } = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 2, resolutionA: 6, snr: 5, seed, domains: [{ centreVoxel: [c - 5, c, c], radiusA: 9, occupancy: 1 }, { centreVoxel: [c + 6, c, c], radiusA: 8, occupancy: 0.5 }] });
  await writeMrc(path, map);
}

describe('occupy batch: completion keyed by settings and input content', () => {
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'occupy-batch-key-'));
    await phantom(join(work, 'a.mrc'), 3);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('--attenuate 2 after --amplify 2 adds the attn_* map beside the ampl_* map; the same settings again are complete; other estimation settings are refused with a hint (exit 3)', async () => {
    const out = join(work, 'out');
    // the same file twice (relative and absolute): one map
    const first = await occupy(['batch', 'a.mrc', join(work, 'a.mrc'), '-d', out, '--amplify', '2', '--json'], work);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout).maps, 1);
    const [id] = readdirSync(out).filter((f) => !f.startsWith('.') && statSync(join(out, f)).isDirectory());
    const dir = join(out, id);
    const amplBytes = readFileSync(join(dir, `ampl_2.0_${id}.mrc`));

    const second = await occupy(['batch', 'a.mrc', '-d', out, '--attenuate', '2', '--json'], work);
    assert.equal(second.code, 0, second.stderr);
    const s2 = JSON.parse(second.stdout) as { done: number; skipped: number };
    assert.deepEqual([s2.done, s2.skipped], [1, 0], 'other settings are not "already complete"');
    const files = readdirSync(dir);
    assert.ok(files.includes(`attn_2.0_${id}.mrc`), files.join(', '));
    assert.ok(readFileSync(join(dir, `ampl_2.0_${id}.mrc`)).equals(amplBytes), 'the earlier ampl_* map is kept as it was');
    assert.ok(files.some((f) => /^log_.*\.[0-9a-f]{8}\.txt$/.test(f)), `the earlier log is kept: ${files.join(', ')}`);
    // the log names the final paths, never the staging folder
    const log = readFileSync(join(dir, `log_${id}.txt`), 'utf8');
    assert.ok(log.includes(join(dir, `attn_2.0_${id}.mrc`)), log);
    assert.doesNotMatch(log, /\.staging/);
    assert.doesNotMatch(readFileSync(join(dir, `chimX_${id}.cxc`), 'utf8'), /\.staging/);

    const recs = parseRecords(readFileSync(join(out, 'results.jsonl'), 'utf8'));
    const last = recs[recs.length - 1] as BatchRecord;
    assert.equal(last.status, 'ok');
    assert.equal(last.seed, 0);
    assert.equal(last.settings.seed, 0);
    assert.match(last.key ?? '', /^[0-9a-f]{16}$/);
    assert.equal(last.keys?.length, 2);
    assert.deepEqual(last.resolvedSettings?.modifications, [{ kind: 'attenuate', power: 2 }]);
    assert.equal(typeof last.inputSha256, 'string');
    assert.ok(last.files?.includes(relative(out, join(dir, `ampl_2.0_${id}.mrc`))), 'the record lists every map in the folder');

    // both settings are now complete
    const [againA, againB] = [
      await occupy(['batch', 'a.mrc', '-d', out, '--attenuate', '2', '--json'], work),
      await occupy(['batch', 'a.mrc', '-d', out, '--amplify', '2', '--json'], work),
    ];
    for (const r of [againA, againB]) {
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout) as { done: number; skipped: number };
      assert.deepEqual([s.done, s.skipped], [0, 1]);
    }

    // another low-pass changes the scale map: refused (not silently replaced), with the way out
    const other = await occupy(['batch', 'a.mrc', '-d', out, '--amplify', '2', '--lowpass', '12', '--json'], work);
    assert.equal(other.code, 3, other.stderr);
    const failed = parseRecords(readFileSync(join(out, 'results.jsonl'), 'utf8')).pop() as BatchRecord;
    assert.equal(failed.status, 'error');
    assert.match(failed.message ?? '', /would change: rerun with --force .* or write to a new -d folder/);
    assert.ok(readFileSync(join(dir, `ampl_2.0_${id}.mrc`)).equals(amplBytes), 'nothing replaced');
    // --force replaces the folder with the new settings' outputs only
    const forced = await occupy(['batch', 'a.mrc', '-d', out, '--amplify', '2', '--lowpass', '12', '--force', '-q'], work);
    assert.equal(forced.code, 0, forced.stderr);
    assert.ok(!readdirSync(dir).includes(`attn_2.0_${id}.mrc`));
  });

  it('a changed input file under the same name is not "already complete": refused with the hint, then --force recomputes it', async () => {
    const out = join(work, 'out-changed');
    copyFileSync(join(work, 'a.mrc'), join(work, 'b.mrc'));
    const first = await occupy(['batch', 'b.mrc', '-d', out, '--json'], work);
    assert.equal(first.code, 0, first.stderr);
    await phantom(join(work, 'b.mrc'), 99); // new content, same path
    const second = await occupy(['batch', 'b.mrc', '-d', out, '--json'], work);
    assert.equal(second.code, 3, second.stderr);
    assert.equal(JSON.parse(second.stdout).skipped, 0);
    const forced = await occupy(['batch', 'b.mrc', '-d', out, '--json', '--force'], work);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(JSON.parse(forced.stdout).done, 1);
    const again = await occupy(['batch', 'b.mrc', '-d', out, '--json'], work);
    assert.deepEqual([JSON.parse(again.stdout).done, JSON.parse(again.stdout).skipped], [0, 1]);
  });

  it('--plot --amplify 3 after --plot --amplify 2: both maps kept, the modification plot named by the map (session 55: gamma_modification.png, without the id, was taken for a file batch did not write and the rerun failed, exit 3)', async () => {
    const out = join(work, 'out-plot');
    const first = await occupy(['batch', 'a.mrc', '-d', out, '--amplify', '2', '--plot', '-q'], work);
    assert.equal(first.code, 0, first.stderr);
    const second = await occupy(['batch', 'a.mrc', '-d', out, '--amplify', '3', '--plot', '--json'], work);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(JSON.parse(second.stdout).done, 1);
    const [id] = readdirSync(out).filter((f) => !f.startsWith('.') && statSync(join(out, f)).isDirectory());
    const files = readdirSync(join(out, id));
    for (const f of [`ampl_2.0_${id}.mrc`, `ampl_3.0_${id}.mrc`, `gamma_modification_${id}.png`, `gamma_modification_${id}.svg`]) assert.ok(files.includes(f), `${f} missing from ${files.join(', ')}`);
    // the plot describes the new run, as its log and ChimeraX script do
    assert.ok(readFileSync(join(out, id, `gamma_modification_${id}.svg`), 'utf8').includes('amplify g=3.0'));
  });
});
