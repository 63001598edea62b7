/**
 * The committed WebAssembly kernels are the assembly of their .wat sources (scripts/build-wasm.mjs).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import wabtInit from 'wabt';
import { WASM_BASE64 } from '../../src/filters/wasm/max-filter.wasm.js';
import { WASM_BASE64 as VOXEL_KERNELS_BASE64 } from '../../src/math/wasm/voxel-kernels.wasm.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

describe('WebAssembly kernels', () => {
  for (const [wat, base64] of [['src/filters/wasm/max-filter.wat', WASM_BASE64], ['src/math/wasm/voxel-kernels.wat', VOXEL_KERNELS_BASE64]] as const) {
    it(`${wat.replace('.wat', '.wasm.ts')} is the assembled ${wat} (run npm run build:wasm after editing the .wat)`, async () => {
      const wabt = await wabtInit();
      const src = readFileSync(resolve(PROJECT_ROOT, wat), 'utf8');
      const mod = wabt.parseWat(wat, src, { simd: true });
      mod.validate();
      assert.equal(Buffer.from(mod.toBinary({}).buffer).toString('base64'), base64);
    });
  }
});
