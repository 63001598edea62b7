/**
 * The library's boundary refuses, naming the key, what it used to crash on or silently ignore:
 * missing or null options of `modifyMap`, unknown fields of a modification, unknown or mistyped
 * options of `readMrc`/`writeMrc`; and `writeMrc` refuses what it would write as a file no reader
 * accepts (a cell or origin an MRC header cannot store, float16 overflow). A map whose header
 * origin is not finite reads with the start-index origin.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modifyMap, OptionError, readMrc, writeMrc, type Volume } from '../../src/index.js';

const rejectsWith = (p: Promise<unknown>, option: string) => assert.rejects(p, (e: unknown) => e instanceof OptionError && e.option === option, `expected an OptionError naming '${option}'`);

describe('library boundary', () => {
  let dir: string;
  const v: Volume = { data: Float32Array.from({ length: 8 * 8 * 8 }, (_, i) => Math.sin(i)), shape: [8, 8, 8], voxelSizeA: [1.2, 1.2, 1.2], originA: [0, 0, 0] };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'occupy-api-boundary-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('modifyMap: no options, a null modification or an unknown modification field is an OptionError naming it', async () => {
    await rejectsWith(modifyMap(v, undefined as unknown as Parameters<typeof modifyMap>[1]), 'options');
    await rejectsWith(modifyMap(v, { modification: null as unknown as undefined }), 'modification');
    await rejectsWith(modifyMap(v, { modification: { kind: 'amplify', gamma: 2, pivto: 0.3 } as unknown as { kind: 'amplify'; gamma: number } }), 'modification.pivto');
  });

  it('readMrc / writeMrc: unknown or mistyped options are OptionErrors naming them; nothing is written', async () => {
    const p = join(dir, 'a.mrc');
    await writeMrc(p, v);
    await rejectsWith(readMrc(p, { permisive: true } as unknown as { permissive: boolean }), 'permisive');
    await rejectsWith(readMrc(p, { permissive: 'yes' } as unknown as { permissive: boolean }), 'permissive');
    const out = join(dir, 'b.mrc');
    await rejectsWith(writeMrc(out, v, { lik: v } as unknown as Parameters<typeof writeMrc>[2]), 'lik');
    await rejectsWith(writeMrc(out, v, { labels: 'run 3' } as unknown as { labels: string[] }), 'labels');
    await rejectsWith(writeMrc(out, v, { protect: p } as unknown as { protect: string[] }), 'protect');
    await rejectsWith(writeMrc(out, v, { like: {} } as unknown as Parameters<typeof writeMrc>[2]), 'like');
    assert.deepEqual(await readdir(dir), ['a.mrc']);
  });

  it('writeMrc refuses a cell or origin an MRC header cannot store, and float16 overflow (files readMrc would refuse)', async () => {
    const out = join(dir, 'c.mrc');
    await rejectsWith(writeMrc(out, { ...v, voxelSizeA: [1e38, 1e38, 1e38] }), 'volume.voxelSizeA');
    await rejectsWith(writeMrc(out, { ...v, originA: [1e39, 0, 0] }), 'volume.originA');
    const big = { ...v, data: Float32Array.from(v.data, (x, i) => (i === 7 ? 70000 : x)) };
    await rejectsWith(writeMrc(out, big, { mode: 12 }), 'mode');
    // within float16's range it writes and reads back to float16 precision
    await writeMrc(out, { ...v, data: Float32Array.from(v.data, (x, i) => (i === 7 ? 65504 : x)) }, { mode: 12 });
    assert.equal((await readMrc(out)).data[7], 65504);
  });

  it('a header origin that is not finite reads as absent (start × voxel size), so the map can be used', async () => {
    const p = join(dir, 'nan-origin.mrc');
    await writeMrc(p, { ...v, originA: [3, 4, 5] });
    const bytes = await readFile(p);
    new DataView(bytes.buffer, bytes.byteOffset).setFloat32(196, NaN, true); // origin x (word 50)
    await writeFile(p, bytes);
    const m = await readMrc(p);
    assert.deepEqual(m.originA, [0, 0, 0]);
    assert.ok(Number.isNaN(m.header.origin[0]), 'the header is kept as stored');
  });
});

it('rule errors of the estimate options name the library keys, not command-line flags', async () => {
  const { estimateLocalScale, modifyMap, OptionError: OE } = await import('../../src/index.js');
  const n = 32;
  const v = { data: new Float32Array(n ** 3).map((_, i) => Math.sin(i * 0.37) + 1), shape: [n, n, n] as [number, number, number], voxelSizeA: [1, 1, 1] as [number, number, number] };
  await assert.rejects(estimateLocalScale(v, { tileSize: 4, useS0: true }), (e: Error) => e instanceof OE && e.option === 'tileSize' && e.message === 'tileSize is only used by the tile search (useS0: false, the default): not with useS0');
  await assert.rejects(modifyMap(v, { scaleLimit: 0.1, excludeSolvent: true }), (e: Error) => e instanceof OE && e.option === 'scaleLimit' && !/--/.test(e.message));
});

it("rule errors of localResolution and decompose give .allowed in the library's terms too (no flags, no schema keys)", async () => {
  const { localResolution, decompose, OptionError: OE } = await import('../../src/index.js');
  const n = 32;
  const half = (phase: number) => ({ data: new Float32Array(n ** 3).map((_, i) => Math.sin(i * 0.37 + phase) + 1), shape: [n, n, n] as [number, number, number], voxelSizeA: [1, 1, 1] as [number, number, number] });
  const [h1, h2] = [half(0), half(0.1)];
  // RELION's own `--locres` may be named; no flag of occupy's
  const noFlag = (t: string) => !/(^|[\s(])--(?!locres\b)[a-z]/.test(t);
  const cases: [Parameters<typeof localResolution>[2], string, string][] = [
    [{ method: 'monores', windowVoxels: 16 }, 'windowVoxels', "only with method 'localfsc'"],
    [{ method: 'monores', lowestResolutionA: 20 }, 'lowestResolutionA', "only with method 'localfsc' or method 'relion'"],
    [{ method: 'relion', threshold: 0.5, samplingA: 8 }, 'threshold', "not with method 'relion'"],
    [{ samplingA: 8 }, 'samplingA', "only with method 'relion'"],
  ];
  for (const [options, option, allowed] of cases) {
    await assert.rejects(localResolution(h1, h2, options), (e: Error) => {
      assert.ok(e instanceof OE, `${JSON.stringify(options)}: ${e}`);
      assert.equal(e.option, option);
      assert.equal(e.allowed, allowed);
      assert.ok(noFlag(e.message) && noFlag(e.allowed), `flags in ${e.message} / ${e.allowed}`);
      return true;
    });
  }
  await assert.rejects(decompose(h1, { highestResolutionA: 40 }), (e: Error) => e instanceof OE && e.option === 'highestResolutionA' && e.allowed === 'finer than lowestResolutionA (30 Å)');
});

it('a solventDef that does not split the solvent sphere: SolventModelError naming solventDef and why (no / every voxel > 0.9)', async () => {
  const { estimateLocalScale, SolventModelError } = await import('../../src/index.js');
  const n = 24;
  const v = { data: new Float32Array(n ** 3).map((_, i) => Math.sin(i * 0.37) + 1), shape: [n, n, n] as [number, number, number], voxelSizeA: [1, 1, 1] as [number, number, number] };
  for (const [fill, which] of [[0, 'no'], [1, 'every']] as const) {
    // refused at the boundary: before the low-pass, so no phase is reported
    const phases: string[] = [];
    await assert.rejects(estimateLocalScale(v, { solventDef: { ...v, data: new Float32Array(n ** 3).fill(fill) }, onProgress: (phase: string) => { phases.push(phase); } }), (e: Error) => {
      assert.ok(e instanceof SolventModelError && e.reason === 'no-solvent-region', String(e));
      assert.match(e.message, new RegExp(`^solventDef selects no usable region inside the solvent sphere: ${which} voxel of the inscribed sphere has a value > 0\\.9`));
      assert.doesNotMatch(e.message, /--/);
      return true;
    });
    assert.deepEqual(phases.filter((p) => p !== 'load'), [], `phases before the refusal: ${phases.join(', ')}`);
  }
});
