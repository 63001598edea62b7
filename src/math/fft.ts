/**
 * 3D real FFT over kissfft-wasm (float32), for any box size, odd or even on every axis.
 *
 * Usage: `await loadFft()` once (idempotent), then call the synchronous {@link rfft3d} and
 * {@link irfft3d}.
 *
 * Half-spectrum layout (shared by both functions): interleaved complex `(re, im)` pairs, complex
 * index `(z*ny + y)*hx + x` with `hx = floor(nx/2) + 1`, i.e. float index `2*((z*ny + y)*hx + x)`
 * for the real part and `+1` for the imaginary part. `x` is the non-negative frequency index
 * `0..hx-1` along X; `y` and `z` run over `0..ny-1` and `0..nz-1` in FFT order (index `i` is the
 * signed frequency `i` for `i <= n/2`, else `i - n`). DC is at complex index 0.
 *
 * Implementation: kissfft's `kiss_fftndr` needs the last (fastest, X) dimension even, so for even
 * `nx` the real N-D transform is used directly, and for odd `nx` the complex N-D transform is used
 * and converted to/from the same half-spectrum layout. Plans are cached by shape (a few at a time,
 * least recently used evicted) and two wasm scratch buffers are reused between calls, so each call
 * allocates only its JS result array.
 *
 * @see shared/spec/libraries.md (kissfft-wasm row: loading traps on Node 20)
 * @see shared/spec/occupy-algorithm.md §2, §4 (Fourier crop and low-pass use these transforms)
 *
 * The module is split by its sections: ./fft/wasm.ts (loading, plans, scratch), ./fft/transforms-3d.ts
 * (whole-box transforms), ./fft/rows.ts (batched 1D transforms for pruned 3D transforms),
 * ./fft/pruned-3d.ts (pruned 3D transforms of a low-frequency block).
 */
export { loadFft, clearFftCache, pffftCan } from './fft/wasm.js';
export { rfft3d, irfft3d } from './fft/transforms-3d.js';
export * from './fft/rows.js';
export * from './fft/pruned-3d.js';
