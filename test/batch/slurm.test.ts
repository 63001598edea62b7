/**
 * `occupy batch --slurm --submit` on a real one-node SLURM cluster: the job array's shards, once
 * collected, must give the same records and byte-identical output maps as a local batch run.
 * Needs root and slurmctld/slurmd/sbatch/munged (skipped with a message otherwise, except under
 * CI=true) and ../shared.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT, SHARED_DATA, skipWithoutShared } from '../helpers/shared-data.js';
import { NODE_ARGS } from '../helpers/cli.js';
import { jobStates, skipWithoutSlurm, startSlurm, waitForJob, type SlurmCluster } from '../helpers/slurm-cluster.js';

const run = promisify(execFile);
const TASKS = 4;
/** Fields of a record that must match the local run exactly. */
const FIELDS = ['status', 'sMax', 'solventModel', 'confidenceLimit', 'variabilityLimit', 'meanScaleConfident', 'fractionFullScale', 'box'] as const;

interface Rec {
  id: string;
  status: 'ok' | 'error';
  message?: string;
  shard?: string;
  [k: string]: unknown;
}

const parseJsonl = (file: string): Rec[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Rec);

/**
 * Run the CLI from the project root: `dist/` when it is the build of the sources, else tsx
 * ({@link NODE_ARGS}); the sbatch script cd's to the submitting cwd and runs the tasks the same way.
 */
async function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [...NODE_ARGS, ...args], { cwd: PROJECT_ROOT, env, maxBuffer: 16 * 2 ** 20 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string; code?: number };
    // batch exits non-zero when some maps failed; the records still say what happened
    if (typeof e.code === 'number' && e.stdout?.trim().startsWith('{')) return e.stdout;
    throw new Error(`occupy ${args.join(' ')} failed (${e.code}): ${e.stderr ?? e.message}`);
  }
}

/** The *.mrc files of one map folder, sorted ([] when the folder is missing). */
const mrcFiles = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.mrc')).sort() : []);

/** Task logs of a batch folder, for failure messages. */
function taskLogs(outDir: string): string {
  const logDir = join(outDir, 'slurm-logs');
  if (!existsSync(logDir)) return '(no slurm-logs folder)';
  return readdirSync(logDir)
    .sort()
    .map((f) => `--- ${f}:\n${readFileSync(join(logDir, f), 'utf8').split('\n').slice(-20).join('\n')}`)
    .join('\n');
}

const skip = skipWithoutShared() || skipWithoutSlurm();

