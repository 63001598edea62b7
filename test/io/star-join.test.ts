/**
 * joinParticleStars: RELION 3.1 particle files joined like `relion_star_handler --combine`
 * (compared against the installed RELION when available), refusing optics-group name clashes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { StarFormatError, formatStar, getBlock, joinParticleStars, loopTable, parseStar, readStar, type StarFile, type StarTable } from '../../src/io/star/index.js';

const run = promisify(execFile);

const HAVE_RELION = spawnSync('relion_star_handler', ['--version'], { encoding: 'utf8' }).status === 0;

/** The `skip` option for RELION comparisons: false when installed; a message when not; throws under CI=true. */
function skipWithoutRelion(): false | string {
  if (HAVE_RELION) return false;
  if (process.env.CI === 'true') throw new Error('CI=true but relion_star_handler is not on PATH: install relion (apt-get install relion) so the --combine comparison runs');
  return 'relion_star_handler not found on PATH (apt-get install relion): comparison with RELION --combine skipped';
}

type Group = [name: string, number: number, pixelA: string];
type Particle = [image: string, group: number, defocusA: number];

/** A RELION 3.1 Extract-style particles file (full optics columns, so RELION's ObservationModel adds none). */
function particleStar(groups: Group[], particles: Particle[]): string {
  const optics = groups.map(([name, n, px]) => `${name} ${n} mtf_k3.star ${px} 300.000000 2.700000 0.100000 ${px} 64 2`).join('\n');
  const rows = particles.map(([img, g, df], i) => `${(100 + i).toFixed(6)} ${(200 + i).toFixed(6)} ${img} MotionCorr/job002/mic${i % 2}.mrc ${g} ${df.toFixed(6)}`).join('\n');
  return `
# version 30001

data_optics

loop_
_rlnOpticsGroupName #1
_rlnOpticsGroup #2
_rlnMtfFileName #3
_rlnMicrographOriginalPixelSize #4
_rlnVoltage #5
_rlnSphericalAberration #6
_rlnAmplitudeContrast #7
_rlnImagePixelSize #8
_rlnImageSize #9
_rlnImageDimensionality #10
${optics}

# version 30001

data_particles

loop_
_rlnCoordinateX #1
_rlnCoordinateY #2
_rlnImageName #3
_rlnMicrographName #4
_rlnOpticsGroup #5
_rlnDefocusU #6
${rows}
`;
}

/** Two input files per case, by name. */
const CASES: Record<string, Record<string, string>> = {
  // different names; the second file's groups 1, 2 become 3, 4 (a chained renumbering)
  distinct: {
    'a.star': particleStar([['opticsGroup1', 1, '1.000000'], ['opticsGroup2', 2, '1.200000']], [['000001@a.mrcs', 1, 10000], ['000002@a.mrcs', 2, 10100], ['000003@a.mrcs', 1, 10200]]),
    'b.star': particleStar([['opticsGroup3', 1, '0.950000'], ['opticsGroup4', 2, '1.100000']], [['000001@b.mrcs', 2, 20000], ['000002@b.mrcs', 1, 20100], ['000003@b.mrcs', 2, 20200]]),
  },
  // the same name with the same values (written differently) is one group; a new name is appended
  identical: {
    'a.star': particleStar([['opticsGroup1', 1, '1.000000']], [['000001@a.mrcs', 1, 10000]]),
    'b.star': particleStar([['newGroup', 1, '0.950000'], ['opticsGroup1', 2, '1.0']], [['000001@b.mrcs', 1, 20000], ['000002@b.mrcs', 2, 20100]]),
  },
  // the first file's groups numbered 3 and 5: renumbered 1, 2 in table order
  gaps: {
    'a.star': particleStar([['p', 3, '1.000000'], ['q', 5, '1.100000']], [['000001@a.mrcs', 5, 10000], ['000002@a.mrcs', 3, 10100]]),
    'b.star': particleStar([['r', 1, '1.200000']], [['000001@b.mrcs', 1, 20000]]),
  },
  // the same name, different pixel size: RELION merges them, we refuse
  clash: {
    'a.star': particleStar([['opticsGroup1', 1, '1.0']], [['000001@a.mrcs', 1, 10000]]),
    'b.star': particleStar([['opticsGroup1', 1, '0.95']], [['000001@b.mrcs', 1, 20000]]),
  },
};

