/**
 * Findings of the input diagnostics in batch records (`results.jsonl`, `record.json`), in
 * results.csv and in the batch report; a not-density map becomes an error record.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { runCli } from '../helpers/cli.js';
import { applyMask, molecularMask, RAW_SPECS, rawSynthetic, sphereMask } from './variants.js';

describe('batch: findings in records and report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-batch-diag-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  before(async () => {
    await loadFft();
    const raw = rawSynthetic(RAW_SPECS[0]);
    writeFileSync(join(dir, 'raw.mrc'), encodeMrc(raw));
    writeFileSync(join(dir, 'masked.mrc'), encodeMrc(applyMask(raw, sphereMask(raw, 0.8, 4))));
    writeFileSync(join(dir, 'binary.mrc'), encodeMrc({ ...raw, data: molecularMask(raw, 0) }));
  });

  it('records carry diagnostics; the binary mask is an error record; CSV and report show the codes', async () => {
    const out = join(dir, 'out');
    let code = 0;
    try {
      await runCli(['batch', join(dir, 'raw.mrc'), join(dir, 'masked.mrc'), join(dir, 'binary.mrc'), '-d', out, '--json', '-q']);
    } catch (e) {
      code = (e as { code: number }).code;
    }
    assert.notEqual(code, 0, 'a failure: the binary mask');
    const records = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const byMap = (name: string) => records.find((r) => r.map.endsWith(name));
    assert.deepEqual(byMap('masked.mrc').diagnostics.map((f: { code: string }) => f.code), ['masked']);
    assert.ok(byMap('masked.mrc').warnings.some((w: string) => w.startsWith('[masked]')));
    assert.deepEqual(byMap('raw.mrc').diagnostics, []);
    assert.equal(byMap('binary.mrc').status, 'error');
    assert.match(byMap('binary.mrc').message, /not a density map.*--force/);
    // collect exits 3 as the run did: a map failed (since session 52; it had exited 0)
    await assert.rejects(runCli(['batch', 'collect', out, '-q']), (e: { code: number }) => e.code === 3);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').split('\n');
    const col = csv[0].split(',').indexOf('diagnostics');
    assert.ok(col > 0, csv[0]);
    assert.ok(csv.some((l) => l.includes('masked.mrc') && l.split(',')[col] === 'masked'), csv.join('\n'));
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /<th>input diagnostics<\/th>/);
    assert.match(html, /<td>masked<\/td>/);
  });
});
