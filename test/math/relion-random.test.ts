/**
 * RELION's random numbers (math/relion-random.ts) against glibc 2.36's rand() and RELION's
 * rnd_unif(0, 2π), values printed by a C program compiled with gcc:
 *   srand(s); rand() …; and a + (float)rand() / (float)(RAND_MAX / (b − a)) with float a = 0,
 *   b = (float)(2π).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GLIBC_RAND_MAX, glibcRand, relionPhaseSampler, relionUniform } from '../../src/math/relion-random.js';

/** seed → first four rand() values, the 100 000th value, the first three phases (printed with %.9g). */
const GLIBC: Array<[number, number[], number, number[]]> = [
  [0, [1804289383, 846930886, 1681692777, 1714636915], 660658275, [5.2790556, 2.47798109, 4.9203577]],
  [1, [1804289383, 846930886, 1681692777, 1714636915], 660658275, [5.2790556, 2.47798109, 4.9203577]],
  [42, [71876166, 708592740, 1483128881, 907283241], 1947218706, [0.210297897, 2.07322645, 4.33939219]],
  [2147483648, [1336741213, 1210407648, 1447044896, 337392383], 1214836719, [3.91108608, 3.54145479, 4.23381615]],
  [4294967295, [254925627, 1205188300, 366127624, 1401405153], 2125453799, [0.74587065, 3.52618384, 1.07122946]],
];

describe('glibcRand', () => {
  for (const [seed, first, at100k] of GLIBC) {
    it(`srand(${seed}): first values and the 100 000th equal glibc's`, () => {
      const r = glibcRand(seed);
      assert.deepEqual([r(), r(), r(), r()], first);
      for (let i = 4; i < 99999; i++) r();
      assert.equal(r(), at100k);
    });
  }
  it('stays in [0, RAND_MAX], generators are independent, and a non-integer seed is refused', () => {
    const a = glibcRand(7), b = glibcRand(7);
    let min = Infinity, max = -Infinity;
    for (let i = 0; i < 20000; i++) {
      const v = a();
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assert.ok(min >= 0 && max <= GLIBC_RAND_MAX && max > 0.99 * GLIBC_RAND_MAX && min < 0.01 * GLIBC_RAND_MAX);
    assert.equal(b(), glibcRand(7)()); // b untouched by a's 20 000 draws
    assert.throws(() => glibcRand(1.5), /seed must be an integer/);
  });
});

describe('relionUniform / relionPhaseSampler', () => {
  for (const [seed, , , phases] of GLIBC) {
    it(`seed ${seed}: the first phases equal RELION's rnd_unif(0, 2π) to float32 (bit-identical)`, () => {
      const p = relionPhaseSampler(seed);
      for (const want of phases) {
        const got = p();
        assert.equal(got, Math.fround(got));
        assert.equal(got, Math.fround(want), `${got} vs ${want}`);
      }
    });
  }
  it('a = b returns a; the range maps onto [a, b]', () => {
    assert.equal(relionUniform(() => 5, 2, 2), 2);
    assert.equal(relionUniform(() => 0, -1, 3), -1);
    assert.ok(Math.abs(relionUniform(() => GLIBC_RAND_MAX, -1, 3) - 3) < 1e-6);
  });
});
