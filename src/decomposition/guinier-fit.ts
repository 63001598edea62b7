/**
 * Per-voxel local Guinier fit: weighted least squares of `ln(A_k/A0_k)` against `s_k^2` over the
 * usable bands, giving the intercept (log relative occupancy) and the slope (−B/4), optionally
 * with a second-cumulant (curvature) term.
 * @see shared/spec/occupancy-decomposition.md "Model" and step 5
 */

/** Band inputs of {@link fitLocalGuinier}, one entry per band k. */
export interface GuinierBands {
  /** Windowed signal energy `E_k − N_k` per voxel, length n each, (density units)^2. */
  signal: Float32Array[];
  /** Windowed noise energy `N_k` per voxel, length n each (same units). */
  noise: Float32Array[];
  /** Reference energy `A0_k^2` of each band (same units), > 0. */
  reference: number[];
  /** `s_k^2` of each band centre, 1/Å^2. */
  s2: number[];
}

/** Options of {@link fitLocalGuinier}. */
export interface GuinierFitOptions {
  /**
   * B from a convex Guinier curve (default false): where four or more bands are usable, the
   * weighted quadratic `y = a + b x + c x^2` with `c >= 0` is fitted and B is −4 × its initial
   * slope b (c = 0 is the line). The intercept stays the line's.
   */
  convex?: boolean;
  /**
   * With `convex`: B from a Gamma mixture of Debye–Waller terms instead of the quadratic, its scale
   * θ (Å², each > 0) taken from this grid (default none: the quadratic). See {@link fitLocalGuinier}.
   */
  gammaThetasA2?: readonly number[];
}

/** Outputs of {@link fitLocalGuinier}, each length n. */
export interface GuinierFit {
  /** Intercept `ln(occ·m)` relative to the reference (0 where fewer than one band is usable). */
  intercept: Float32Array;
  /** B relative to the reference, Å^2 (`−4 × slope`; 0 where fewer than two bands are usable). */
  bRelative: Float32Array;
  /** Number of usable bands. */
  used: Uint8Array;
  /** With `convex`: the quadratic coefficient c >= 0 of the curve, Å^4 (with `gammaThetasA2` the Gamma curve's, Bθ/32; 0 where the line was kept or fewer than 4 bands are usable). */
  curvature?: Float32Array;
  /** With `convex`: the line's B, Å^2 (what the band amplitudes fall by over the band range on average). */
  bLine?: Float32Array;
}

/**
 * Fit every voxel: band k is usable when `signal_k >= snrMin × noise_k` and `signal_k > 0`;
 * `y_k = 0.5 ln(signal_k / reference_k)` (log amplitude ratio), `x_k = s_k^2`, weight
 * `w_k = (signal_k/(signal_k + noise_k))^2` (the squared fraction of the band's energy that is
 * signal: a low-SNR band's log amplitude is noisy). With two or more usable bands the weighted
 * least-squares line `y = a + b x` gives intercept `a` and `B = −4b`; with one band `a = y` and
 * B = 0 (no slope information); with none `a = ln(1e-6)` (occupancy ~0) and B = 0.
 *
 * With `convex` and four or more usable bands, B is −4 × the initial slope of the weighted
 * least-squares quadratic `y = a + b x + c x^2` under `c >= 0` (the unconstrained quadratic when
 * its c > 0, else the line). Why: a window holding atoms of different disorder has the band
 * amplitude `sum_j p_j exp(−B_j s^2/4)` (a hinge ensemble also displaces each atom in a plane,
 * not isotropically), whose logarithm is convex in s^2 (log-sum-exp); its initial slope is the
 * mean B (the Debye–Waller B of the ensemble, 8π²/3 <u²>), while a line through the whole band
 * range reads the flatter high-frequency part (the least disordered atoms) and underestimates it.
 *
 * With `convex` and `gammaThetasA2`, the quadratic is replaced by the log amplitude of a Gamma
 * mixture of Debye–Waller terms, `y = a − (B/4) u_θ(x)` with `u_θ(x) = (4/θ) ln(1 + θx/4)`: the
 * mean of `exp(−B_j x/4)` over B_j Gamma-distributed with mean B and variance Bθ. It falls by the
 * initial slope −B/4 and flattens as a hinge ensemble's curve does (the least displaced atoms keep
 * the fine bands), where the quadratic bends back up; θ → 0 is the line. For each θ of the grid
 * the weighted least-squares line of y on u_θ is fitted, and the θ of least weighted residual among
 * those with B > 0 is kept, the line (θ 0) always a candidate (as c >= 0 for the quadratic).
 * The intercept stays the line's. Measured: docs/decomposition.md, *A Gamma mixture for the B of
 * fine maps*.
 *
 * Inner kernel: trusts its inputs (all arrays length n, K <= 255 bands); no allocation per voxel.
 *
 * @param bands per-band energies, reference and s^2
 * @param snrMin usable-band threshold on the local energy SNR (>= 0)
 * @param n voxel count
 */
