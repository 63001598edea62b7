/**
 * The layer rules (.dependency-cruiser.cjs) hold for src, and a wrong-way import planted in a copy
 * of src is reported: this test is what makes `npm test` (and so CI) fail on a wrong-way import.
 *
 * Layers, imports going down only: core, math, io, filters → occupancy, resolution, diagnostics,
 * decomposition, pixel-size, synthetic → jobs, batch, plots, api → cli, web; web never imports cli.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { appendFileSync, copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

const run = promisify(execFile);
const DEPCRUISE = resolve(PROJECT_ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

/**
 * Run dependency-cruiser on `src` of `root` with the project's rules, as `npm run deps` does (the
 * `err` reporter, whose exit code is the number of errors): its exit code, the violations
 * (`rule: from → to`) and the number of modules cruised.
 */
async function cruise(root: string): Promise<{ code: number; violations: string[]; modules: number }> {
  let stdout: string;
  let code = 0;
  try {
    ({ stdout } = await run(process.execPath, [DEPCRUISE, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: root, maxBuffer: 1 << 26 }));
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    if (typeof e.code !== 'number' || e.stdout === undefined) throw err;
    code = e.code;
    stdout = e.stdout;
  }
  // "  error base-imports-upward: src/core/volume.ts → src/occupancy/summary.ts"
  const violations = [...stdout.matchAll(/^\s*error ([\w-]+): (\S+) → (\S+)/gm)].map((m) => `${m[1]}: ${m[2]} → ${m[3]}`).sort();
  const modules = Number(/(\d+) modules/.exec(stdout)?.[1] ?? 0);
  return { code, violations, modules };
}

describe('layer rules (dependency-cruiser)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'occupy-deps-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('src has no wrong-way import', async () => {
    const r = await cruise(PROJECT_ROOT);
    assert.ok(r.modules > 150, `only ${r.modules} modules cruised: the config does not see src`);
    assert.deepEqual(r.violations, []);
    assert.equal(r.code, 0);
  });

  it('a planted wrong-way import is reported (and the check exits non-zero)', async () => {
    // a copy of src with three wrong-way imports, one per kind of rule
    cpSync(join(PROJECT_ROOT, 'src'), join(tmp, 'src'), { recursive: true });
    for (const f of ['.dependency-cruiser.cjs', 'tsconfig.json', 'package.json']) copyFileSync(join(PROJECT_ROOT, f), join(tmp, f));
    appendFileSync(join(tmp, 'src/core/volume.ts'), "\nimport type { EstimateSummary } from '../occupancy/summary.js';\nexport type Planted = EstimateSummary;\n");
    appendFileSync(join(tmp, 'src/occupancy/tau.ts'), "\nexport { renderVegaLite as planted } from '../plots/render.js';\n");
    appendFileSync(join(tmp, 'src/web/server/paths.ts'), "\nexport { OptionRangeError as Planted } from '../../cli/options.js';\n");
    const r = await cruise(tmp);
    assert.deepEqual(r.violations, [
      'base-imports-upward: src/core/volume.ts → src/occupancy/summary.ts',
      'method-imports-upward: src/occupancy/tau.ts → src/plots/render.ts',
      'web-imports-cli: src/web/server/paths.ts → src/cli/options.ts',
    ]);
    assert.equal(r.code, 3, 'dependency-cruiser exits with the number of errors');
  });
});
