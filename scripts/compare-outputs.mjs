#!/usr/bin/env node
/**
 * Byte-for-byte comparison of CLI outputs between two checkouts (a refactor must not change results).
 *
 *   node scripts/compare-outputs.mjs run <repo-root> <results-dir> [case-filter]
 *       runs every case below with `node --import <repo-root>/node_modules/tsx/dist/loader.mjs <repo-root>/test/helpers/run-cli.ts …`
 *       (each case in the same fixed working folder, so the command line and the paths in the
 *       run record are the same for both checkouts), copies the outputs and the captured stdout
 *       to <results-dir>/<case>/ and writes <results-dir>/manifest.json (SHA-256 per file).
 *   node scripts/compare-outputs.mjs compare <results-a> <results-b>
 *       compares the two manifests; for every file whose bytes differ it prints which bytes:
 *       text files the differing lines, MRC maps whether header, labels or voxel data differ.
 *       Exit 0 when every difference is in an allowed place (ALLOWED below), 1 otherwise.
 *
 * Needs ../shared (the reference maps). Cases: the 18 reference OccuPy runs of
 * ../shared/reference (10 default, 8 modification, 2 occupancy-mode runs; `--seed 1` so the random solvent
 * added back is the same, `--plot` so the plots are compared too) and one run each of locres
 * (local FSC with a mask, --filter; MonoRes on one map), fsc (with a mask) and decompose (half maps).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The shared data: `../shared` of the repository this script is in, or $OCCUPY_SHARED. */
const SHARED = process.env.OCCUPY_SHARED ?? resolve(import.meta.dirname, '../../shared');
const DATA = join(SHARED, 'data');
const REF = join(SHARED, 'reference');
const WORK = '/tmp/occupy-compare-work';

/**
 * What may differ between two runs of the same command: the run-time lines of the logs
 * (`Run time: …` of the estimate, `Done in … s` of locres and decompose), with the same words and
 * only other numbers; and in the `--json` summaries the keys that hold durations (`seconds`,
 * `timingsS`), removed before the summaries are compared exactly. Nothing else: MRC maps, plots,
 * CSV, ChimeraX scripts and every other log line must be byte-identical.
 */
const ALLOWED_LINE = /^(Run time: |Done in )/;
const TIME_KEYS = new Set(['seconds', 'timingsS']);

/** A parsed JSON value without its duration keys (recursively). */
function withoutTimes(v) {
  if (Array.isArray(v)) return v.map(withoutTimes);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !TIME_KEYS.has(k)).map(([k, x]) => [k, withoutTimes(x)]));
  return v;
}

/** Whether two `--json` outputs (one JSON object per line) are equal once durations are removed. */
function sameJsonBesidesTimes(a, b) {
  try {
    const pa = a.trim().split('\n').map((l) => JSON.stringify(withoutTimes(JSON.parse(l))));
    const pb = b.trim().split('\n').map((l) => JSON.stringify(withoutTimes(JSON.parse(l))));
    return pa.length === pb.length && pa.every((l, i) => l === pb[i]);
  } catch {
    return false;
  }
}

function referenceCases() {
  const mods = {
    occ_amplify2: ['--occupancy', '--amplify', '2'],
    occ_attenuate3_exclude: ['--occupancy', '--attenuate', '3', '--exclude-solvent'],
    'occ_sigmoid2_pivot0.3_exclude': ['--occupancy', '--sigmoid', '2', '--pivot', '0.3', '--exclude-solvent'],
    occ_nlrc: ['--occupancy', '--nlrc'],
    occupy_occ: ['--occupancy'],
  };
  const cases = [];
  for (const name of readdirSync(REF).sort()) {
    const input = [join(DATA, `${name}.map`), join(DATA, `${name}.map.gz`), join(DATA, `${name}.mrc.gz`), join(REF, name, 'map.mrc.gz')].find((p) => existsSync(p));
    if (!input) continue;
    for (const run of readdirSync(join(REF, name)).sort()) {
      if (!existsSync(join(REF, name, run, 'result.json'))) continue;
      const extra = run === 'default' ? [] : mods[run];
      if (!extra) throw new Error(`unknown reference run ${name}/${run}`);
      cases.push({ id: `${name}__${run}`, args: ['-i', input, '-o', `./${name}.mrc`, ...extra, '--seed', '1', '--plot', '--json', '--quiet'] });
    }
  }
  const h = join(REF, 'synth_halves128');
  const o = join(REF, 'synth_occres128');
  cases.push({ id: 'locres_localfsc', args: ['locres', join(h, 'half1.mrc.gz'), join(h, 'half2.mrc.gz'), '--mask', join(h, 'truth_mask.mrc.gz'), '--filter', '-o', './locres.mrc', '--json', '--quiet'] });
  cases.push({ id: 'locres_monores', args: ['locres', '--method', 'monores', join(h, 'half1.mrc.gz'), '--mask', join(h, 'truth_mask.mrc.gz'), '-o', './monores.mrc', '--json', '--quiet'] });
  cases.push({ id: 'fsc_masked', args: ['fsc', join(h, 'half1.mrc.gz'), join(h, 'half2.mrc.gz'), '--mask', join(h, 'soft_mask.mrc.gz'), '-o', './fsc', '--json', '--quiet'] });
  cases.push({ id: 'decompose_halves', args: ['decompose', join(o, 'map.mrc.gz'), '--half-maps', join(o, 'half1.mrc.gz'), join(o, 'half2.mrc.gz'), '--labels', join(o, 'truth_labels.mrc.gz'), '--sharpen', '--plot', '-o', './occres.mrc', '--json', '--quiet'] });
  return cases;
}

