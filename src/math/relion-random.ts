/**
 * RELION's random numbers: the C library's `rand()` as glibc implements it, seeded by `srand(seed)`
 * (RELION's `--random_seed`, default 0), and RELION's single-precision mapping of it to a uniform
 * number in [a, b] (`rnd_unif`). With these, a computation that draws in RELION's order reproduces
 * RELION's draw exactly (e.g. the phase randomisation of `relion_postprocess`,
 * resolution/fsc-corrected.ts).
 *
 * The generator (glibc `random_r.c`, `TYPE_3`; also what `rand()` returns):
 * 1. State r₀ … r₃₀ (signed 32-bit): r₀ = seed (seed 0 is replaced by 1), then
 *    rᵢ = 16807 · rᵢ₋₁ mod (2³¹ − 1) for i = 1 … 30 — the Park–Miller "minimal standard" LCG,
 *    evaluated with Schrage's decomposition (q = 127773, r = 2836) and a negative result lifted by
 *    2³¹ − 1, so a seed ≥ 2³¹ (negative as int32) follows C's truncating division.
 * 2. For i ≥ 31: rᵢ = rᵢ₋₃₁ + rᵢ₋₃ (mod 2³², an additive lagged-Fibonacci recurrence, lags 31 and 3).
 * 3. The k-th output (k = 0, 1, …) is r₃₄₄₊ₖ shifted right by one bit: an integer in
 *    [0, RAND_MAX = 2³¹ − 1]. (The first 310 values after the seeded 34 are discarded.)
 *
 * Known outputs (checked against glibc 2.x with a C program, test/math/relion-random.test.ts):
 * seed 0 or 1 → 1804289383, 846930886, 1681692777, …; seed 42 → 71876166, 708592740, ….
 *
 * @see P. Selinger, "The GLIBC pseudo-random number generator" (2007),
 *   https://www.mathstat.dal.ca/~selinger/random/ (the recurrence above, with its offsets)
 * @see S. K. Park, K. W. Miller, "Random number generators: good ones are hard to find",
 *   Commun. ACM 31(10):1192–1201 (1988) (the seeding LCG and Schrage's method)
 * @see RELION 3.1 `src/funcs.cpp` (`init_random_generator` calls `srand(seed)`; `rnd_unif`)
 */

/** Largest value of glibc's `rand()`: 2³¹ − 1. */
export const GLIBC_RAND_MAX = 2147483647;

/** Number of lagged-Fibonacci state words (the long lag). */
const DEGREE = 31;
/** Short lag of the recurrence. */
const SEPARATION = 3;
/** Outputs discarded after seeding (10 × degree). */
const WARM_UP = 310;

/**
 * glibc's `rand()` after `srand(seed)` (module docs): a function returning the next integer of the
 * sequence, in [0, {@link GLIBC_RAND_MAX}]. Each generator has its own state (unlike C's global one).
 *
 * @param seed `srand` argument, an integer taken modulo 2³² (as C's `unsigned`); 0 acts as 1
 * @returns generator of integers in [0, 2³¹ − 1]
 * @throws RangeError when `seed` is not a finite integer
 */
export function glibcRand(seed: number): () => number {
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const state = new Int32Array(DEGREE);
  state[0] = seed | 0 || 1;
  for (let i = 1; i < DEGREE; i++) {
    const prev = state[i - 1];
    // 16807 · prev mod (2³¹ − 1) without overflow (Schrage); C's truncating division and remainder
    const hi = Math.trunc(prev / 127773);
    const lo = prev % 127773;
    let word = 16807 * lo - 2836 * hi;
    if (word < 0) word += 2147483647;
    state[i] = word;
  }
  // state[front] receives r_i = r_{i−31} (= state[front], old) + r_{i−3} (= state[rear])
  let front = SEPARATION;
  let rear = 0;
  const next = (): number => {
    const v = (state[front] + state[rear]) | 0;
    state[front] = v;
    if (++front === DEGREE) front = 0;
    if (++rear === DEGREE) rear = 0;
    return v >>> 1;
  };
  for (let i = 0; i < WARM_UP; i++) next();
  return next;
}

/**
 * RELION's `rnd_unif(a, b)` on top of a `rand()`-like generator, in RELION's single-precision
 * arithmetic: `a + float(rand()) / float(RAND_MAX / (b − a))`, every operand and intermediate
 * rounded to float32 (a and b are float parameters in RELION), so the value is bit-identical to
 * RELION's. Returns `a` when a = b. The result lies in [a, b] up to float32 rounding.
 *
 * @param rand generator of integers in [0, {@link GLIBC_RAND_MAX}], e.g. {@link glibcRand}
 * @param a lower bound (rounded to float32)
 * @param b upper bound (rounded to float32)
 * @returns a float32-representable number in [a, b]
 */
export function relionUniform(rand: () => number, a: number, b: number): number {
  const fa = Math.fround(a);
  const fb = Math.fround(b);
  if (fa === fb) return fa;
  const divisor = Math.fround(Math.fround(GLIBC_RAND_MAX) / Math.fround(fb - fa));
  return Math.fround(fa + Math.fround(Math.fround(rand()) / divisor));
}

/**
 * A sampler of random phases in radians exactly as RELION draws them (`rnd_unif(0, 2π)` after
 * `srand(seed)`): the k-th call returns RELION's k-th phase for that seed.
 *
 * @param seed RELION's `--random_seed` (≥ 0; 0 and 1 give the same sequence, as in glibc)
 * @returns function returning phases in [0, 2π] rad (float32 values)
 * @throws RangeError when `seed` is not an integer
 */
export function relionPhaseSampler(seed: number): () => number {
  const rand = glibcRand(seed);
  const twoPi = 2 * Math.PI;
  return () => relionUniform(rand, 0, twoPi);
}
