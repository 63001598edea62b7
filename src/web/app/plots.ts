/**
 * Plots drawn directly on canvases: the solvent model (histogram on a log axis, initial guess,
 * fitted Gaussian, confidence on a second axis) and the modification curve.
 */
import type { EstimateSummaryView } from '../api.js';
import { modificationFactor, type ModificationKind } from '../../occupancy/modification-curves.js';
import { scaleCss } from './colormap.js';

const FONT = '11px system-ui, sans-serif';
const AXIS = '#444';
const GRID = '#e4e4e4';

/** Size the canvas backing store to its CSS box × devicePixelRatio; returns the 2D context and CSS size. */
function prepare(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number } {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || Number(canvas.getAttribute('width')) || 400;
  const h = canvas.clientHeight || Number(canvas.getAttribute('height')) || 260;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('2D canvas not available');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  ctx.font = FONT;
  return { ctx, w, h };
}

/** "Nice" tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(0);
  return Number(v.toPrecision(4)).toString();
}

/** Show a message in place of a plot. */
export function drawPlaceholder(canvas: HTMLCanvasElement, message: string): void {
  const { ctx, w, h } = prepare(canvas);
  ctx.strokeStyle = GRID;
  ctx.strokeRect(0.5, 0.5, w - 1, h - 1);
  ctx.fillStyle = '#888';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(message, w / 2, h / 2);
}

/** Extra markers of the solvent plot (density units). */
export interface SolventMarkers {
  solventEdge?: number;
  sMax?: number;
}

/**
 * Draw the solvent model: histogram counts as bars on a log y axis (left), the initial guess
 * and the fitted Gaussian on the same axis, the confidence curve on a linear [0, 1] axis
 * (right), and vertical markers at the solvent edge and s_max.
 */
