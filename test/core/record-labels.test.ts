/**
 * The run record as MRC labels (`recordLabels`): every input's SHA-256, in order, and the settings
 * are kept when the command is too long for the header (paths of ~320 characters), and the cut is
 * marked (`...` and a last label saying the full record is in the log).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INPUTS_SHA256, makeRunRecord, RECORD_CUT_LABEL, recordLabels } from '../../src/core/run-record.js';

const hash = (c: string) => c.repeat(64);

test('a short record: cmd, every sha256 in input order, set; nothing cut', () => {
  const rec = makeRunRecord({ commandLine: ['map.mrc', '--solvent-def', 'sd.mrc'], input: { path: 'map.mrc', sha256: hash('a'), bytes: 1 }, seed: 3, seedGiven: true, settings: { tau: 0.9, [INPUTS_SHA256]: [`map.mrc=${hash('a')}`, `sd.mrc=${hash('b')}`] } });
  assert.deepEqual(recordLabels(rec, 9), ['cmd: occupy map.mrc --solvent-def sd.mrc --seed 3', `sha256: ${hash('a')}`, `sha256: ${hash('b')}`, 'set: tau=0.9']);
});

test('paths of 320 characters: the hashes and settings stay, the cut is marked, every label fits', () => {
  const dir = `/data/${'deep/'.repeat(62)}`; // 316 characters
  const map = `${dir}map.mrc`;
  const sd = `${dir}soldef.mrc`;
  const settings: Record<string, unknown> = { mode: 'occupancy', lowpass: 8, 'kernel-size': 5, tau: 0.92, 'solvent-def': sd, seed: 3, [INPUTS_SHA256]: [`${map}=${hash('a')}`, `${sd}=${hash('b')}`] };
  const rec = makeRunRecord({ commandLine: [map, '--solvent-def', sd, '-o', `${dir}out/`], input: { path: map, sha256: hash('a'), bytes: 1 }, seed: 3, seedGiven: true, settings });
  const labels = recordLabels(rec, 9);
  assert.equal(labels.length, 9);
  for (const l of labels) assert.ok(l.length <= 80, l);
  assert.ok(labels.includes(`sha256: ${hash('a')}`) && labels.includes(`sha256: ${hash('b')}`), labels.join('\n'));
  assert.ok(labels.some((l) => l.startsWith('set: mode=occupancy lowpass=8 kernel-size=5 tau=0.92')), labels.join('\n'));
  assert.ok(labels[0].startsWith(`cmd: occupy ${map}`.slice(0, 40)));
  const lastCmd = labels.filter((l) => l.startsWith('cmd:')).at(-1) ?? '';
  assert.ok(lastCmd.endsWith('...'), lastCmd);
  assert.equal(labels.at(-1), RECORD_CUT_LABEL);
});

test('non-ASCII in the command or settings is written as \\uXXXX escapes: the labels stay ASCII and spell the command (session 50: é as the byte 0xE9, 日本 as ??)', () => {
  const rec = makeRunRecord({ commandLine: ['map.mrc', '-o', '日本 é/'], input: { path: 'map.mrc', sha256: hash('a'), bytes: 1 }, seed: 3, seedGiven: true, settings: { out: 'ß' } });
  const labels = recordLabels(rec, 9);
  assert.equal(labels[0], "cmd: occupy map.mrc -o '\\u65e5\\u672c \\u00e9/' --seed 3");
  assert.ok(labels.includes('set: out=\\u00df'), labels.join('\n'));
  for (const l of labels) assert.match(l, /^[\x20-\x7e]*$/);
  assert.equal(JSON.parse(`"${labels[0].slice(5)}"`), rec.rerun);
});
