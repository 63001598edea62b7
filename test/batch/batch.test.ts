/**
 * `occupy batch`: serial and threaded runs agree byte for byte, a killed run resumes without
 * redoing or losing maps, bad maps become error records, Class3D model.star inputs, collect, and
 * the SLURM script.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { latestRecords, parseRecords, type BatchRecord } from '../../src/batch/record.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { PROJECT_ROOT, SHARED_DATA, skipWithoutShared } from '../helpers/shared-data.js';
import { NODE_ARGS, runCli } from '../helpers/cli.js';
import { waitUntil } from '../helpers/wait-until.js';

const skip = skipWithoutShared();

const cli = (args: string[], cwd = PROJECT_ROOT) => runCli(args, cwd);

/** Numeric and status fields that must agree between runs (times and shards aside). */
function comparable(r: BatchRecord) {
  const { seconds: _s, shard: _sh, files: _f, finishedAt: _t, ...rest } = r;
  return rest;
}

async function synthMaps(dir: string, count: number, n = 32): Promise<string[]> {
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const c = n / 2;
    const { map } = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 2, resolutionA: 6, snr: 5, seed: 100 + k, domains: [{ centreVoxel: [c - 5, c, c], radiusA: 9, occupancy: 1 }, { centreVoxel: [c + 6, c, c], radiusA: 8, occupancy: 0.5 }] });
    const p = join(dir, `synth_${String(k).padStart(2, '0')}.mrc`);
    await writeMrc(p, map);
    out.push(p);
  }
  return out;
}

function mapsOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const id of readdirSync(dir)) {
    const sub = join(dir, id);
    if (!statSync(sub).isDirectory() || id.startsWith('.')) continue;
    for (const f of readdirSync(sub)) if (f.endsWith('.mrc')) out.set(`${id}/${f}`, readFileSync(join(sub, f)));
  }
  return out;
}