export function drawSolventPlot(canvas: HTMLCanvasElement, plot: EstimateSummaryView['solventPlot'], markers: SolventMarkers = {}): void {
  const { ctx, w, h } = prepare(canvas);
  const m = { l: 52, r: 44, t: 42, b: 34 };
  const pw = w - m.l - m.r;
  const ph = h - m.t - m.b;
  const xs = [...plot.x, ...plot.confidenceX].filter(Number.isFinite);
  if (xs.length === 0) {
    drawPlaceholder(canvas, 'no solvent model data');
    return;
  }
  const x0 = Math.min(...plot.x);
  const x1 = Math.max(...plot.x);
  const positive = [...plot.histogram, ...plot.fitted, ...plot.initial].filter((v) => v > 0 && Number.isFinite(v));
  // the histogram may be counts or a density: the axis spans its positive values (at most 5 decades)
  const yTop = Math.max(...positive, Number.MIN_VALUE);
  const histPositive = plot.histogram.filter((v) => v > 0 && Number.isFinite(v));
  const lowest = Math.max(histPositive.length ? Math.min(...histPositive) : yTop / 1e3, yTop / 1e5);
  const ly0 = Math.floor(Math.log10(lowest));
  const ly1 = Math.log10(yTop) + 0.15;
  const yMin = Math.pow(10, ly0);
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0 || 1)) * pw;
  const sy = (y: number) => m.t + ph - ((Math.log10(Math.max(y, yMin)) - ly0) / (ly1 - ly0)) * ph;
  const sc = (c: number) => m.t + ph - Math.min(1, Math.max(0, c)) * ph;

  // grid and axes
  ctx.strokeStyle = GRID;
  ctx.lineWidth = 1;
  ctx.fillStyle = AXIS;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let e = Math.ceil(ly0); e <= Math.floor(ly1); e++) {
    const y = sy(Math.pow(10, e));
    ctx.beginPath();
    ctx.moveTo(m.l, y);
    ctx.lineTo(m.l + pw, y);
    ctx.stroke();
    ctx.fillText(e >= 4 || e < 0 ? `1e${e}` : String(Math.pow(10, e)), m.l - 4, y);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of ticks(x0, x1, 6)) {
    const x = sx(t);
    ctx.beginPath();
    ctx.moveTo(x, m.t);
    ctx.lineTo(x, m.t + ph);
    ctx.stroke();
    ctx.fillText(fmtTick(t), x, m.t + ph + 4);
  }
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  for (const c of [0, 0.25, 0.5, 0.75, 1]) ctx.fillText(c.toFixed(2), m.l + pw + 4, sc(c));

  // histogram bars
  const n = plot.x.length;
  const bw = n > 1 ? Math.max(1, (pw / (n - 1)) * 0.9) : 4;
  ctx.fillStyle = '#b8c4d6';
  for (let i = 0; i < n; i++) {
    const v = plot.histogram[i];
    if (!(v > 0)) continue;
    const x = sx(plot.x[i]);
    const y = sy(v);
    ctx.fillRect(x - bw / 2, y, bw, m.t + ph - y);
  }

  const line = (xsv: number[], ys: number[], toY: (v: number) => number, colour: string, dash: number[], width: number, skipNonPositive: boolean) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.setLineDash(dash);
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < Math.min(xsv.length, ys.length); i++) {
      const v = ys[i];
      if (!Number.isFinite(v) || (skipNonPositive && !(v >= yMin))) {
        pen = false;
        continue;
      }
      const X = sx(xsv[i]);
      const Y = toY(v);
      if (pen) ctx.lineTo(X, Y);
      else ctx.moveTo(X, Y);
      pen = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
  };
  ctx.save();
  ctx.beginPath();
  ctx.rect(m.l, m.t, pw, ph);
  ctx.clip();
  line(plot.x, plot.initial, sy, '#e08a1e', [5, 4], 1.5, true);
  line(plot.x, plot.fitted, sy, '#1f5fbf', [], 2, true);
  line(plot.confidenceX, plot.confidence, sc, '#2a9d4b', [], 2, false);
  const marker = (x: number | undefined, label: string, colour: string, row: number) => {
    if (x === undefined || !Number.isFinite(x) || x < x0 || x > x1) return;
    ctx.strokeStyle = colour;
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(sx(x), m.t);
    ctx.lineTo(sx(x), m.t + ph);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = colour;
    const nearRight = sx(x) > m.l + pw - 70;
    ctx.textAlign = nearRight ? 'right' : 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(label, sx(x) + (nearRight ? -3 : 3), m.t + 3 + row * 14);
  };
  marker(markers.solventEdge, 'solvent edge', '#7a3db8', 0);
  marker(markers.sMax, 's_max', '#b8323d', 1);
  ctx.restore();

  ctx.strokeStyle = AXIS;
  ctx.lineWidth = 1;
  ctx.strokeRect(m.l + 0.5, m.t + 0.5, pw, ph);
  ctx.fillStyle = AXIS;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText('density (low-passed map)', m.l + pw / 2, h - 2);
  ctx.save();
  ctx.translate(12, m.t + ph / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText('frequency (log)', 0, 0);
  ctx.restore();
  ctx.save();
  ctx.translate(w - 8, m.t + ph / 2);
  ctx.rotate(Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText('confidence', 0, 0);
  ctx.restore();
  legend(ctx, m.l, 2, w - 8, [
    ['histogram', '#b8c4d6', 'bar'],
    ['initial guess', '#e08a1e', 'dash'],
    ['fitted Gaussian', '#1f5fbf', 'line'],
    ['confidence', '#2a9d4b', 'line'],
  ]);
}

/** Legend entries left to right from (x, y), wrapping before `xMax`. */
function legend(ctx: CanvasRenderingContext2D, x: number, y: number, xMax: number, items: [string, string, 'bar' | 'line' | 'dash'][]): void {
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  let cx = x;
  for (const [label, colour, kind] of items) {
    if (cx > x && cx + 18 + ctx.measureText(label).width > xMax) {
      cx = x;
      y += 16;
    }
    if (kind === 'bar') {
      ctx.fillStyle = colour;
      ctx.fillRect(cx, y + 3, 14, 10);
    } else {
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.setLineDash(kind === 'dash' ? [4, 3] : []);
      ctx.beginPath();
      ctx.moveTo(cx, y + 8);
      ctx.lineTo(cx + 14, y + 8);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.fillStyle = AXIS;
    ctx.fillText(label, cx + 18, y + 8);
    cx += 18 + ctx.measureText(label).width + 12;
  }
}

/**
 * Draw the modification curve: output scale `s · factor(s)` against input scale s in [0, 1],
 * with the identity line, the scale limit and (sigmoid) the pivot. Points are coloured with the
 * scale palette over [minVis, 1].
 * @throws RangeError from `modificationFactor` for invalid parameters (caller shows it)
 */
export function drawModificationPlot(canvas: HTMLCanvasElement, kind: ModificationKind, gamma: number, pivot: number, scaleLimit: number, minVis: number): void {
  const f = modificationFactor(kind, gamma, kind === 'sigmoid' ? pivot : undefined, scaleLimit);
  const { ctx, w, h } = prepare(canvas);
  const m = { l: 40, r: 12, t: 22, b: 32 };
  const pw = w - m.l - m.r;
  const ph = h - m.t - m.b;
  const sx = (x: number) => m.l + x * pw;
  const sy = (y: number) => m.t + ph - Math.min(1.05, Math.max(0, y)) * (ph / 1.05);
  ctx.strokeStyle = GRID;
  ctx.fillStyle = AXIS;
  ctx.lineWidth = 1;
  for (const t of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
    ctx.beginPath();
    ctx.moveTo(sx(t), m.t);
    ctx.lineTo(sx(t), m.t + ph);
    ctx.moveTo(m.l, sy(t));
    ctx.lineTo(m.l + pw, sy(t));
    ctx.stroke();
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText(t.toFixed(1), sx(t), m.t + ph + 3);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText(t.toFixed(1), m.l - 4, sy(t));
  }
  // identity
  ctx.strokeStyle = '#999';
  ctx.setLineDash([5, 4]);
  ctx.beginPath();
  ctx.moveTo(sx(0), sy(0));
  ctx.lineTo(sx(1), sy(1));
  ctx.stroke();
  ctx.setLineDash([]);
  // scale limit
  ctx.fillStyle = 'rgba(0,0,0,0.06)';
  ctx.fillRect(sx(0), m.t, sx(scaleLimit) - sx(0), ph);
  if (kind === 'sigmoid') {
    ctx.strokeStyle = '#b8323d';
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(sx(pivot), m.t);
    ctx.lineTo(sx(pivot), m.t + ph);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  // curve, coloured by scale
  const n = 200;
  ctx.lineWidth = 3;
  let px = sx(0);
  let py = sy(0);
  for (let i = 1; i <= n; i++) {
    const s = i / n;
    const y = s * f(s);
    const X = sx(s);
    const Y = sy(y);
    ctx.strokeStyle = scaleCss((s - minVis) / (1 - minVis));
    ctx.beginPath();
    ctx.moveTo(px, py);
    ctx.lineTo(X, Y);
    ctx.stroke();
    px = X;
    py = Y;
  }
  ctx.lineWidth = 1;
  ctx.strokeStyle = AXIS;
  ctx.strokeRect(m.l + 0.5, m.t + 0.5, pw, ph);
  ctx.fillStyle = AXIS;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText('local scale', m.l + pw / 2, h - 1);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  const label = kind === 'sigmoid' ? `sigmoid γ=${gamma}, pivot ${pivot}` : `${kind} γ=${gamma}`;
  ctx.fillText(`scale × factor: ${label}  (dashed: identity)`, m.l, 4);
}
