/**
 * Speed of `occupy decompose` (not a test): `node --import tsx bench/decompose-speed.ts
 * [--box 256] [--runs 3]`. Writes a deterministic phantom (four domains, one flexible, half
 * maps) of the given box at 1 Å, then times the whole CLI process from one map, from half maps and
 * from half maps with `--sharpen` (median wall and CPU seconds of the runs, peak RSS, per-phase wall times of the last run; GNU
 * time measures the CPU, which stays meaningful when other jobs load the machine). Target (issue 17): 256³ one map
 * ≤ 20 s, half maps ≤ 30 s on the 2-core test machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeMrc } from '../src/io/mrc/index.js';
import { loadFft } from '../src/math/fft.js';
import { decompositionPhantom } from '../src/decomposition/phantom.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

await loadFft();
const box = Number(arg('box', '256'));
const runs = Number(arg('runs', '3'));
const dir = mkdtempSync(join(tmpdir(), 'occupy-decompose-bench-'));
const root = resolve(import.meta.dirname, '..');
try {
  const t0 = performance.now();
  const p = decompositionPhantom({ box, voxelSizeA: 1, seed: 7, domains: [{ occupancy: 1, resolutionA: 4 }, { occupancy: 0.6, resolutionA: 4 }, { occupancy: 1, resolutionA: 4, flexDeg: 12 }, { occupancy: 0.4, resolutionA: 4 }] });
  for (const [name, v] of [['map', p.map], ['h1', p.half1], ['h2', p.half2]] as const) writeFileSync(join(dir, `${name}.mrc`), encodeMrc(v));
  console.log(`phantom ${box}³ written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const cli = [join(root, 'test/helpers/run-cli.ts')];
  const tsx = import.meta.resolve('tsx');
  console.log(`load average ${loadavg().map((v) => v.toFixed(1)).join(' ')} on ${cpus().length} cores (wall times under load are not the method's)`);
  console.log('| box | input | CLI wall s (median) | CPU s (user+sys, median) | peak RSS MiB | phases of the last run (wall s) |');
  console.log('|---|---|---|---|---|---|');
  const halves = ['--half-maps', join(dir, 'h1.mrc'), join(dir, 'h2.mrc')];
  for (const [label, extra] of [['one map', []], ['half maps', halves], ['half maps, --sharpen', [...halves, '--sharpen']]] as const) {
    const times: number[] = [];
    const cpu: number[] = [];
    let rss = 0;
    let phases = '';
    for (let r = 0; r < runs; r++) {
      const out = join(dir, `out_${label.replace(/[^a-z]+/g, '_')}_${r}`, 'map.mrc');
      const t = performance.now();
      const timeFile = join(dir, 'time.txt');
      execFileSync('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, process.execPath, '--import', tsx, ...cli, 'decompose', join(dir, 'map.mrc'), ...extra, '-q', '-o', out], { cwd: dir });
      times.push((performance.now() - t) / 1000);
      const [u, sy, rssK] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number);
      cpu.push(u + sy);
      rss = rssK / 1024;
      const log = readFileSync(out.replace('map.mrc', 'log_decompose_map.txt'), 'utf8');
      phases = (/Done in [\d.]+ s \((.*)\)/.exec(log)?.[1]) ?? '';
    }
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    console.log(`| ${box}³ | ${label} | ${times[times.length >> 1].toFixed(1)} | ${cpu[cpu.length >> 1].toFixed(1)} | ${rss.toFixed(0)} | ${phases} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
