/**
 * Order statistics without a full sort.
 */

/**
 * The k-th smallest value (0-based) of `values[0..count)`, as `sort(values)[k]` would give.
 * Hoare's quickselect with median-of-three pivots; expected O(count).
 *
 * @param values scratch buffer; its first `count` entries are reordered in place (destroyed)
 * @param count number of valid entries at the start of `values`
 * @param k rank, `0 <= k < count` (not checked: inner kernel)
 */
export function selectKth(values: Float32Array | Float64Array, count: number, k: number): number {
  let lo = 0;
  let hi = count - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // median of three into values[mid]
    let a = values[lo];
    let b = values[mid];
    let c = values[hi];
    if (a > b) { const t = a; a = b; b = t; }
    if (b > c) { const t = b; b = c; c = t; if (a > b) { const u = a; a = b; b = u; } }
    const pivot = b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k];
  }
  return values[k];
}

/**
 * Empirical quantile by rank: the value at rank `round(q·(count − 1))` of `values[0..count)`,
 * i.e. `sort(values)[rank]`.
 * @param values scratch buffer; its first `count` entries are reordered (destroyed)
 * @param q quantile in [0, 1]
 * @returns NaN when `count` is 0
 */
export function quantileByRank(values: Float32Array | Float64Array, count: number, q: number): number {
  if (count === 0) return Number.NaN;
  return selectKth(values, count, Math.min(count - 1, Math.max(0, Math.round(q * (count - 1)))));
}

/**
 * Quantile by rank ({@link quantileByRank}) of the entries `values[i]` for which `select(i)` holds.
 * @param values the values (not modified), any length
 * @param select which indices count
 * @param q quantile in [0, 1]
 * @param scratch buffer of at least `values.length` entries to gather into (default: a new Float64Array)
 * @returns the quantile (NaN when nothing is selected) and the number of selected entries
 */
export function quantileWhere(values: ArrayLike<number>, select: (i: number) => boolean, q: number, scratch?: Float32Array | Float64Array): { value: number; count: number } {
  const buf = scratch ?? new Float64Array(values.length);
  let c = 0;
  for (let i = 0; i < values.length; i++) if (select(i)) buf[c++] = values[i];
  return { value: quantileByRank(buf, c, q), count: c };
}