describe('occupy batch', { skip }, () => {
  let work: string;
  let inputs: string[];
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'occupy-batch-'));
    const real = readdirSync(SHARED_DATA).filter((f) => /\.(map|mrc)(\.gz)?$/.test(f) && !f.includes('localres')).map((f) => join(SHARED_DATA, f));
    inputs = [...real, ...(await synthMaps(work, 3))];
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('serial and --jobs 2 runs give byte-identical maps and the same records (8+ maps)', async () => {
    assert.ok(inputs.length >= 8, `${inputs.length} inputs`);
    const manifest = join(work, 'maps.txt');
    writeFileSync(manifest, `# all test maps\n${inputs.join('\n')}\n`);
    await cli(['batch', manifest, '-d', join(work, 'serial'), '--jobs', '1', '-q']);
    await cli(['batch', manifest, '-d', join(work, 'threads'), '--jobs', '2', '-q']);
    // records are appended as maps finish: in input order serially, in any order with --jobs 2
    const a = latestRecords(parseRecords(readFileSync(join(work, 'serial', 'results.jsonl'), 'utf8')));
    const b = latestRecords(parseRecords(readFileSync(join(work, 'threads', 'results.jsonl'), 'utf8')));
    assert.equal(a.length, inputs.length);
    assert.deepEqual(b.map(comparable), a.map(comparable));
    assert.ok(a.every((r) => r.status === 'ok'), a.filter((r) => r.status !== 'ok').map((r) => `${r.id}: ${r.message}`).join('; '));
    const ma = mapsOf(join(work, 'serial'));
    const mb = mapsOf(join(work, 'threads'));
    assert.ok(ma.size >= 2 * inputs.length);
    assert.deepEqual([...mb.keys()].sort(), [...ma.keys()].sort());
    for (const [k, v] of ma) assert.ok(v.equals(mb.get(k) as Buffer), `${k} differs`);
    // every record has what the issue asks for
    for (const r of a) {
      for (const key of ['box', 'voxelSizeA', 'sMax', 'solventModel', 'confidenceLimit', 'variabilityLimit', 'meanScaleConfident', 'fractionFullScale', 'warnings', 'seconds', 'settings'] as const) assert.ok(r[key] !== undefined, `${r.id}: ${key}`);
    }
  });

  it('a rerun skips complete maps; --force redoes them', async () => {
    const out = join(work, 'serial');
    const id = parseRecords(readFileSync(join(out, 'results.jsonl'), 'utf8')).find((r) => r.map.endsWith('emd_1832.map.gz'))?.id ?? 'not found';
    const stamp = statSync(join(out, id, 'record.json')).mtimeMs;
    const { stdout } = await cli(['batch', join(work, 'maps.txt'), '-d', out, '--jobs', '1', '--json', '-q']);
    const s = JSON.parse(stdout);
    assert.equal(s.skipped, inputs.length);
    assert.equal(s.done, 0);
    assert.equal(statSync(join(out, id, 'record.json')).mtimeMs, stamp);
    const forced = JSON.parse((await cli(['batch', inputs[0], '-d', out, '--force', '--json', '-q'])).stdout);
    assert.equal(forced.done, 1);
  });

  it('SIGKILL half-way, then a rerun: nothing redone, nothing missing, no partial file', async () => {
    const killDir = join(work, 'kill-inputs');
    mkdirSync(killDir);
    const maps = await synthMaps(killDir, 12, 64);
    const out = join(work, 'killed');
    const child = spawn(process.execPath, [...NODE_ARGS, 'batch', ...maps, '-d', out, '--jobs', '1', '-q'], { cwd: PROJECT_ROOT, stdio: 'ignore' });
    const results = join(out, 'results.jsonl');
    // (until three maps are recorded, 120 s at most: 600 polls of 50 ms had gone on to the kill after
    // 30 s whatever the run had done, which a loaded machine's start-up from source and maps can outrun)
    try {
      await waitUntil(() => existsSync(results) && readFileSync(results, 'utf8').trim().split('\n').length >= 3, 'three maps recorded by the run', 120_000, 50);
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.on('exit', r));
    const before = parseRecords(readFileSync(results, 'utf8'));
    assert.ok(before.length >= 3 && before.length < 12, `${before.length} maps done before the kill`);
    const stamps = new Map(before.map((r) => [r.id, statSync(join(out, r.id, 'record.json')).mtimeMs]));
    const { stdout } = await cli(['batch', ...maps, '-d', out, '--jobs', '1', '--json', '-q']);
    const s = JSON.parse(stdout);
    // a map put in place just before the kill, but not yet recorded, counts as complete too
    assert.ok(s.skipped >= before.length && s.skipped <= before.length + 1, `${s.skipped} skipped, ${before.length} recorded before`);
    assert.equal(s.done + s.skipped, 12);
    for (const [id, t] of stamps) assert.equal(statSync(join(out, id, 'record.json')).mtimeMs, t, `${id} was redone`);
    const after = parseRecords(readFileSync(results, 'utf8'));
    assert.equal(after.length, 12, 'one record per map, none twice');
    assert.deepEqual(after.map((r) => r.map).sort(), [...maps].sort());
    // no staging folder, no temporary file anywhere
    assert.ok(!existsSync(join(out, '.staging')));
    const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [f]));
    assert.deepEqual(walk(out).filter((f) => /\.tmp|\.part/.test(f)), []);
  });

  it('a missing file, a truncated map and a text file give three error records; the rest complete; exit code 3', async () => {
    const bad = join(work, 'bad');
    mkdirSync(bad);
    const good = join(bad, 'good.mrc');
    copyFileSync(inputs[inputs.length - 1], good);
    const truncated = join(bad, 'truncated.mrc');
    writeFileSync(truncated, readFileSync(good).subarray(0, 3000));
    const text = join(bad, 'notes.mrc');
    writeFileSync(text, 'these are my notes, not a map\n'.repeat(60));
    const manifest = join(bad, 'maps.txt');
    writeFileSync(manifest, `good.mrc\nmissing.mrc\ntruncated.mrc\nnotes.mrc\n`);
    const err = await cli(['batch', manifest, '-d', join(bad, 'out'), '-q']).then(
      () => assert.fail('must exit non-zero'),
      (e: { code: number }) => e,
    );
    assert.equal(err.code, 3);
    const recs = parseRecords(readFileSync(join(bad, 'out', 'results.jsonl'), 'utf8'));
    const byMap = new Map(recs.map((r) => [r.map, r]));
    assert.equal(byMap.get('good.mrc')?.status, 'ok');
    assert.match(byMap.get('missing.mrc')?.message ?? '', /no such file/);
    assert.match(byMap.get('truncated.mrc')?.message ?? '', /truncated/);
    assert.match(byMap.get('notes.mrc')?.message ?? '', /byte order|MRC|header/i);
    for (const m of ['missing.mrc', 'truncated.mrc', 'notes.mrc']) assert.ok(!existsSync(join(bad, 'out', byMap.get(m)?.id ?? m)), `${m}: no output folder`);
  });

  it('reads the class maps of a RELION Class3D model.star and reports their distribution', async () => {
    const project = join(work, 'relion');
    const job = join(project, 'Class3D', 'job020');
    mkdirSync(job, { recursive: true });
    const maps = await synthMaps(job, 3, 32);
    const names = maps.map((m, i) => {
      const to = join(job, `run_it025_class00${i + 1}.mrc`);
      copyFileSync(m, to);
      return `Class3D/job020/run_it025_class00${i + 1}.mrc`;
    });
    const star = [
      '# version 30001', '', 'data_model_general', '', '_rlnReferenceDimensionality 3', '_rlnNrClasses 3', '', 'data_model_classes', '', 'loop_',
      '_rlnReferenceImage #1', '_rlnClassDistribution #2', '_rlnEstimatedResolution #3',
      ...names.map((n, i) => `${n} ${[0.5, 0.3, 0.2][i]} ${8 + i}`), '',
    ].join('\n');
    const starPath = join(job, 'run_it025_model.star');
    writeFileSync(starPath, star);
    await cli(['batch', starPath, '-d', join(project, 'occupy'), '-q'], project);
    const recs = parseRecords(readFileSync(join(project, 'occupy', 'results.jsonl'), 'utf8'));
    assert.deepEqual(recs.map((r) => [r.classNumber, r.classDistribution, r.status]), [[1, 0.5, 'ok'], [2, 0.3, 'ok'], [3, 0.2, 'ok']]);
    // each class in its own folder classNNN_<stem>-<hash>, as the README's *Many maps* says (it had named only <stem>-<hash> and emd_<ID>)
    assert.deepEqual(recs.map((r) => r.id.replace(/-[0-9a-f]{8}$/, '-<hash>')), [1, 2, 3].map((k) => `class00${k}_run_it025_class00${k}-<hash>`));
    for (const r of recs) assert.ok(existsSync(join(project, 'occupy', r.id)), `${r.id}: its folder`);
    assert.match(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'), /`classNNN_<stem>-<hash>`\s+for the classes of a Class3D `model\.star`/);
    const { stdout } = await cli(['batch', 'collect', join(project, 'occupy'), '--json']);
    const c = JSON.parse(stdout);
    assert.equal(c.maps, 3);
    const html = readFileSync(c.html, 'utf8');
    assert.match(html, /<th>class<\/th><th>distribution<\/th>/);
    assert.match(html, /<td>1<\/td><td>0\.500<\/td>/);
  });

  it('collect writes results.csv and an offline report.html', async () => {
    const out = join(work, 'serial');
    const { stdout } = await cli(['batch', 'collect', out, '--json']);
    const c = JSON.parse(stdout);
    const csv = readFileSync(c.csv, 'utf8').trim().split('\n');
    assert.equal(csv.length, inputs.length + 1);
    assert.match(csv[0], /^id,map,status,/);
    const html = readFileSync(c.html, 'utf8');
    assert.equal((html.match(/<svg/g) ?? []).length, 2, 'two inline histograms');
    assert.doesNotMatch(html, /<script|src="http|href="http/, 'the report must open offline');
    // every map computed: ok, except emd_3197 (20³), whose confidence is 0 everywhere
    const failedSolvent = (html.match(/<tr class="solvent-failed"><td>([^<]*)</g) ?? []).map((m) => m.replace(/.*<td>/, '').replace(/<$/, ''));
    assert.deepEqual(failedSolvent.map((id) => id.replace(/-[0-9a-f]+$/, '')), inputs.some((p) => p.includes('emd_3197')) ? ['emd_3197'] : []);
    assert.equal((html.match(/<tr class="ok">/g) ?? []).length + failedSolvent.length, inputs.length);
  });

  it('--slurm writes a job-array script running one shard per task', async () => {
    const out = join(work, 'slurm-script');
    const { stdout } = await cli(['batch', ...inputs.slice(0, 5), '-d', out, '--slurm', '--tasks', '3', '--partition', 'gpu', '--time', '00:30:00', '--mem', '4G', '--json', '-q']);
    const s = JSON.parse(stdout);
    assert.equal(s.tasks, 3);
    const script = readFileSync(s.script, 'utf8');
    assert.match(script, /^#SBATCH --array=0-2$/m);
    assert.match(script, /^#SBATCH --partition=gpu$/m);
    assert.match(script, /^#SBATCH --time=00:30:00$/m);
    assert.match(script, /^#SBATCH --mem=4G$/m);
    assert.match(script, /--shard "\$\{SLURM_ARRAY_TASK_ID\}\/3"$/m);
    assert.doesNotMatch(script, /--slurm|--tasks|--partition gpu/);
    const perTask = JSON.parse((await cli(['batch', ...inputs.slice(0, 5), '-d', out, '--slurm', '--maps-per-task', '2', '--json', '-q'])).stdout);
    assert.equal(perTask.tasks, 3);
  });

  it('--shard runs one slice and writes its own results file', async () => {
    const out = join(work, 'sharded');
    const s0 = JSON.parse((await cli(['batch', ...inputs.slice(0, 5), '-d', out, '--shard', '0/2', '--json', '-q'])).stdout);
    const s1 = JSON.parse((await cli(['batch', ...inputs.slice(0, 5), '-d', out, '--shard', '1/2', '--json', '-q'])).stdout);
    assert.equal(s0.maps + s1.maps, 5);
    assert.ok(existsSync(join(out, 'results.shard-0-of-2.jsonl')) && existsSync(join(out, 'results.shard-1-of-2.jsonl')));
    const c = JSON.parse((await cli(['batch', 'collect', out, '--json'])).stdout);
    assert.equal(c.maps, 5);
    await assert.rejects(cli(['batch', inputs[0], '-d', out, '--shard', '2/2', '-q']), (e: { stderr: string }) => /--shard must be i\/N/.test(e.stderr));
  });
});
