/**
 * A default iso level for the 3D surface of a map, picked from the map's own statistics so that
 * the surface is one piece: the lowest level, among levels enclosing a fixed set of volume
 * fractions of the box, at which the largest 6-connected piece above the level still holds most
 * of the enclosed voxels (lower levels pull solvent noise in as specks).
 */

/** Volume fractions of the box tried (the level enclosing each), smallest first. */
export const ISO_FRACTIONS: readonly number[] = [0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.065, 0.08, 0.1, 0.125, 0.15];

/** Share of the enclosed voxels the largest piece must hold for a level to count as "one piece". */
export const ONE_PIECE_SHARE = 0.99;

/** One tried level. */
export interface IsoCandidate {
  /** Volume fraction of the box enclosed (requested). */
  fraction: number;
  /** Density level. */
  level: number;
  /** Voxels at or above the level. */
  enclosed: number;
  /** Voxels of the largest 6-connected piece. */
  largest: number;
}

/** The chosen level and every level tried. */
export interface IsoChoice {
  level: number;
  fraction: number;
  candidates: IsoCandidate[];
}

/** Union-find root with path halving. */
function find(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

/**
 * The levels enclosing {@link ISO_FRACTIONS} of the box (quantiles of a strided sample), with the
 * size of the largest 6-connected piece at each, and the chosen default: the largest fraction
 * whose largest piece holds at least {@link ONE_PIECE_SHARE} of the enclosed voxels, among the
 * fractions before the first that fails after one that held (so noise that percolates at low
 * levels is not taken for the molecule) and before a level that sits on a mass of equal values
 * (a masked map's zeros); when none holds, the level whose largest piece has the largest share.
 * Two passes over the box, then work on
 * the enclosed voxels only.
 *
 * @param data voxels, x fastest, length nx·ny·nz
 * @param shape [nx, ny, nz]
 */
export function chooseIsoLevel(data: Float32Array, shape: readonly [number, number, number]): IsoChoice {
  const [nx, ny, nz] = shape;
  const n = nx * ny * nz;
  // quantiles from a strided sample of at most ~2^20 voxels
  const stride = Math.max(1, Math.floor(n / (1 << 20)));
  const sample = new Float32Array(Math.ceil(n / stride));
  let m = 0;
  for (let i = 0; i < n; i += stride) if (Number.isFinite(data[i])) sample[m++] = data[i];
  const sorted = sample.subarray(0, m).sort();
  const levels = ISO_FRACTIONS.map((f) => sorted[Math.min(m - 1, Math.max(0, Math.floor((1 - f) * m)))]);
  // add voxels band by band from the highest level down, joining 6-neighbours already in
  const parent = new Int32Array(n).fill(-1);
  const size = new Int32Array(n);
  let enclosed = 0;
  let largest = 0;
  const candidates: IsoCandidate[] = [];
  const nxy = nx * ny;
  const join = (a: number, b: number) => {
    let ra = find(parent, a);
    let rb = find(parent, b);
    if (ra === rb) return;
    if (size[ra] < size[rb]) [ra, rb] = [rb, ra];
    parent[rb] = ra;
    size[ra] += size[rb];
    if (size[ra] > largest) largest = size[ra];
  };
  // bucket the voxels above the lowest level by band (two passes), then add band by band
  const nBands = levels.length;
  const bandOf = (v: number): number => {
    if (!(v >= levels[nBands - 1])) return -1;
    let j = 0;
    while (v < levels[j]) j++;
    return j;
  };
  const counts = new Int32Array(nBands + 1);
  for (let i = 0; i < n; i++) {
    const b = bandOf(data[i]);
    if (b >= 0) counts[b + 1]++;
  }
  for (let j = 0; j < nBands; j++) counts[j + 1] += counts[j];
  const order = new Int32Array(counts[nBands]);
  const fill = counts.slice(0, nBands);
  for (let i = 0; i < n; i++) {
    const b = bandOf(data[i]);
    if (b >= 0) order[fill[b]++] = i;
  }
  for (let j = 0; j < nBands; j++) {
    for (let k = counts[j]; k < counts[j + 1]; k++) {
      const i = order[k];
      parent[i] = i;
      size[i] = 1;
      enclosed++;
      if (largest < 1) largest = 1;
      const x = i % nx;
      const y = Math.floor(i / nx) % ny;
      const z = Math.floor(i / nxy);
      if (x > 0 && parent[i - 1] >= 0) join(i, i - 1);
      if (x < nx - 1 && parent[i + 1] >= 0) join(i, i + 1);
      if (y > 0 && parent[i - nx] >= 0) join(i, i - nx);
      if (y < ny - 1 && parent[i + nx] >= 0) join(i, i + nx);
      if (z > 0 && parent[i - nxy] >= 0) join(i, i - nxy);
      if (z < nz - 1 && parent[i + nxy] >= 0) join(i, i + nxy);
    }
    candidates.push({ fraction: ISO_FRACTIONS[j], level: levels[j], enclosed, largest });
  }
  // none holds: the level whose largest piece has the largest share
  let chosen = 0;
  for (let j = 1; j < candidates.length; j++) {
    const c = candidates[j];
    if (c.enclosed > 2 * c.fraction * n + 8) break;
    if (c.largest / c.enclosed > candidates[chosen].largest / Math.max(1, candidates[chosen].enclosed)) chosen = j;
  }
  let held = false;
  for (let j = 0; j < candidates.length; j++) {
    const c = candidates[j];
    // a level on a mass of equal values (a masked map's zeros) encloses far more than asked: stop
    if (c.enclosed > 2 * c.fraction * n + 8) break;
    const ok = c.enclosed > 0 && c.largest >= ONE_PIECE_SHARE * c.enclosed;
    if (ok) {
      chosen = j;
      held = true;
    } else if (held) break;
  }
  return { level: candidates[chosen].level, fraction: candidates[chosen].fraction, candidates };
}
