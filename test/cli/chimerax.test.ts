/**
 * The ChimeraX script of a real run opens the right files at the right levels (parsed), and
 * --show-chimerax finds ChimeraX on PATH or explains how to open the script.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { findChimerax, showInChimerax } from '../../src/cli/chimerax-launch.js';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { NODE_ARGS } from '../helpers/cli.js';

const run = promisify(execFile);

describe('ChimeraX script of a run', () => {
  it('opens the input, scale and modified maps (paths with spaces) at the summary levels', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'occupy cx '));
    try {
      const input = join(dir, 'my map.mrc');
      const { map } = occupancyPhantom({ shape: [40, 40, 40], voxelSizeA: 2, resolutionA: 6, snr: 5, seed: 2, domains: [{ centreVoxel: [20, 20, 20], radiusA: 14, occupancy: 1 }] });
      await writeMrc(input, map);
      const out = join(dir, 'out dir', 'my map.mrc');
      const { stdout } = await run(process.execPath, [...NODE_ARGS, '-i', input, '-o', out, '--amplify', '2', '--attenuate', '2', '--json', '-q'], { cwd: PROJECT_ROOT });
      const s = JSON.parse(stdout);
      const cxc = s.files.find((f: string) => f.endsWith('.cxc'));
      assert.equal(cxc, join(dir, 'out dir', 'chimX_my map.cxc'));
      const lines = readFileSync(cxc, 'utf8').trim().split('\n');
      const opened = lines.filter((l) => l.startsWith('open ')).map((l) => JSON.parse(l.slice(5)) as string);
      const abs = opened.map((p) => (isAbsolute(p) ? p : join(dirname(cxc), p)));
      assert.deepEqual(abs, [input, join(dir, 'out dir', 'scale_occ_my map.mrc'), join(dir, 'out dir', 'ampl_2.0_my map.mrc'), join(dir, 'out dir', 'attn_2.0_my map.mrc')]);
      for (const p of abs) assert.ok(existsSync(p), p);
      const level = (re: RegExp) => Number(lines.find((l) => re.test(l))!.match(/level ([-\d.e]+)/)![1]);
      const surface = (s.sMax + s.solventEdge) / 2;
      assert.ok(Math.abs(level(/^volume #1 style surface/) - surface) < 1e-9 * Math.abs(surface));
      assert.ok(Math.abs(level(/^volume #2 level/) - s.variabilityLimit) < 1e-12);
      assert.ok(Math.abs(level(/^volume #3 style surface/) - surface) < 1e-9 * Math.abs(surface));
      assert.ok(lines.includes('scale_color #3 #2') && lines.includes('scale_color #4 #2'));
      assert.ok(lines.includes('alias occupy_level volume #1,3,4 level $1'));
      const tile = lines.find((l) => l.startsWith('shape sphere'))!;
      assert.match(tile, new RegExp(`center ${s.sMaxTile.centreA.join(',')} `));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('--show-chimerax', () => {
  it('finds chimerax on PATH and launches it with the script', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'occupy-fakecx-'));
    try {
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      const marker = join(dir, 'launched.txt');
      const exe = join(bin, process.platform === 'win32' ? 'chimerax.exe' : 'chimerax');
      // written under another name and renamed: the redirect creates the marker empty before
      // echo fills it, and the wait below once read it in between (CI, 2026-12-03)
      writeFileSync(exe, `#!/bin/sh\necho "$1" > "${marker}.part" && mv "${marker}.part" "${marker}"\n`);
      chmodSync(exe, 0o755);
      assert.equal(findChimerax({ PATH: bin }), exe);
      const msg = showInChimerax('/tmp/x y.cxc', { PATH: bin });
      assert.match(msg, /Launched ChimeraX/);
      // until the launched script has run (a detached process: 50 polls of 20 ms had given it about
      // 1 s to start, which a loaded machine need not keep)
      const t0 = performance.now();
      while (!existsSync(marker) && performance.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
      assert.equal(readFileSync(marker, 'utf8').trim(), '/tmp/x y.cxc');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('explains how to open the script when ChimeraX is absent', () => {
    if (findChimerax({ PATH: '' })) return; // installed system-wide: nothing to check
    assert.match(showInChimerax('/tmp/s.cxc', { PATH: '' }), /not found.*chimerax "\/tmp\/s\.cxc"/);
  });
});