const sha = (buf) => createHash('sha256').update(buf).digest('hex');

function run(root, results, filter) {
  const cli = join(resolve(root), 'test/helpers/run-cli.ts');
  mkdirSync(results, { recursive: true });
  const manifest = {};
  for (const c of referenceCases()) {
    if (filter && !c.id.includes(filter)) continue;
    const cwd = join(WORK, c.id);
    rmSync(cwd, { recursive: true, force: true });
    mkdirSync(cwd, { recursive: true });
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(resolve(root), 'node_modules/tsx/dist/loader.mjs')).href, cli, ...c.args], { cwd, encoding: 'buffer', maxBuffer: 1 << 28 });
    writeFileSync(join(cwd, '__stdout'), r.stdout);
    writeFileSync(join(cwd, '__exit'), `${r.status}\n`);
    const out = join(results, c.id);
    rmSync(out, { recursive: true, force: true });
    cpSync(cwd, out, { recursive: true });
    manifest[c.id] = {};
    for (const f of readdirSync(out).sort()) manifest[c.id][f] = sha(readFileSync(join(out, f)));
    process.stderr.write(`${c.id}: exit ${r.status}, ${readdirSync(out).length - 2} files, ${((Date.now() - t0) / 1000).toFixed(1)} s${r.status ? `\n${r.stderr}` : ''}\n`);
  }
  writeFileSync(join(results, 'manifest.json'), JSON.stringify(manifest, null, 1));
}

/** Where two MRC files differ: header words (1024 bytes minus labels), labels (bytes 224–1023), extended header, voxel data. */
function mrcDiff(a, b) {
  const parts = [];
  if (a.length !== b.length) parts.push(`length ${a.length} vs ${b.length}`);
  const region = (i) => (i < 224 ? `header word ${i >> 2}` : i < 1024 ? `label ${(i - 224) / 80 | 0}` : 'data');
  const seen = new Set();
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) { const r = region(i); if (!seen.has(r)) { seen.add(r); parts.push(r); } }
  return parts;
}

function compare(dirA, dirB) {
  // hashes of the files as they are now (the manifests only list the runs)
  const hashes = (dir) => Object.fromEntries(Object.keys(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))).map((id) => [id, Object.fromEntries(readdirSync(join(dir, id)).sort().map((f) => [f, sha(readFileSync(join(dir, id, f)))]))]));
  const ma = hashes(dirA);
  const mb = hashes(dirB);
  let files = 0, identical = 0, allowed = 0, bad = 0;
  for (const id of Object.keys(ma)) {
    if (!mb[id]) { console.log(`${id}: missing in ${dirB}`); bad++; continue; }
    const names = new Set([...Object.keys(ma[id]), ...Object.keys(mb[id])]);
    for (const f of [...names].sort()) {
      files++;
      if (ma[id][f] === mb[id][f]) { identical++; continue; }
      if (!ma[id][f] || !mb[id][f]) { console.log(`${id}/${f}: only in ${ma[id][f] ? dirA : dirB}`); bad++; continue; }
      const a = readFileSync(join(dirA, id, f));
      const b = readFileSync(join(dirB, id, f));
      if (/\.(mrc|map)$/.test(f)) { console.log(`${id}/${f}: differs in ${mrcDiff(a, b).join(', ')}`); bad++; continue; }
      if (f === '__stdout') {
        const ok = sameJsonBesidesTimes(a.toString('utf8'), b.toString('utf8'));
        if (ok) allowed++; else bad++;
        console.log(`${id}/${f}: ${ok ? 'allowed: the --json summaries differ only in durations (seconds, timingsS)' : 'NOT ALLOWED: the --json summaries differ'}`);
        continue;
      }
      const la = a.toString('utf8').split('\n');
      const lb = b.toString('utf8').split('\n');
      const diffs = [];
      for (let i = 0; i < Math.max(la.length, lb.length); i++) if (la[i] !== lb[i]) diffs.push(i);
      const ok = la.length === lb.length && diffs.every((i) => ALLOWED_LINE.test(la[i]) && ALLOWED_LINE.test(lb[i]) && la[i].replace(/\d+(\.\d+)?/g, '#') === lb[i].replace(/\d+(\.\d+)?/g, '#'));
      if (ok) allowed++; else bad++;
      console.log(`${id}/${f}: ${ok ? 'allowed' : 'NOT ALLOWED'}: ${diffs.length} line(s) differ`);
      for (const i of diffs.slice(0, 6)) console.log(`   line ${i + 1}: ${JSON.stringify(la[i]?.slice(0, 100))} vs ${JSON.stringify(lb[i]?.slice(0, 100))}`);
    }
  }
  const mrc = Object.values(ma).flatMap((m) => Object.keys(m)).filter((f) => /\.mrc$/.test(f)).length;
  console.log(`${Object.keys(ma).length} runs, ${files} files (${mrc} MRC maps): ${identical} byte-identical, ${allowed} differ only in run-time lines / --json durations, ${bad} differ otherwise`);
  return bad === 0 ? 0 : 1;
}

const [mode, a, b, c] = process.argv.slice(2);
if (mode === 'run' && a && b) run(a, b, c);
else if (mode === 'compare' && a && b) process.exitCode = compare(a, b);
else { console.error('usage: compare-outputs.mjs run <repo-root> <results-dir> [filter] | compare <results-a> <results-b>'); process.exitCode = 2; }
