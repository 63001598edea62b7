/**
 * `occupy fsc` against RELION 3.1.3's `relion_postprocess` (unmasked, no B-factor) on the
 * synthetic half maps of ../shared/reference/synth_halves128.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStar, loopTable, numberColumn, getBlock } from '../../src/io/star/index.js';
import { SHARED_REFERENCE, skipWithoutShared } from '../helpers/shared-data.js';
import { runCli } from '../helpers/cli.js';

const skip = skipWithoutShared();
const R = join(SHARED_REFERENCE, 'synth_halves128');

describe('occupy fsc vs RELION postprocess', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-fsc-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('matches rlnFourierShellCorrelationUnmaskedMaps within 0.02 per shell; 0.143 resolution within one shell', async (t) => {
    const { stdout } = await runCli(['fsc', join(R, 'half1.mrc.gz'), join(R, 'half2.mrc.gz'), '-o', join(dir, 'fsc'), '--json', '-q']);
    const s = JSON.parse(stdout);
    const star = parseStar(readFileSync(join(R, 'relion_postprocess_unmasked.star'), 'utf8'));
    const table = loopTable(getBlock(star, 'fsc')!)!;
    const shells = numberColumn(table, 'rlnSpectralIndex');
    const relion = numberColumn(table, 'rlnFourierShellCorrelationUnmaskedMaps');
    let worst = 0;
    for (let i = 0; i < shells.length; i++) {
      const ours = s.shells[shells[i]].fsc;
      worst = Math.max(worst, Math.abs(ours - relion[i]));
    }
    t.diagnostic(`max |FSC - RELION| = ${worst.toFixed(4)} over ${shells.length} shells; 0.143: ${s.resolutionAt0143A.toFixed(2)} Å (RELION 8.53 Å)`);
    assert.ok(worst <= 0.02, `worst shell differs by ${worst}`);
    const relionRes = 8.533333; // _rlnFinalResolution
    const shellOf = (a: number) => 128 / a;
    assert.ok(Math.abs(shellOf(s.resolutionAt0143A) - shellOf(relionRes)) <= 1, `${s.resolutionAt0143A} vs ${relionRes}`);
    assert.ok(s.resolutionAt05A > s.resolutionAt0143A);
    for (const f of s.files) assert.ok(existsSync(f), f);
    const csv = readFileSync(join(dir, 'fsc.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'shell,frequency_per_A,resolution_A,fsc,samples');
    assert.equal(csv.length, s.shells.length + 1);
  });

  it('--angpix rescales the frequency axis and the resolution (as PostProcess --angpix)', async () => {
    const base = JSON.parse((await runCli(['fsc', join(R, 'half1.mrc.gz'), join(R, 'half2.mrc.gz'), '-o', join(dir, 'a'), '--json', '-q'])).stdout);
    const scaled = JSON.parse((await runCli(['fsc', join(R, 'half1.mrc.gz'), join(R, 'half2.mrc.gz'), '-o', join(dir, 'b'), '--angpix', '1.25', '--json', '-q'])).stdout);
    assert.ok(Math.abs(scaled.resolutionAt0143A - 1.25 * base.resolutionAt0143A) < 1e-9);
    assert.ok(Math.abs(scaled.shells[10].frequencyPerA - base.shells[10].frequencyPerA / 1.25) < 1e-12);
    assert.deepEqual(scaled.shells.map((x: { fsc: number }) => x.fsc), base.shells.map((x: { fsc: number }) => x.fsc));
  });

  it('rejects half maps of different boxes in one line', async () => {
    await assert.rejects(runCli(['fsc', join(R, 'half1.mrc.gz'), join(R, '..', '..', 'data', 'emd_1832.map.gz'), '-o', join(dir, 'x'), '-q']), (e: { code: number; stderr: string }) => e.code !== 0 && /differ in box/.test(e.stderr) && e.stderr.trim().split('\n').length === 1);
  });
});
