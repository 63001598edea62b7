/**
 * Output naming (spec §1, §11) and the ChimeraX script text.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chimeraxQuote, chimeraxScript, SCALE_PALETTE } from '../../src/occupancy/chimerax-script.js';
import { estimateOutputNames, mapStem } from '../../src/occupancy/output-names.js';

describe('output names', () => {
  it('strips .gz and the map extension from the stem', () => {
    assert.equal(mapStem('/data/emd_1832.map.gz'), 'emd_1832');
    assert.equal(mapStem('run_class001.mrc'), 'run_class001');
    assert.equal(mapStem('x.ccp4'), 'x');
    assert.equal(mapStem('weird.name.MRC'), 'weird.name');
  });
  it('names the outputs as the original does', () => {
    const n = estimateOutputNames('emd_1832', 'res');
    assert.equal(n.scale, 'scale_res_emd_1832.mrc');
    assert.equal(n.confidence, 'conf_emd_1832.mrc');
    assert.equal(n.log, 'log_emd_1832.txt');
    assert.equal(n.chimerax, 'chimX_emd_1832.cxc');
    assert.equal(estimateOutputNames('m', 'occ').scale, 'scale_occ_m.mrc');
  });
});

describe('ChimeraX script', () => {
  const script = chimeraxScript({
    inputPath: 'my maps/input map.mrc',
    scalePath: 'scale_res_input map.mrc',
    modifiedPaths: ['ampl_2.0_input map.mrc'],
    surfaceLevel: 1.25,
    scaleLevel: 0.81,
    minVisScale: 0.3,
    maxTile: { centreA: [-11.4, 57, 5.7], radiusA: 8.55 },
    warnings: ['bad\nsolvent'],
  });
  const lines = script.trim().split('\n');
  it('quotes paths with spaces', () => {
    assert.ok(lines.includes('open "my maps/input map.mrc"'));
    assert.ok(lines.includes('open "scale_res_input map.mrc"'));
    assert.equal(chimeraxQuote('C:\\maps\\a "b".mrc'), '"C:/maps/a \\"b\\".mrc"');
  });
  it('sets the levels and colours the input and modified maps by scale over [min-vis-scale, 1]', () => {
    assert.ok(lines.includes('volume #1 style surface region all level 1.25'));
    assert.ok(lines.includes('volume #2 level 0.81'));
    assert.ok(lines.includes(`alias scale_color color sample $1 map $2 palette '${SCALE_PALETTE}' range 0.3,1.0`));
    assert.ok(lines.includes('scale_color #1 #2'));
    assert.ok(lines.includes('scale_color #3 #2'));
  });
  it('marks the s_max tile and shows a 9-label key', () => {
    // after the input (#1), scale (#2) and one modified map (#3)
    assert.ok(lines.some((l) => l.startsWith('shape sphere center -11.4,57,5.7 radius 8.55') && l.includes('modelId #4')));
    const key = lines.find((l) => l.startsWith('key '))!;
    const labels = key.slice(key.lastIndexOf("'") + 1);
    assert.equal((labels.match(/:\d\.\d\d/g) ?? []).length, 9);
    assert.match(key, /:0\.30 .*:1\.00/);
  });
  it('shows each warning on one log line', () => {
    assert.ok(lines.includes('log text occupy warning: bad solvent'));
  });
});