const parsed = (c: string): StarFile[] => Object.entries(CASES[c]).map(([name, text]) => parseStar(text, name));
const join = (c: string): StarFile => joinParticleStars(parsed(c), Object.keys(CASES[c]));
const table = (f: StarFile, block: string): StarTable => {
  const b = getBlock(f, block);
  assert.ok(b, `block data_${block}`);
  const t = loopTable(b);
  assert.ok(t, `loop in data_${block}`);
  return t;
};
const NUM = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Same columns and rows; numbers compared by value (RELION writes 1.0 as 1.000000). */
function assertSameContent(ours: StarFile, relion: StarFile, what: string): void {
  for (const block of ['optics', 'particles']) {
    const a = table(ours, block);
    const b = table(relion, block);
    assert.deepEqual(a.columns, b.columns, `${what}: data_${block} columns`);
    assert.equal(a.rows.length, b.rows.length, `${what}: data_${block} row count`);
    a.rows.forEach((row, r) => row.forEach((v, c) => {
      const w = b.rows[r][c];
      const same = NUM.test(v) && NUM.test(w) ? Math.abs(Number(v) - Number(w)) <= 1e-6 * Math.max(1, Math.abs(Number(v))) : v === w;
      assert.ok(same, `${what}: data_${block} row ${r + 1} ${a.columns[c]}: ours ${v}, RELION ${w}`);
    }));
  }
}

describe('joinParticleStars', () => {
  it('distinct groups are numbered 1..K in order of first appearance; particles renumbered', () => {
    const out = join('distinct');
    const o = table(out, 'optics');
    assert.deepEqual(o.rows.map((r) => [r[0], r[1], r[7]]), [
      ['opticsGroup1', '1', '1.000000'],
      ['opticsGroup2', '2', '1.200000'],
      ['opticsGroup3', '3', '0.950000'],
      ['opticsGroup4', '4', '1.100000'],
    ]);
    const p = table(out, 'particles');
    assert.deepEqual(p.rows.map((r) => [r[2], r[4]]), [
      ['000001@a.mrcs', '1'],
      ['000002@a.mrcs', '2'],
      ['000003@a.mrcs', '1'],
      ['000001@b.mrcs', '4'],
      ['000002@b.mrcs', '3'],
      ['000003@b.mrcs', '4'],
    ]);
    // other values untouched; inputs not modified; output round-trips through the writer
    assert.deepEqual(p.rows[3], ['100.000000', '200.000000', '000001@b.mrcs', 'MotionCorr/job002/mic0.mrc', '4', '20000.000000']);
    assert.equal(table(parsed('distinct')[1], 'particles').rows[0][4], '2');
    assert.deepEqual(parseStar(formatStar(out)), out);
  });

  it('the same name with identical values (1.0 = 1.000000) is one group', () => {
    const out = join('identical');
    assert.deepEqual(table(out, 'optics').rows.map((r) => [r[0], r[1]]), [['opticsGroup1', '1'], ['newGroup', '2']]);
    assert.deepEqual(table(out, 'particles').rows.map((r) => r[4]), ['1', '2', '1']);
    // joining a file with itself doubles the particles and keeps the optics
    const a = parseStar(CASES.distinct['a.star']);
    const self = joinParticleStars([a, a]);
    assert.equal(table(self, 'optics').rows.length, 2);
    assert.deepEqual(table(self, 'particles').rows.map((r) => r[4]), ['1', '2', '1', '1', '2', '1']);
  });

  it('the first file is renumbered too (3, 5 → 1, 2); a single file is normalised the same way', () => {
    const out = join('gaps');
    assert.deepEqual(table(out, 'optics').rows.map((r) => [r[0], r[1]]), [['p', '1'], ['q', '2'], ['r', '3']]);
    assert.deepEqual(table(out, 'particles').rows.map((r) => r[4]), ['2', '1', '3']);
    const single = joinParticleStars([parsed('gaps')[0]]);
    assert.deepEqual(table(single, 'optics').rows.map((r) => [r[0], r[1]]), [['p', '1'], ['q', '2']]);
    assert.deepEqual(table(single, 'particles').rows.map((r) => r[4]), ['2', '1']);
  });

  it('the same name with different values is refused, naming the files and values, and how to join them (session 59: no remedy was given)', () => {
    assert.throws(() => join('clash'), (e: unknown) => {
      assert.ok(e instanceof StarFormatError);
      assert.equal(e.message, "optics group name 'opticsGroup1' appears in a.star and b.star with different values: rlnMicrographOriginalPixelSize 1.0 vs 0.95, rlnImagePixelSize 1.0 vs 0.95; if they are different optics, give one of them another name in its file's data_optics (rlnOpticsGroupName; RELION's import names every first group opticsGroup1) and join again");
      return true;
    });
  });

  it('particle columns must match: a missing or extra column is named', () => {
    const [a] = parsed('distinct');
    const b = parseStar(CASES.distinct['b.star'].replace('_rlnDefocusU #6\n', '').replace(/ \d+\.000000\n/g, '\n'), 'b.star');
    assert.deepEqual(table(b, 'particles').columns.length, 5);
    assert.throws(() => joinParticleStars([a, b], ['a.star', 'b.star']), (e: unknown) => e instanceof StarFormatError && e.message === 'column rlnDefocusU of data_particles is in a.star but missing in b.star: all files must have the same particles columns');
    assert.throws(() => joinParticleStars([b, a], ['b.star', 'a.star']), (e: unknown) => e instanceof StarFormatError && /column rlnDefocusU of data_particles is in a\.star but missing in b\.star/.test(e.message));
    const noOptics = parseStar(CASES.distinct['b.star'].replace('_rlnMtfFileName #3\n', '').replace(/ mtf_k3\.star/g, ''), 'c.star');
    assert.throws(() => joinParticleStars([a, noOptics], ['a.star', 'c.star']), (e: unknown) => e instanceof StarFormatError && /column rlnMtfFileName of data_optics is in a\.star but missing in c\.star/.test(e.message));
  });

  it('particle columns in a different order are matched by name', () => {
    const [a, b] = parsed('distinct');
    const pb = table(b, 'particles');
    const order = [5, 4, 3, 2, 1, 0];
    const shuffled: StarFile = {
      blocks: [getBlock(b, 'optics')!, { name: 'particles', items: [{ kind: 'loop', columns: order.map((i) => pb.columns[i]), rows: pb.rows.map((r) => order.map((i) => r[i])) }] }],
    };
    assert.deepEqual(joinParticleStars([a, shuffled]), join('distinct'));
  });

  it('ragged rows, missing blocks and columns, unknown groups are clear StarFormatErrors', () => {
    const [a, b] = parsed('distinct');
    // ragged text: the parser refuses it
    assert.throws(() => parseStar(CASES.distinct['b.star'].replace('000002@b.mrcs', '000002@b.mrcs extra'), 'b.star'), (e: unknown) => e instanceof StarFormatError && /b\.star: line \d+: loop row has 7 values but the loop_ at line \d+ declared 6 columns/.test(e.message));
    // ragged model (built in code)
    const ragged = structuredClone(b);
    table(ragged, 'particles').rows[1].pop();
    assert.throws(() => joinParticleStars([a, ragged], ['a.star', 'b.star']), (e: unknown) => e instanceof StarFormatError && e.message.startsWith('b.star: data_particles row 2 has 5 values, expected 6 (one per column: rlnCoordinateX,'));
    const noParticles: StarFile = { blocks: [getBlock(b, 'optics')!] };
    assert.throws(() => joinParticleStars([a, noParticles], ['a.star', 'b.star']), (e: unknown) => e instanceof StarFormatError && /b\.star: missing block data_particles: expected a RELION 3.1 particle file with data_optics and data_particles, found data_optics/.test(e.message));
    const unknown = structuredClone(b);
    table(unknown, 'particles').rows[0][4] = '7';
    assert.throws(() => joinParticleStars([a, unknown], ['a.star', 'b.star']), (e: unknown) => e instanceof StarFormatError && /b\.star: data_particles row 1 has rlnOpticsGroup "7", which is not a group in its data_optics \(groups 1, 2\)/.test(e.message));
    const noName = parseStar(CASES.distinct['a.star'].replace('_rlnOpticsGroupName #1\n', '').replace(/^opticsGroup\d /gm, ''), 'a.star');
    assert.throws(() => joinParticleStars([noName, b], ['a.star', 'b.star']), (e: unknown) => e instanceof StarFormatError && /a\.star: missing column rlnOpticsGroupName in block data_optics/.test(e.message));
    assert.throws(() => joinParticleStars([]), { name: 'RangeError', message: /at least one STAR file, got 0/ });
    assert.throws(() => joinParticleStars([a, b], ['a.star']), { name: 'RangeError', message: /names must have one entry per file \(2\), got 1/ });
  });
});

