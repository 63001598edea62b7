/**
 * Plots of the page drawn by Vega from the same Vega-Lite specs the CLI renders to PNG/SVG
 * (`src/plots`): one source for both. Each plot box gets Enlarge (a larger overlay) and
 * PNG / SVG download buttons. Vega is loaded on first use.
 */
import { el } from './dom.js';

type VegaView = { toImageURL(type: 'png' | 'svg', scale?: number): Promise<string>; finalize(): void };

const views = new WeakMap<HTMLElement, VegaView>();
const tokens = new WeakMap<HTMLElement, number>();

/**
 * Render a Vega-Lite spec into `box` as SVG (replacing what it showed); `box.dataset.rendered`
 * is set when done. Later calls on the same box supersede earlier ones still rendering.
 */
export async function renderSpec(box: HTMLElement, spec: Record<string, unknown>): Promise<void> {
  const token = (tokens.get(box) ?? 0) + 1;
  tokens.set(box, token);
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  if (tokens.get(box) !== token) return;
  const compiled = vl.compile(spec as unknown as Parameters<typeof vl.compile>[0]).spec;
  const holder = document.createElement('div');
  const view = new vega.View(vega.parse(compiled), { renderer: 'svg', container: holder, hover: false });
  await view.runAsync();
  if (tokens.get(box) !== token) {
    view.finalize();
    return;
  }
  views.get(box)?.finalize();
  views.set(box, view as unknown as VegaView);
  box.replaceChildren(holder);
  box.dataset.rendered = 'true';
}

/** Show a message in place of a plot. */
export function plotMessage(box: HTMLElement, text: string): void {
  tokens.set(box, (tokens.get(box) ?? 0) + 1);
  views.get(box)?.finalize();
  views.delete(box);
  box.replaceChildren(el('p', 'plot-message', text));
  delete box.dataset.rendered;
}

/**
 * Add Enlarge, PNG and SVG buttons to `tools` for the plot in `box`; downloads are named
 * `<name()>.png|svg`.
 */
export function plotTools(tools: HTMLElement, box: HTMLElement, panel: HTMLElement, name: () => string): void {
  const button = (text: string, title: string, act: () => void) => {
    const b = el('button', 'plot-tool', text);
    b.type = 'button';
    b.title = title;
    b.addEventListener('click', act);
    tools.append(b);
    return b;
  };
  const download = (type: 'png' | 'svg') => {
    const view = views.get(box);
    if (!view) return;
    void view.toImageURL(type, type === 'png' ? 2 : 1).then((url) => {
      const a = Object.assign(document.createElement('a'), { href: url, download: `${name()}.${type}` });
      document.body.append(a);
      a.click();
      a.remove();
    });
  };
  const enlarge = button('Enlarge', 'show the plot larger (Esc or click again to close)', () => {
    const on = !panel.classList.contains('enlarged');
    panel.classList.toggle('enlarged', on);
    enlarge.textContent = on ? 'Close' : 'Enlarge';
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && panel.classList.contains('enlarged')) enlarge.click();
  });
  button('PNG', 'download the plot as PNG', () => download('png'));
  button('SVG', 'download the plot as SVG', () => download('svg'));
}
