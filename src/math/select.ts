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
