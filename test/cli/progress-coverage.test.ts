/**
 * Progress on stderr when it is not a terminal, for the commands that had printed none (session
 * 54): `star join`, `pixel-size groups` / `from-cs --star` (a STAR file of a few hundred MB takes
 * seconds to read), `pixel-size resample` / `set`; the STAR reader, joiner and writer report their
 * progress (the join and the formatting are synchronous, so a percentage line can only come from
 * their callbacks); and the input's held lines go out once a later phase has run a second.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reporter } from '../../src/cli/reporter.js';
import { formatStar, joinParticleStars, parseStar, readStar } from '../../src/io/star/index.js';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { runCli } from '../helpers/cli.js';
import { magMatrixOpticsStar, zernikeOpticsStar } from '../helpers/fixtures.js';
import { fakeClock } from '../helpers/fake-clock.js';

/** A stand-in for stderr that keeps what is written. */
function sink(): { stream: NodeJS.WriteStream; text: () => string } {
  const parts: string[] = [];
  const stream = { write: (s: string) => (parts.push(s), true), isTTY: false } as unknown as NodeJS.WriteStream;
  return { stream, text: () => parts.join('') };
}

/** A RELION 3.1 particles file: one optics group `name`, `n` particles. */
function particles(name: string, n: number): string {
  const rows = Array.from({ length: n }, (_, i) => `${(i % 4000).toFixed(6)} ${(i % 3000).toFixed(6)} ${String((i % 100) + 1).padStart(6, '0')}@Extract/${name}/p${i}.mrcs 1`);
  return ['# version 30001', '', 'data_optics', '', 'loop_', '_rlnOpticsGroupName #1', '_rlnOpticsGroup #2', '_rlnImagePixelSize #3', '_rlnImageSize #4', '_rlnImageDimensionality #5', `${name} 1 1.06 256 2`, '', '', '# version 30001', '', 'data_particles', '', 'loop_', '_rlnCoordinateX #1', '_rlnCoordinateY #2', '_rlnImageName #3', '_rlnOpticsGroup #4', ...rows, ''].join('\n');
}

/** The phase lines (`[ 1.2 s] phase (0.34 s)`) of a stderr text. */
const phaseLines = (stderr: string) => stderr.split('\n').filter((l) => /^\[\s*[\d.]+ s\] .* \([\d.]+ s\)$/.test(l));

