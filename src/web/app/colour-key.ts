/**
 * Colour keys drawn on a canvas: a palette bar with ticks and the under-range swatch (scale,
 * confidence, local resolution in Å), or a grey density bar with the values at its ends.
 */
import { scaleCss, UNDER_RANGE_CSS, type PaletteName } from './colormap.js';

/** What a key shows. */
export type ColourKey =
  | { kind: 'palette'; palette: PaletteName; lo: number; hi: number; label: string; under?: string }
  | { kind: 'grey'; lo: number; hi: number; label: string };

function tickText(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}

/** "Nice" ticks over [lo, hi] (about five). */
function ticks(lo: number, hi: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / 4;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/**
 * Draw a colour key on `canvas` (its CSS size × devicePixelRatio) and set `canvas.dataset.key`
 * to a one-line description (label and range), which tests and tooltips read.
 */
export function drawColourKey(canvas: HTMLCanvasElement, key: ColourKey): void {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 320;
  const h = canvas.clientHeight || 40;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = '11px system-ui, sans-serif';
  const hasUnder = key.kind === 'palette' && key.under !== undefined;
  const x0 = hasUnder ? 40 : 10;
  const x1 = w - 12;
  if (hasUnder) {
    ctx.fillStyle = UNDER_RANGE_CSS;
    ctx.fillRect(4, 2, 22, 16);
    ctx.strokeStyle = '#555';
    ctx.strokeRect(3.5, 1.5, 23, 17);
    ctx.fillStyle = '#333';
    ctx.textBaseline = 'top';
    // a word wider than the swatch ('outside') starts at the key's left edge rather than before it
    const under = key.under ?? '';
    const wide = ctx.measureText(under).width > 26;
    ctx.textAlign = wide ? 'left' : 'center';
    ctx.fillText(under, wide ? 1 : 15, 23);
  }
  for (let x = x0; x < x1; x++) {
    const t = (x - x0) / (x1 - x0 - 1);
    if (key.kind === 'palette') ctx.fillStyle = scaleCss(t, key.palette);
    else {
      const g = Math.round(t * 255);
      ctx.fillStyle = `rgb(${g}, ${g}, ${g})`;
    }
    ctx.fillRect(x, 2, 1, 16);
  }
  ctx.strokeStyle = '#555';
  ctx.strokeRect(x0 - 0.5, 1.5, x1 - x0 + 1, 17);
  ctx.fillStyle = '#333';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const values = key.kind === 'grey' ? [key.lo, key.hi] : ticks(key.lo, key.hi);
  for (const t of values) {
    const x = x0 + ((t - key.lo) / (key.hi - key.lo || 1)) * (x1 - x0);
    ctx.fillRect(Math.round(x), 18, 1, 4);
    ctx.textAlign = key.kind === 'grey' ? (t === key.lo ? 'left' : 'right') : 'center';
    ctx.fillText(tickText(t), key.kind === 'grey' ? (t === key.lo ? x0 : x1) : Math.min(x1 - 8, Math.max(x0 + 8, x)), 23);
  }
  canvas.dataset.key = `${key.label}: ${tickText(key.lo)} … ${tickText(key.hi)}${hasUnder ? ` (under-range ${key.under})` : ''}`;
}
