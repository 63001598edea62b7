/**
 * The README's library example ("Use as a library") runs as written: the code block is taken
 * from the README, its `import … from 'occupy-ts'` pointed at the sources, and run in a child
 * process on a small synthetic class map named as in the example. Until session 55 the example
 * used `signal` and `onProgress` without defining them (ReferenceError: signal is not defined).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { readMrc, writeMrc } from '../../src/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The first ```js block after the heading `## Use as a library`. */
async function libraryExample(): Promise<string> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Use as a library'));
  const m = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'README has a ```js block under "## Use as a library"');
  return m[1];
}

describe('README library example', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'occupy-readme-example-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs as written and writes the scale map on the class map\'s box', async () => {
    const code = await libraryExample();
    assert.match(code, /from 'occupy-ts'/);
    const map = occupancyPhantom({ shape: [40, 40, 40], voxelSizeA: 1.5, resolutionA: 6, seed: 3, domains: [{ centreVoxel: [15, 20, 20], radiusA: 10, occupancy: 1 }, { centreVoxel: [26, 20, 20], radiusA: 8, occupancy: 0.5 }] }).map;
    const input = /readMrc\('([^']+)'\)/.exec(code)?.[1];
    const output = /writeMrc\('([^']+)'/.exec(code)?.[1];
    assert.ok(input && output, 'the example reads and writes a named map');
    await writeMrc(join(dir, input), map);
    const script = join(dir, 'example.mjs');
    await writeFile(script, code.replace(/'occupy-ts'/g, `'${pathToFileURL(join(root, 'src/index.ts')).href}'`));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', import.meta.resolve('tsx'), script], { cwd: dir, timeout: 300_000 });
    const scale = await readMrc(join(dir, output));
    assert.deepEqual(scale.shape, map.shape);
    assert.ok(stdout.includes('done 1') || !/onProgress/.test(code), `progress printed: ${stdout.slice(-200)}`);
  });
});