describe('progress where there had been none', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-progress-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  // (on a clock the test moves, test/helpers/fake-clock.ts: real sleeps beside the Reporter's 1 s
  // timer were a race a loaded machine decided, and took 13 s)
  it('Reporter: the held read and diagnostics lines are written once a later phase has run a second, not at its end; a refusal as it begins gives one line', (t) => {
    const clock = fakeClock(t);
    const out = sink();
    const r = new Reporter('normal', out.stream, 'lines');
    r.progress('read', 0);
    r.progress('diagnostics', 0.1);
    assert.equal(out.text(), '', 'held while the input is read and checked');
    r.progress('local FSC', 0.2);
    assert.equal(out.text(), '', 'an option refused as the method starts still gives one line');
    clock.advance(800);
    assert.equal(out.text(), '', 'not before the later phase has run a second');
    clock.advance(1700);
    const lines = out.text().trimEnd().split('\n');
    assert.equal(lines.length, 2, out.text());
    assert.match(lines[0], /\] read \(/);
    assert.match(lines[1], /\] diagnostics \(/);
    r.finish();
    assert.match(out.text(), /\] local FSC \(2\.50 s\)\n$/);
    const refused = sink();
    const q = new Reporter('normal', refused.stream, 'lines');
    q.progress('read', 0);
    q.progress('diagnostics', 0.1);
    q.progress('decompose', 0);
    q.abort();
    clock.advance(7000);
    assert.equal(refused.text(), '', 'nothing but the error line, which the CLI writes');
  });

  it('Reporter: held phases (reading STAR files, joining) get no line in the job\'s first 5 s, then the held lines and a percentage', (t) => {
    const clock = fakeClock(t);
    const out = sink();
    const r = new Reporter('normal', out.stream, 'lines', 1);
    r.progress('read a.star', 0);
    r.progress('read a.star', 0.3);
    clock.advance(2000);
    r.progress('join', 0.4);
    clock.advance(2900);
    assert.equal(out.text(), '', 'an input refused in its first seconds still gives one line');
    // the percentage comes at 5 s, then every second (interimEveryS = 1)
    clock.advance(600);
    const lines = out.text().trimEnd().split('\n');
    assert.equal(lines.length, 2, out.text());
    assert.match(lines[0], /^\[\s*2\.0 s\] read a\.star \(2\.00 s\)$/);
    assert.match(lines[1], /^\[\s*5\.0 s\] join 40 % \(3\.0 s so far\)$/);
    clock.advance(1000);
    assert.match(out.text().trimEnd().split('\n').slice(2).join('\n'), /^\[\s*6\.0 s\] join 40 % \(4\.0 s so far\)$/, out.text());
    r.stopTimer();
  });

  it('Reporter: a job that has written nothing gets its running phase\'s percentage after 1 s, then every 5 s', (t) => {
    const clock = fakeClock(t);
    const out = sink();
    const r = new Reporter('normal', out.stream, 'lines');
    r.progress('EMD-1 download', 0.1);
    clock.advance(900);
    assert.equal(out.text(), '', 'not at once');
    clock.advance(700);
    const first = out.text();
    assert.match(first, /^\[\s*1\.0 s\] EMD-1 download 10 % \(1\.0 s so far\)\n$/);
    clock.advance(4000);
    assert.equal(out.text(), first, 'then at the interval (5 s), not every second');
    clock.advance(1000);
    assert.match(out.text().slice(first.length), /^\[\s*6\.0 s\] EMD-1 download 10 % \(6\.0 s so far\)\n$/);
    r.stopTimer();
  });

  it('readStar, joinParticleStars and formatStar report their progress up to the whole', async () => {
    const a = join(dir, 'a.star');
    writeFileSync(a, particles('opticsA', 30000));
    const seen: [number, number][] = [];
    const star = await readStar(a, { onProgress: (got, total) => seen.push([got, total]) });
    assert.ok(seen.length >= 2, `${seen.length} calls`);
    assert.ok(seen.every(([, t]) => t === statSync(a).size));
    assert.ok(seen.every(([g], i) => i === 0 || g >= seen[i - 1][0]), 'bytes read never decrease');
    assert.equal(seen[seen.length - 1][0], statSync(a).size);
    const b = parseStar(particles('opticsB', 30000));
    const joinSeen: number[] = [];
    const joined = joinParticleStars([star, b], ['a', 'b'], { onProgress: (f) => joinSeen.push(f) });
    assert.ok(joinSeen.length >= 6 && joinSeen.every((f, i) => f > 0 && f <= 1 && (i === 0 || f >= joinSeen[i - 1])), joinSeen.join(','));
    assert.equal(joinSeen[joinSeen.length - 1], 1);
    const formatSeen: number[] = [];
    const text = formatStar(joined, (f) => formatSeen.push(f));
    assert.equal(text, formatStar(joined), 'the same text with and without the callback');
    assert.ok(formatSeen.length >= 12 && formatSeen.every((f, i) => f > 0 && f <= 1 && (i === 0 || f >= formatSeen[i - 1])), formatSeen.join(','));
    assert.equal(formatSeen[formatSeen.length - 1], 1);
  });

  it('star join: a line per file read, join and write on stderr (not a terminal); none with -q', async () => {
    const a = join(dir, 'ja.star');
    const b = join(dir, 'jb.star');
    writeFileSync(a, particles('opticsA', 200));
    writeFileSync(b, particles('opticsB', 200));
    const r = await runCli(['star', 'join', a, b, '-o', join(dir, 'joined.star')]);
    const lines = phaseLines(r.stderr);
    assert.deepEqual(
      lines.map((l) => l.replace(/^\[\s*[\d.]+ s\] /, '').replace(/ \([\d.]+ s\)$/, '')),
      [`read ${a}`, `read ${b}`, 'join', 'record', 'write'],
      r.stderr,
    );
    // the record, as comments before the first block: the command as typed and the version
    const text = readFileSync(join(dir, 'joined.star'), 'utf8');
    const head = text.slice(0, text.indexOf('data_optics'));
    assert.ok(head.split('\n').filter((l) => l !== '').every((l) => l.startsWith('#')), head);
    assert.ok(head.includes(`# Command            : occupy star join ${a} ${b} -o ${join(dir, 'joined.star')}`), head);
    assert.match(head, /# Version            : occupy-ts /);
    assert.match(head, /# Resolved settings/);
    assert.equal(parseStar(text).blocks.length, 2);
    assert.match(r.stdout, /Joined 2 files: 400 particles in 2 optics groups/);
    const q = await runCli(['star', 'join', a, b, '-o', join(dir, 'joined-q.star'), '-q']);
    assert.equal(q.stderr, '');
  });

  it('pixel-size groups and from-cs --star: the STAR file\'s read line on stderr; none with -q', async () => {
    const g = join(dir, 'g.star');
    writeFileSync(g, magMatrixOpticsStar());
    const r = await runCli(['pixel-size', 'groups', '--star', g, '--trusted-group', '1', '--trusted-angpix', '1.0']);
    assert.deepEqual(phaseLines(r.stderr).map((l) => l.replace(/^\[\s*[\d.]+ s\] /, '').replace(/ \([\d.]+ s\)$/, '')), [`read ${g}`], r.stderr);
    const z = join(dir, 'z.star');
    writeFileSync(z, zernikeOpticsStar(0));
    const c = await runCli(['pixel-size', 'from-cs', '--star', z]);
    assert.deepEqual(phaseLines(c.stderr).map((l) => l.replace(/^\[\s*[\d.]+ s\] /, '').replace(/ \([\d.]+ s\)$/, '')), [`read ${z}`], c.stderr);
    const q = await runCli(['pixel-size', 'groups', '--star', g, '--trusted-group', '1', '--trusted-angpix', '1.0', '-q']);
    assert.equal(q.stderr, '');
  });

  it('batch: one `maps` phase for the whole run (its timer writes a line every 5 s while a map computes), with --progress json', async () => {
    const maps = join(dir, 'batch-in');
    mkdirSync(maps);
    const { map } = occupancyPhantom({ shape: [32, 32, 32], voxelSizeA: 1.5, resolutionA: 5, snr: 5, seed: 4, domains: [{ centreVoxel: [16, 16, 16], radiusA: 10, occupancy: 1 }] });
    await writeMrc(join(maps, 'one.mrc'), map);
    const r = await runCli(['batch', maps, '-d', join(dir, 'batch-out'), '--jobs', '1', '--progress', 'json']);
    const objs = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { phase?: string; event?: string; running?: boolean });
    assert.ok(objs.some((o) => o.event !== undefined && /one-\w+ done/.test(o.event)), r.stderr);
    // one phase ended once; a slow machine may add the running phase's percentage (`running: true`,
    // after 1 s of no output), which is the same phase
    assert.deepEqual(objs.filter((o) => o.phase !== undefined && o.running !== true).map((o) => o.phase), ['maps'], r.stderr);
    assert.deepEqual([...new Set(objs.filter((o) => o.phase !== undefined).map((o) => o.phase))], ['maps'], r.stderr);
  });

  it('pixel-size ctf-plot: the SVG records the command as typed, the version and every setting with its default', async () => {
    const out = join(dir, 'ctf');
    await runCli(['pixel-size', 'ctf-plot', '--true-angpix', '1.0', '--nominal-angpix', '1.05', '-o', `${out}/`, '-q']);
    const svg = readFileSync(join(out, 'ctf_pixel_size.svg'), 'utf8');
    const meta = /<metadata>([\s\S]*?)<\/metadata>/.exec(svg)?.[1] ?? '';
    assert.ok(meta.includes(`Command            : occupy pixel-size ctf-plot --true-angpix 1.0 --nominal-angpix 1.05 -o ${out}/ -q`), meta);
    assert.match(meta, /Version            : occupy-ts /);
    for (const line of [/voltage +300$/m, /cs +2\.7$/m, /defocus +10000$/m, /amplitude-contrast +0\.1$/m, /refit-cs +false$/m]) assert.match(meta, line);
  });

  it('pixel-size resample and set: read, (resample,) diagnostics and write lines on stderr; none but the warning with -q', async () => {
    const input = join(dir, 'in.mrc');
    const { map } = occupancyPhantom({ shape: [40, 40, 40], voxelSizeA: 1.1, resolutionA: 5, snr: 5, seed: 3, domains: [{ centreVoxel: [20, 20, 20], radiusA: 12, occupancy: 1 }] });
    await writeMrc(input, map);
    const names = (stderr: string) => phaseLines(stderr).map((l) => l.replace(/^\[\s*[\d.]+ s\] /, '').replace(/ \([\d.]+ s\)$/, ''));
    const r = await runCli(['pixel-size', 'resample', input, '--angpix', '2.2', '-o', join(dir, 'res.mrc')]);
    assert.deepEqual(names(r.stderr), ['read', 'resample', 'diagnostics', 'write'], r.stderr);
    const s = await runCli(['pixel-size', 'set', input, '--angpix', '1.05', '-o', join(dir, 'set.mrc')]);
    assert.deepEqual(names(s.stderr), ['read', 'diagnostics', 'write'], s.stderr);
    const q = await runCli(['pixel-size', 'resample', input, '--angpix', '2.2', '-o', join(dir, 'res-q.mrc'), '-q']);
    assert.deepEqual(names(q.stderr), [], q.stderr);
    assert.match(q.stderr, /must not be used as a reference/);
  });
});