export function fitLocalGuinier(bands: GuinierBands, snrMin: number, n: number, options: GuinierFitOptions = {}): GuinierFit {
  const K = bands.signal.length;
  const intercept = new Float32Array(n);
  const bRelative = new Float32Array(n);
  const used = new Uint8Array(n);
  const curvature = options.convex ? new Float32Array(n) : undefined;
  const bLine = options.convex ? new Float32Array(n) : undefined;
  const logRef = bands.reference.map((r) => 0.5 * Math.log(r));
  const floorA = Math.log(1e-6);
  const thetas = options.convex && options.gammaThetasA2 ? options.gammaThetasA2 : [];
  const T = thetas.length;
  // u_θ(x_k) per θ and band; per voxel the usable bands' y and w (no allocation per voxel)
  const uTab = new Float64Array(T * K);
  for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) uTab[t * K + k] = (4 / thetas[t]) * Math.log1p((thetas[t] * bands.s2[k]) / 4);
  const yK = new Float64Array(K), wK = new Float64Array(K);
  const kUsed = new Uint8Array(K);
  for (let i = 0; i < n; i++) {
    let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, sx3 = 0, sx4 = 0, sx2y = 0, syy = 0, u = 0;
    for (let k = 0; k < K; k++) {
      const sig = bands.signal[k][i];
      const no = bands.noise[k][i];
      if (!(sig > 0) || sig < snrMin * no) continue;
      const x = bands.s2[k];
      const y = 0.5 * Math.log(sig) - logRef[k];
      const f = sig / (sig + no);
      const w = f * f;
      sw += w;
      sx += w * x;
      sy += w * y;
      sxx += w * x * x;
      sxy += w * x * y;
      if (T > 0) {
        syy += w * y * y;
        yK[u] = y;
        wK[u] = w;
        kUsed[u] = k;
      }
      if (curvature) {
        sx3 += w * x * x * x;
        sx4 += w * x * x * x * x;
        sx2y += w * x * x * y;
      }
      u++;
    }
    used[i] = u;
    if (u >= 2) {
      const det = sw * sxx - sx * sx;
      const b = det > 0 ? (sw * sxy - sx * sy) / det : 0;
      intercept[i] = (sy - b * sx) / sw;
      bRelative[i] = -4 * b;
      if (bLine) bLine[i] = bRelative[i];
      if (curvature && u >= 4 && T > 0) {
        // the Gamma mixture: least weighted residual over the θ grid, the line's to beat
        let best = syy - intercept[i] * sy - b * sxy;
        for (let t = 0; t < T; t++) {
          let gw = 0, gu = 0, gy = 0, guu = 0, guy = 0;
          for (let j = 0; j < u; j++) {
            const ut = uTab[t * K + kUsed[j]];
            const w = wK[j];
            gw += w; gu += w * ut; gy += w * yK[j]; guu += w * ut * ut; guy += w * ut * yK[j];
          }
          const dg = gw * guu - gu * gu;
          if (!(dg > 0)) continue;
          const bg = (gw * guy - gu * gy) / dg;
          if (!(bg < 0)) continue;
          const ag = (gy - bg * gu) / gw;
          const sse = syy - ag * gy - bg * guy;
          if (sse < best) {
            best = sse;
            bRelative[i] = -4 * bg;
            curvature[i] = (-4 * bg * thetas[t]) / 32;
          }
        }
      } else if (curvature && u >= 4) {
        // weighted quadratic by Cramer's rule on the normal matrix [[sw,sx,sxx],[sx,sxx,sx3],[sxx,sx3,sx4]];
        // with c <= 0 the constrained (c >= 0) optimum is the line
        const d3 = sw * (sxx * sx4 - sx3 * sx3) - sx * (sx * sx4 - sx3 * sxx) + sxx * (sx * sx3 - sxx * sxx);
        if (d3 > 0) {
          const c = (sw * (sxx * sx2y - sxy * sx3) - sx * (sx * sx2y - sxy * sxx) + sy * (sx * sx3 - sxx * sxx)) / d3;
          if (c > 0) {
            curvature[i] = c;
            bRelative[i] = -4 * (sw * (sxy * sx4 - sx3 * sx2y) - sy * (sx * sx4 - sx3 * sxx) + sxx * (sx * sx2y - sxy * sxx)) / d3;
          }
        }
      }
    } else if (u === 1) {
      intercept[i] = sy / sw;
    } else {
      intercept[i] = floorA;
    }
  }
  return { intercept, bRelative, used, curvature, bLine };
}
