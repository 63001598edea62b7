/**
 * Per-voxel local Guinier fit: weighted least squares of `ln(A_k/A0_k)` against `s_k^2` over the
 * usable bands, giving the intercept (log relative occupancy) and the slope (−B/4).
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

/** Outputs of {@link fitLocalGuinier}, each length n. */
export interface GuinierFit {
  /** Intercept `ln(occ·m)` relative to the reference (0 where fewer than one band is usable). */
  intercept: Float32Array;
  /** B relative to the reference, Å^2 (`−4 × slope`; 0 where fewer than two bands are usable). */
  bRelative: Float32Array;
  /** Number of usable bands. */
  used: Uint8Array;
}

/**
 * Fit every voxel: band k is usable when `signal_k >= snrMin × noise_k` and `signal_k > 0`;
 * `y_k = 0.5 ln(signal_k / reference_k)` (log amplitude ratio), `x_k = s_k^2`, weight
 * `w_k = (signal_k/(signal_k + noise_k))^2` (the squared fraction of the band's energy that is
 * signal: a low-SNR band's log amplitude is noisy). With two or more usable bands the weighted
 * least-squares line `y = a + b x` gives intercept `a` and `B = −4b`; with one band `a = y` and
 * B = 0 (no slope information); with none `a = ln(1e-6)` (occupancy ~0) and B = 0.
 *
 * Inner kernel: trusts its inputs (all arrays length n, K <= 255 bands); no allocation per voxel.
 *
 * @param bands per-band energies, reference and s^2
 * @param snrMin usable-band threshold on the local energy SNR (>= 0)
 * @param n voxel count
 */
export function fitLocalGuinier(bands: GuinierBands, snrMin: number, n: number): GuinierFit {
  const K = bands.signal.length;
  const intercept = new Float32Array(n);
  const bRelative = new Float32Array(n);
  const used = new Uint8Array(n);
  const logRef = bands.reference.map((r) => 0.5 * Math.log(r));
  const floorA = Math.log(1e-6);
  for (let i = 0; i < n; i++) {
    let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, u = 0;
    for (let k = 0; k < K; k++) {
      const sig = bands.signal[k][i];
      const no = bands.noise[k][i];
      if (!(sig > 0) || sig < snrMin * no) continue;
      const y = 0.5 * Math.log(sig) - logRef[k];
      const x = bands.s2[k];
      const f = sig / (sig + no);
      const w = f * f;
      sw += w;
      sx += w * x;
      sy += w * y;
      sxx += w * x * x;
      sxy += w * x * y;
      u++;
    }
    used[i] = u;
    if (u >= 2) {
      const det = sw * sxx - sx * sx;
      const b = det > 0 ? (sw * sxy - sx * sy) / det : 0;
      intercept[i] = (sy - b * sx) / sw;
      bRelative[i] = -4 * b;
    } else if (u === 1) {
      intercept[i] = sy / sw;
    } else {
      intercept[i] = floorA;
    }
  }
  return { intercept, bRelative, used };
}
