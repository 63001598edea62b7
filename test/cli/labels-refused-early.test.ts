/**
 * `occupy locres --labels L` with no label > 0 (inside the mask, with `--mask`) is refused before
 * any work, in one line naming the file, exit 1, nothing written: the local FSC, MonoRes and
 * ResMap-style methods had run first (seconds to minutes on a real map) and refused only when
 * summarising per label (sweep, session 56).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { runInProcess } from '../helpers/cli-run.js';

let dir = '';
const p = (f: string) => join(dir, f);
const n = 32;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'occupy-labels-early-'));
  const half = (seed: number) => occupancyPhantom({ shape: [n, n, n], voxelSizeA: 1.5, resolutionA: 5, snr: 3, seed, domains: [{ centreVoxel: [16, 16, 16], radiusA: 12, occupancy: 1 }] }).map;
  await writeMrc(p('h1.mrc'), half(1));
  await writeMrc(p('h2.mrc'), half(2));
  const grid = { shape: [n, n, n] as [number, number, number], voxelSizeA: [1.5, 1.5, 1.5] as [number, number, number] };
  const mask = new Float32Array(n ** 3);
  const corner = new Float32Array(n ** 3);
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    const i = (z * n + y) * n + x;
    mask[i] = (x - 16) ** 2 + (y - 16) ** 2 + (z - 16) ** 2 < 64 ? 1 : 0;
    corner[i] = x < 4 && y < 4 && z < 4 ? 1 : 0; // a label only outside the mask
  }
  await writeMrc(p('mask.mrc'), { ...grid, data: mask });
  await writeMrc(p('zeros.mrc'), { ...grid, data: new Float32Array(n ** 3) });
  await writeMrc(p('corner.mrc'), { ...grid, data: corner });
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('locres --labels without a label > 0: refused before any work, one line', { concurrency: 1 }, () => {
  for (const [what, extra, line] of [
    ['local FSC, labels all 0', ['--labels', 'zeros.mrc'], `--labels ${p('zeros.mrc')} has no label > 0`],
    ['local FSC, the label outside the mask', ['--mask', 'mask.mrc', '--labels', 'corner.mrc'], `--labels ${p('corner.mrc')} has no label > 0 inside the mask`],
    ['monores', ['--method', 'monores', '--mask', 'mask.mrc', '--labels', 'corner.mrc'], `--labels ${p('corner.mrc')} has no label > 0 inside the mask`],
    ['resmap', ['--method', 'resmap', '--mask', 'mask.mrc', '--labels', 'zeros.mrc'], `--labels ${p('zeros.mrc')} has no label > 0 inside the mask`],
  ] as [string, string[], string][]) {
    it(what, async () => {
      const out = p(`out-${what.replace(/\W/g, '')}/`);
      const r = await runInProcess(['locres', p('h1.mrc'), p('h2.mrc'), ...extra.map((a) => (a.endsWith('.mrc') ? p(a) : a)), '-o', out]);
      // the error alone: no warning, diagnostics or method progress line before it
      assert.equal(r.stderr, `occupy: error: ${line}\n`);
      assert.equal(r.code, 1);
      assert.ok(!readdirSync(dir).some((f) => f.startsWith('out-')), 'output written');
    });
  }
});
