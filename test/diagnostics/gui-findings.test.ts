/**
 * The GUI server's map reader returns the input diagnostics' findings with the map (the page logs
 * them when it opens the map; the estimate's findings reach it as warnings).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { MapReader } from '../../src/web/server/map-reader.js';
import { applyMask, RAW_SPECS, rawSynthetic, sphereMask } from './variants.js';

describe('GUI map reader: findings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-gui-diag-'));
  const reader = new MapReader();
  after(async () => {
    await reader.close();
    rmSync(dir, { recursive: true, force: true });
  });
  before(async () => {
    await loadFft();
    const raw = rawSynthetic(RAW_SPECS[0]);
    writeFileSync(join(dir, 'raw.mrc'), encodeMrc(raw));
    writeFileSync(join(dir, 'masked.mrc'), encodeMrc(applyMask(raw, sphereMask(raw, 0.8, 4))));
  });

  it('a masked map comes with a masked finding ({code, severity, message, evidence}); a raw map with none', async () => {
    const m = await reader.read(join(dir, 'masked.mrc'), 'masked.mrc');
    assert.deepEqual(m.findings.map((f) => f.code), ['masked']);
    assert.equal(m.findings[0].severity, 'warning');
    assert.ok(m.findings[0].message.length > 20);
    const r = await reader.read(join(dir, 'raw.mrc'), 'raw.mrc');
    assert.deepEqual(r.findings, []);
  });
});
