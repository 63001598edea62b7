/**
 * Grey-scale dilation (local maximum) over a spherical footprint with mirrored borders.
 * @see shared/spec/occupy-algorithm.md §6.2
 */
import type { Shape3 } from '../core/volume.js';
import type { SphericalKernel } from '../occupancy/kernel.js';

/**
 * Mirror an index into `[0, n)` the way scipy's `reflect` mode does (`d c b a | a b c d | d c b a`).
 * Valid for `-n <= i < 2n`.
 */
export function reflectIndex(i: number, n: number): number {
  if (i < 0) return -i - 1 < n ? -i - 1 : reflectIndex(-i - 1, n);
  if (i >= n) return 2 * n - i - 1 >= 0 ? 2 * n - i - 1 : reflectIndex(2 * n - i - 1, n);
  return i;
}

/** One (dy, dz) chord of the kernel: offsets `dx` in `[-halfWidth, halfWidth]` are inside. */
interface Chord {
  dy: number;
  dz: number;
  halfWidth: number;
}

/** The kernel as chords along x: for every (dy, dz) the contiguous run of dx inside the sphere. */
function kernelChords(kernel: SphericalKernel): Chord[] {
  const k = kernel.size;
  const c = (k - 1) / 2;
  const chords: Chord[] = [];
  for (let l = 0; l < k; l++) {
    for (let j = 0; j < k; j++) {
      let w = -1;
      for (let i = 0; i < k; i++) {
        if (kernel.mask[(l * k + j) * k + i]) w = Math.max(w, Math.abs(i - c));
      }
      if (w >= 0) chords.push({ dy: j - c, dz: l - c, halfWidth: w });
    }
  }
  return chords;
}

/**
 * Running maximum of one row with window `[-w, w]` and mirrored ends.
 * @param src row, length n (read from `src[srcOff .. srcOff+n)`)
 * @param dst output row, length n (written to `dst[dstOff ..)`)
 */
function rowMax(src: Float32Array, srcOff: number, n: number, w: number, dst: Float32Array, dstOff: number): void {
  if (w === 0) {
    for (let x = 0; x < n; x++) dst[dstOff + x] = src[srcOff + x];
    return;
  }
  for (let x = 0; x < n; x++) {
    let m = -Infinity;
    const lo = x - w;
    const hi = x + w;
    if (lo >= 0 && hi < n) {
      for (let t = lo; t <= hi; t++) {
        const v = src[srcOff + t];
        if (v > m) m = v;
      }
    } else {
      for (let t = lo; t <= hi; t++) {
        const v = src[srcOff + reflectIndex(t, n)];
        if (v > m) m = v;
      }
    }
    dst[dstOff + x] = m;
  }
}

/**
 * Local maximum of `data` over a spherical kernel centred on each voxel, with mirrored borders
 * (scipy `maximum_filter(..., footprint=kernel, mode='reflect')`).
 *
 * Exact decomposition: the sphere is a union of chords along x, one per (dy, dz). Each input
 * plane is first max-filtered along x once per distinct chord half-width; the output is then the
 * maximum, over the chords, of the matching row of the matching plane. Cost ≈ N·(Σ widths + #chords)
 * instead of N·n_v, with a rolling cache of `size` planes per half-width.
 *
 * @param data input, length nx*ny*nz, index (z*ny + y)*nx + x; not modified
 * @param shape box [nx, ny, nz]
 * @param kernel spherical kernel (spec §3)
 * @param out optional output array of the same length (must not alias `data`)
 * @returns the local maximum map, same layout
 */
export function sphericalMaxFilter(data: Float32Array, shape: Shape3, kernel: SphericalKernel, out?: Float32Array): Float32Array {
  const [nx, ny, nz] = shape;
  const plane = nx * ny;
  const result = out ?? new Float32Array(data.length);
  const chords = kernelChords(kernel);
  const widths = [...new Set(chords.map((ch) => ch.halfWidth))].sort((p, q) => p - q);
  const widthSlot = new Map(widths.map((w, i) => [w, i]));
  const h = (kernel.size - 1) / 2;
  // Rolling cache: for input plane z, cache[(z mod ring)][slot] = plane max-filtered along x.
  const ring = Math.min(nz, 2 * h + 1);
  const cache: Float32Array[][] = [];
  const cachedZ = new Int32Array(ring).fill(-1);
  for (let s = 0; s < ring; s++) cache.push(widths.map(() => new Float32Array(plane)));
  const getPlane = (z: number): Float32Array[] => {
    const slot = z % ring;
    if (cachedZ[slot] !== z) {
      const bufs = cache[slot];
      for (let wi = 0; wi < widths.length; wi++) {
        const w = widths[wi];
        const dst = bufs[wi];
        for (let y = 0; y < ny; y++) rowMax(data, z * plane + y * nx, nx, w, dst, y * nx);
      }
      cachedZ[slot] = z;
    }
    return cache[slot];
  };
  const chordPlanes: Float32Array[] = new Array(chords.length);
  for (let z = 0; z < nz; z++) {
    // Planes needed for this output plane; with reflect, distinct dz may map to the same plane.
    // The ring holds 2h+1 slots and the needed planes reflect(z+dz) are within 2h+1 consecutive
    // indices only away from the borders, so resolve all chords' planes first, then copy refs.
    for (let c = 0; c < chords.length; c++) {
      const zz = reflectIndex(z + chords[c].dz, nz);
      chordPlanes[c] = getPlane(zz)[widthSlot.get(chords[c].halfWidth)!];
    }
    for (let y = 0; y < ny; y++) {
      const o = z * plane + y * nx;
      for (let x = 0; x < nx; x++) result[o + x] = -Infinity;
      for (let c = 0; c < chords.length; c++) {
        const src = chordPlanes[c];
        const row = reflectIndex(y + chords[c].dy, ny) * nx;
        for (let x = 0; x < nx; x++) {
          const v = src[row + x];
          if (v > result[o + x]) result[o + x] = v;
        }
      }
    }
  }
  return result;
}

/**
 * Brute-force reference of {@link sphericalMaxFilter}: O(N·n_v). For tests and the benchmark.
 */
export function sphericalMaxFilterBruteForce(data: Float32Array, shape: Shape3, kernel: SphericalKernel): Float32Array {
  const [nx, ny, nz] = shape;
  const k = kernel.size;
  const h = (k - 1) / 2;
  const out = new Float32Array(data.length);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        let m = -Infinity;
        for (let l = 0; l < k; l++) {
          const zz = reflectIndex(z + l - h, nz);
          for (let j = 0; j < k; j++) {
            const yy = reflectIndex(y + j - h, ny);
            for (let i = 0; i < k; i++) {
              if (!kernel.mask[(l * k + j) * k + i]) continue;
              const v = data[(zz * ny + yy) * nx + reflectIndex(x + i - h, nx)];
              if (v > m) m = v;
            }
          }
        }
        out[(z * ny + y) * nx + x] = m;
      }
    }
  }
  return out;
}