describe('occupy batch on SLURM', { skip }, () => {
  let work = '';
  let cluster: SlurmCluster | undefined;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'occupy-slurm-'));
  });

  after(async () => {
    try {
      await cluster?.stop();
    } finally {
      if (work) rmSync(work, { recursive: true, force: true });
    }
  });

  it('a 4-task job array gives the same records and maps as a local run', { timeout: 330_000 }, async () => {
    const inputs = readdirSync(SHARED_DATA)
      .filter((f) => /\.(map|map\.gz|mrc\.gz)$/.test(f))
      .filter((f) => !f.includes('localres')) // a local-resolution map is refused as not density (a failed record, a failed task)
      .sort()
      .map((f) => join(SHARED_DATA, f));
    assert.ok(inputs.length >= 7, `expected 7+ density maps in ${SHARED_DATA}, found ${inputs.length}`);
    const refDir = join(work, 'ref');
    const outDir = join(work, 'slurm');

    // the local reference run and the cluster start-up are independent
    // (the cluster is kept as soon as it is up, so `after` stops it even if the local run fails)
    const [refOut, env] = await Promise.all([
      cli(['batch', ...inputs, '-d', refDir, '--jobs', '1', '--json', '-q']),
      startSlurm(work).then((c) => {
        cluster = c;
        return c.env;
      }),
    ]);
    const refSummary = JSON.parse(refOut) as { maps: number };
    assert.equal(refSummary.maps, inputs.length);
    const ref = new Map(parseJsonl(join(refDir, 'results.jsonl')).map((r) => [r.id, r]));
    assert.equal(ref.size, inputs.length, 'the local run has one record per map');

    const submitted = JSON.parse(
      await cli(['batch', ...inputs, '-d', outDir, '--slurm', '--tasks', String(TASKS), '--submit', '--json', '-q'], env),
    ) as { script: string; tasks: number; maps: number; jobId?: string };
    assert.equal(submitted.tasks, TASKS);
    assert.equal(submitted.maps, inputs.length);
    assert.equal(submitted.script, join(outDir, 'occupy_batch.sbatch'));
    assert.match(submitted.jobId ?? '', /^\d+$/, 'sbatch --parsable gave a job ID');
    const script = readFileSync(submitted.script, 'utf8');
    assert.match(script, new RegExp(`^#SBATCH --array=0-${TASKS - 1}$`, 'm'));
    assert.ok(script.includes(`--shard "\${SLURM_ARRAY_TASK_ID}/${TASKS}"`), script);
    assert.doesNotMatch(script, /--submit|--slurm|--tasks/, 'SLURM-only options must not reach the tasks');

    const jobId = submitted.jobId as string;
    await waitForJob(jobId, env, 240_000);
    const states = await jobStates(jobId, env);
    assert.equal(states.length, TASKS, `one state per array task: ${JSON.stringify(states)}`);
    assert.deepEqual(
      states.map((s) => s.arrayTaskId).sort(),
      Array.from({ length: TASKS }, (_, i) => String(i)),
    );
    for (const s of states) assert.equal(s.state, 'COMPLETED', `task ${s.arrayTaskId}: ${s.state} (exit ${s.exitCode})\n${taskLogs(outDir)}`);

    // each task wrote its own shard file with its own maps
    const shardRecs: Rec[] = [];
    for (let i = 0; i < TASKS; i++) {
      const file = join(outDir, `results.shard-${i}-of-${TASKS}.jsonl`);
      assert.ok(existsSync(file), `missing ${file}\n${taskLogs(outDir)}`);
      const recs = parseJsonl(file);
      for (const r of recs) assert.equal(r.shard, `${i}/${TASKS}`, `${r.id} in shard file ${i}`);
      shardRecs.push(...recs);
    }

    const collected = JSON.parse(await cli(['batch', 'collect', outDir, '--json'])) as { maps: number; failed: number; missing: number; missingIds: string[]; csv: string; html: string };
    const refFailed = [...ref.values()].filter((r) => r.status === 'error').length;
    assert.deepEqual(collected, { maps: inputs.length, failed: refFailed, missing: 0, missingIds: [], csv: join(outDir, 'results.csv'), html: join(outDir, 'report.html') });
    assert.ok(existsSync(collected.html));

    const got = new Map(shardRecs.map((r) => [r.id, r]));
    assert.equal(shardRecs.length, got.size, 'no map ran twice');
    assert.deepEqual([...got.keys()].sort(), [...ref.keys()].sort(), 'same map ids as the local run');
    for (const [id, r] of ref) {
      const s = got.get(id) as Rec;
      for (const f of FIELDS) assert.deepEqual(s[f], r[f], `${id}: ${f}`);
      if (r.status === 'error') assert.equal(s.message, r.message, `${id}: error message`);
      const refMaps = mrcFiles(join(refDir, id));
      assert.deepEqual(mrcFiles(join(outDir, id)), refMaps, `${id}: output maps`);
      if (r.status === 'ok') assert.ok(refMaps.length > 0, `${id}: the local run wrote maps`);
      for (const m of refMaps) assert.ok(readFileSync(join(outDir, id, m)).equals(readFileSync(join(refDir, id, m))), `${id}/${m} differs from the local run`);
    }

    const csv = readFileSync(collected.csv, 'utf8').trimEnd().split('\n');
    assert.equal(csv.length, 1 + inputs.length, 'results.csv: header + one row per map');
    assert.deepEqual(csv.slice(1).map((l) => l.split(',')[0]).sort(), [...ref.keys()].sort());
  });

  it('a job array with a task that never ran (cancelled while held): collect names that shard and its maps and exits 3', { timeout: 240_000 }, async () => {
    const dir = join(work, 'holes');
    mkdirSync(dir, { recursive: true });
    const maps = [0, 1, 2, 3, 4, 5].map((k) => {
      const p = join(dir, `h${k}.mrc`);
      const { map } = occupancyPhantom({ shape: [32, 32, 32], voxelSizeA: 2, resolutionA: 6, snr: 5, seed: 300 + k, domains: [{ centreVoxel: [11, 16, 16], radiusA: 9, occupancy: 1 }, { centreVoxel: [22, 16, 16], radiusA: 8, occupancy: 0.5 }] });
      writeFileSync(p, encodeMrc(map));
      return p;
    });
    const outDir = join(dir, 'out');
    cluster ??= await startSlurm(work);
    const env = cluster.env;
    // held at submission, so that task 2 can be cancelled before it starts
    const submitted = JSON.parse(await cli(['batch', ...maps, '-d', outDir, '--slurm', '--tasks', String(TASKS), '--sbatch-arg=--hold', '--submit', '--json', '-q'], env)) as { jobId?: string };
    const jobId = submitted.jobId as string;
    await run('scancel', [`${jobId}_2`], { env });
    await run('scontrol', ['release', jobId], { env });
    await waitForJob(jobId, env, 180_000);
    const states = new Map((await jobStates(jobId, env)).map((s) => [s.arrayTaskId, s.state]));
    // a task cancelled while pending is CANCELLED, or already gone from slurmctld's list
    assert.ok([undefined, 'CANCELLED'].includes(states.get('2')), JSON.stringify([...states]));
    for (const t of ['0', '1', '3']) assert.equal(states.get(t), 'COMPLETED', `task ${t}\n${taskLogs(outDir)}`);
    assert.ok(!existsSync(join(outDir, `results.shard-2-of-${TASKS}.jsonl`)));

    const c = await run(process.execPath, [...NODE_ARGS, 'batch', 'collect', outDir, '--json'], { cwd: PROJECT_ROOT }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    assert.equal(c.code, 3, c.stderr);
    // maps 2 and 6 of the input list are shard 2's: here h2.mrc (k = 2; there is no k = 6)
    const ids = (JSON.parse(c.stdout) as { missingIds: string[] }).missingIds;
    assert.equal(ids.length, 1);
    assert.match(ids[0], /^h2-/);
    assert.match(c.stderr, new RegExp(`^WARNING: incomplete batch: shard 2/${TASKS} never ran \\(no results\\.shard-2-of-${TASKS}\\.jsonl\\): no record of its map: ${ids[0]} \\(batch planned in '${outDir}/\\.plans/plan-[0-9a-f]{16}\\.json'\\)\n$`));
    assert.match(readFileSync(join(outDir, 'results.csv'), 'utf8'), new RegExp(`^${ids[0]},.*,missing,`, 'm'));
  });
});