describe('joinParticleStars against relion_star_handler --combine', { skip: skipWithoutRelion() }, () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'occupy-star-join-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Write the case's inputs, run RELION's --combine on them, and read its output. */
  async function relionCombine(c: string): Promise<StarFile> {
    const inputs: string[] = [];
    for (const [name, text] of Object.entries(CASES[c])) {
      const p = path.join(dir, `${c}-${name}`);
      await writeFile(p, text);
      inputs.push(p);
    }
    const out = path.join(dir, `${c}-combined.star`);
    await run('relion_star_handler', ['--combine', '--i', inputs.join(' '), '--o', out], { cwd: dir });
    return readStar(out);
  }

  for (const c of ['distinct', 'identical', 'gaps']) {
    it(`same optics rows, particle rows and renumbering as RELION (${c})`, async () => {
      assertSameContent(join(c), await relionCombine(c), c);
    });
  }

  it('RELION merges a clashing name silently (keeping the first pixel size); we refuse', async () => {
    const relion = await relionCombine('clash');
    const o = table(relion, 'optics');
    assert.equal(o.rows.length, 1);
    assert.equal(Number(o.rows[0][o.columns.indexOf('rlnImagePixelSize')]), 1.0);
    assert.deepEqual(table(relion, 'particles').rows.map((r) => r[4]), ['1', '1']);
    assert.throws(() => join('clash'), StarFormatError);
  });
});
