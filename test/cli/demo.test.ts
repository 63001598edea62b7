/**
 * `occupy demo`: the built-in synthetic map must recover the domain ordering 1.0 > 0.75 > 0.5 > 0.25.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { NODE_ARGS } from '../helpers/cli.js';

const run = promisify(execFile);

describe('occupy demo', () => {
  it('recovers the domain ordering and roughly proportional scales', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'occupy-demo-'));
    try {
      const { stdout } = await run(process.execPath, [...NODE_ARGS, 'demo', '-d', dir, '--json', '--quiet'], { cwd: PROJECT_ROOT });
      const out = JSON.parse(stdout) as { domains: { trueOccupancy: number; meanScale: number }[]; orderingRecovered: boolean };
      assert.equal(out.orderingRecovered, true);
      assert.deepEqual(out.domains.map((d) => d.trueOccupancy), [1, 0.75, 0.5, 0.25]);
      for (let i = 1; i < 4; i++) assert.ok(out.domains[i - 1].meanScale > out.domains[i].meanScale);
      // occupancy mode: scale relative to the full domain follows the true occupancy within 0.1
      const ref = out.domains[0].meanScale;
      for (const d of out.domains) assert.ok(Math.abs(d.meanScale / ref - d.trueOccupancy) < 0.1, `${d.meanScale / ref} vs ${d.trueOccupancy}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
