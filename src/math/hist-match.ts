/**
 * Histogram matching by exact quantile mapping.
 */

/**
 * Replace the values of `values` by those of `reference` with the same rank: after the call,
 * `values` holds exactly the multiset of `reference` (resampled by rank when the lengths differ),
 * ordered like the original `values`. Ties keep their index order.
 *
 * @param values array to transform, length N (overwritten in place)
 * @param reference array whose distribution is imposed, any length >= 1 (not modified)
 * @returns `values`
 * @throws RangeError when `reference` is empty
 */
export function histogramMatch(values: Float32Array, reference: ArrayLike<number>): Float32Array {
  if (reference.length === 0) throw new RangeError('histogramMatch: the reference is empty');
  const n = values.length;
  const sortedRef = Float32Array.from(reference).sort();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const v = values;
  order.sort((a, b) => v[a] - v[b] || a - b);
  const m = sortedRef.length;
  for (let k = 0; k < n; k++) {
    const r = n === 1 ? 0 : Math.round((k * (m - 1)) / (n - 1));
    v[order[k]] = sortedRef[r];
  }
  return v;
}
