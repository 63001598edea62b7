/**
 * End-to-end test of the browser GUI: the real server (`startGuiServer`) on a temporary root
 * holding EMD-1832, the vite-built page in headless Chromium. Walks the OccuPy GUI workflow
 * (open a map, tune the kernel, estimate, look at the tabs, modify, 3D) and checks page texts,
 * canvas pixels and that no request leaves 127.0.0.1. Screenshots go to test-output/gui/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { decodePng, distinctColours, ensurePageBundle, GUI_OUTPUT, launchBrowser, skipWithoutChromium, type TestBrowser } from '../helpers/browser.js';
import { SHARED_DATA, skipWithoutShared } from '../helpers/shared-data.js';

const skip = skipWithoutChromium() || skipWithoutShared();
if (skip) console.log(`# gui.e2e: ${skip}`);

/** Distinct colours of a 2D canvas read with getImageData. */
async function canvasColours(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (c) => {
    const canvas = c as HTMLCanvasElement;
    const ctx = canvas.getContext('2d');
    if (!ctx || canvas.width === 0 || canvas.height === 0) return 0;
    const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size;
  });
}

/** Wait until the slice canvas shows something whose description starts with `prefix`. */
async function waitDrawn(page: Page, prefix: string): Promise<string> {
  await page.waitForFunction((p) => (document.getElementById('slice-canvas')?.dataset.drawn ?? '').startsWith(p), prefix, { timeout: 15_000 });
  return page.$eval('#slice-canvas', (c) => (c as HTMLCanvasElement).dataset.drawn ?? '');
}

async function clickTab(page: Page, tab: string): Promise<void> {
  await page.click(`#tab-${tab}`);
  await page.waitForSelector(`#tab-${tab}.active`);
}

describe('browser GUI (occupy gui) end to end', { skip, timeout: 120_000 }, () => {
  let root: string;
  let server: { url: string; pageUrl: string; close(): Promise<void> };
  let browser: TestBrowser;
  let page: Page;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    const t0 = Date.now();
    const built = await ensurePageBundle();
    if (built) console.log(`# gui.e2e: built the page with vite in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    mkdirSync(GUI_OUTPUT, { recursive: true });
    root = mkdtempSync(join(tmpdir(), 'occupy-gui-e2e-'));
    mkdirSync(join(root, 'maps'));
    copyFileSync(join(SHARED_DATA, 'emd_1832.map.gz'), join(root, 'maps', 'emd_1832.map.gz'));
    writeFileSync(join(root, 'notes.txt'), 'not a map: the browser must not list it\n');
    const { startGuiServer } = await import('../../src/web/server/server.js');
    server = await startGuiServer({ root, port: 0 });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      // the page asks for a previous result of each opened map: 404 before the first estimate
      if (m.type() === 'error' && !/\/api\/maps\/[^/]+\/result(\?|$)/.test(m.location().url)) pageErrors.push(`console: ${m.text()} (${m.location().url})`);
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('opens a map from the file browser and shows its box, voxel size and range', async () => {
    await page.goto(server.pageUrl);
    await page.waitForSelector('body[data-ready="true"]');
    assert.match(await page.textContent('#version') ?? '', /occupy-ts/);
    const rootItems = await page.$$eval('#file-list li', (lis) => lis.map((li) => li.textContent ?? ''));
    assert.ok(rootItems.some((t) => t.startsWith('maps/')), `root listing: ${rootItems.join(', ')}`);
    assert.ok(!rootItems.some((t) => t.includes('notes.txt')), 'non-map files are not listed');
    await page.click('#file-list li[data-path="maps"]');
    await page.waitForSelector('#file-list li[data-path="maps/emd_1832.map.gz"]');
    await page.click('#file-list li[data-path="maps/emd_1832.map.gz"]');
    await page.waitForFunction(() => document.getElementById('box')?.textContent === '64 × 64 × 64');
    assert.match(await page.textContent('#voxel-size') ?? '', /^5\.700, 5\.700, 5\.700 Å$/);
    assert.match(await page.textContent('#value-range') ?? '', /^-0\.159\d .*2\.05\d/);
    const drawn = await waitDrawn(page, 'input slice');
    assert.match(drawn, /z=32/);
    assert.ok((await canvasColours(page, '#slice-canvas')) > 10, 'input slice has grey levels');
  });

  it('recomputes n_v, tau and the warnings live as the kernel is edited', async () => {
    assert.equal(await page.textContent('#nv'), '19');
    const tau19 = Number(await page.textContent('#tau-recommended'));
    assert.ok(Math.abs(tau19 - 0.8902) < 5e-4, `tau for n_v = 19: ${tau19}`);
    assert.match(await page.textContent('#settings-warnings') ?? '', /very small kernel size \(3 voxels\)/);
    await page.fill('#kernel-size', '5');
    await page.fill('#kernel-radius', '2.3');
    await page.waitForFunction(() => document.getElementById('nv')?.textContent === '57');
    assert.ok(Number(await page.textContent('#tau-recommended')) > tau19, 'tau grows with n_v');
    assert.doesNotMatch(await page.textContent('#settings-warnings') ?? '', /very small kernel/);
    const command = (await page.textContent('#command')) ?? '';
    assert.match(command, /^occupy -i maps\/emd_1832\.map\.gz .*--kernel-size 5 --kernel-radius 2\.3/);
    // an even kernel size is refused with the CLI's message, and Estimate is disabled
    await page.fill('#kernel-size', '4');
    await page.waitForFunction(() => (document.getElementById('settings-errors')?.textContent ?? '').includes('--kernel-size must be an odd'));
    assert.equal(await page.isDisabled('#estimate'), true);
    await page.fill('#kernel-size', '5');
    await page.waitForFunction(() => !(document.getElementById('estimate') as HTMLButtonElement).disabled);
  });

  it('estimates with progress and log, then shows scale, confidence, preview and the solvent plot', async () => {
    await page.click('#estimate');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'done', undefined, { timeout: 60_000 });
    assert.equal(await page.$eval('#progress', (p) => (p as HTMLProgressElement).value), 1);
    const log = (await page.textContent('#log')) ?? '';
    assert.match(log, /Estimate done/);
    const downloads = await page.$$eval('#downloads a', (as) => as.map((a) => (a as HTMLAnchorElement).href));
    assert.ok(downloads.some((h) => /scale_res_emd_1832\.mrc\?download=1(&token=[\w-]+)?$/.test(h)), downloads.join('\n'));
    assert.ok(downloads.some((h) => /\.cxc\?download=1(&token=[\w-]+)?$/.test(h)), 'the ChimeraX script is offered');
    assert.match((await page.textContent('#last-command')) ?? '', /--kernel-size 5/);
    assert.match((await page.textContent('#summary')) ?? '', /n_v 57/);

    await clickTab(page, 'scale');
    assert.match(await waitDrawn(page, 'scale slice'), /z=32/);
    const scaleColours = await canvasColours(page, '#slice-canvas');
    assert.ok(scaleColours > 1, `scale slice has ${scaleColours} colours`);
    await page.locator('#slice-wrap').screenshot({ path: join(GUI_OUTPUT, 'slice-scale.png') });

    await clickTab(page, 'confidence');
    await waitDrawn(page, 'confidence slice');
    await page.locator('#slice-wrap').screenshot({ path: join(GUI_OUTPUT, 'slice-confidence.png') });

    await clickTab(page, 'input');
    await page.click('#axis-y');
    await page.locator('#slice').fill('20');
    assert.match(await waitDrawn(page, 'input slice y=20'), /y=20/);
    assert.match((await page.textContent('#slice-index')) ?? '', /^Y 20 \/ 63$/);
    await page.locator('#slice-wrap').screenshot({ path: join(GUI_OUTPUT, 'slice-input-y20.png') });

    await page.click('#axis-z');
    await clickTab(page, 'preview');
    assert.match(await waitDrawn(page, 'preview: amplify 2'), /z=32/);
    const inputPreview = await page.$eval('#slice-canvas', (c) => (c as HTMLCanvasElement).toDataURL());
    await page.fill('#mod-gamma', '4');
    await waitDrawn(page, 'preview: amplify 4');
    const strongerPreview = await page.$eval('#slice-canvas', (c) => (c as HTMLCanvasElement).toDataURL());
    assert.notEqual(strongerPreview, inputPreview, 'the preview follows the modification live');
    await page.fill('#mod-gamma', '2');
    await waitDrawn(page, 'preview: amplify 2');
    await page.locator('#slice-wrap').screenshot({ path: join(GUI_OUTPUT, 'slice-preview.png') });

    // solvent definition by a threshold on the scale, previewed live on the Solvent def. tab
    await page.selectOption('#soldef-kind', 'threshold');
    await page.locator('#soldef-threshold').fill('0.3');
    await clickTab(page, 'soldef');
    assert.match(await waitDrawn(page, 'solvent definition preview: scale > 0.30'), /0\.30/);
    assert.match((await page.textContent('#command')) ?? '', /^occupy soldef scale_res_emd_1832\.mrc --threshold 0\.30 && occupy -i .* --solvent-def soldef_by_scale_0\.30\.mrc$/);
    await page.locator('#slice-wrap').screenshot({ path: join(GUI_OUTPUT, 'slice-soldef-threshold.png') });
    await page.selectOption('#soldef-kind', 'sphere');

    const plotColours = await canvasColours(page, '#solvent-plot');
    assert.ok(plotColours > 5, `solvent plot has ${plotColours} colours`);
    assert.ok((await canvasColours(page, '#mod-plot')) > 5, 'modification plot drawn');
    await page.locator('#plot-panel').screenshot({ path: join(GUI_OUTPUT, 'solvent-plot.png') });
    await page.locator('#modify-panel').screenshot({ path: join(GUI_OUTPUT, 'modification-plot.png') });
  });

  it('modifies the map (amplify 2) and shows the written output', async () => {
    await page.selectOption('#mod-kind', 'amplify');
    await page.fill('#mod-gamma', '2');
    await page.click('#modify');
    await page.waitForSelector('#tab-output.active', { timeout: 60_000 });
    assert.equal(await page.textContent('#status'), 'done');
    await waitDrawn(page, 'output slice');
    assert.ok((await canvasColours(page, '#slice-canvas')) > 10);
    const names = await page.$$eval('#downloads a', (as) => as.map((a) => a.textContent ?? ''));
    assert.ok(names.some((n) => /^ampl_2\.0_.*emd_1832\.mrc$/.test(n)), names.join(', '));
    await page.screenshot({ path: join(GUI_OUTPUT, 'page-output.png'), fullPage: true });
  });

  it('makes a subtraction mask from the scale map in the page', async () => {
    await page.selectOption('#mod-kind', 'attenuate');
    await page.click('#subtraction-mask');
    const link = page.locator('#downloads a[download="subtraction_mask_attn_2.0.mrc"]');
    await link.waitFor();
    const sizes = await page.evaluate(async (href) => {
      const mask = await (await fetch(href)).arrayBuffer();
      const names = [...document.querySelectorAll<HTMLAnchorElement>('#downloads a')].map((a) => a.textContent ?? '');
      const scaleName = names.find((n) => n.startsWith('scale_')) ?? '';
      const scaleHref = [...document.querySelectorAll<HTMLAnchorElement>('#downloads a')].find((a) => a.textContent === scaleName)?.href ?? '';
      const scale = await (await fetch(scaleHref)).arrayBuffer();
      const v = new DataView(mask);
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 1024; i < mask.byteLength; i += 4) {
        const x = v.getFloat32(i, true);
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
      return { mask: mask.byteLength, scale: scale.byteLength, lo, hi };
    }, (await link.getAttribute('href')) ?? '');
    assert.equal(sizes.mask, sizes.scale, 'the mask has the scale map\'s header and box');
    assert.ok(sizes.lo >= 0 && sizes.hi <= 1 && sizes.hi > sizes.lo, `mask values in [0, 1]: ${sizes.lo} … ${sizes.hi}`);
    assert.match((await page.textContent('#log')) ?? '', /occupy subtraction-mask scale_occ_emd_1832\.mrc --attenuate 2/);
    await page.selectOption('#mod-kind', 'amplify');
  });

  it('shows the surface coloured by scale in Mol* (3D tab) with the iso-level slider', async () => {
    await clickTab(page, '3d');
    await page.waitForSelector('body[data-view3d="ready"]', { timeout: 60_000 });
    const options = await page.$$eval('#map-3d option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.ok(options.includes('input.mrc') && options.some((o) => o.startsWith('ampl_')), options.join(', '));
    assert.match((await page.textContent('#status-3d')) ?? '', /coloured by scale_occ_emd_1832\.mrc/);
    const canvas = page.locator('#viewer-3d canvas').first();
    await canvas.waitFor();
    await page.waitForTimeout(1500);
    const box = await canvas.boundingBox();
    assert.ok(box && box.width > 100 && box.height > 100, 'Mol* canvas has a size');
    const png = await page.screenshot({ clip: box, path: join(GUI_OUTPUT, '3d-view.png') });
    const colours = distinctColours(decodePng(png).rgba);
    assert.ok(colours > 30, `3D view has only ${colours} colours`);
    // iso level: a higher level shows less surface
    const iso = page.locator('#iso-level');
    const max = Number(await iso.getAttribute('max'));
    await iso.fill(String(max * 0.6));
    await page.waitForTimeout(1500);
    const png2 = await page.screenshot({ clip: box, path: join(GUI_OUTPUT, '3d-view-high-level.png') });
    assert.notDeepEqual(png2, png, 'the iso level changes the view');
  });

  it('opens a map dropped on the page (upload)', async () => {
    await clickTab(page, 'input');
    const base64 = readFileSync(join(SHARED_DATA, 'emd_5625.map')).toString('base64');
    await page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'dropped_5625.map'));
      for (const type of ['dragenter', 'dragover', 'drop']) window.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, base64);
    await page.waitForFunction(() => (document.getElementById('map-name')?.textContent ?? '').includes('(uploaded)'));
    assert.equal(await page.textContent('#box'), '56 × 56 × 56');
    assert.match((await page.textContent('#voxel-size')) ?? '', /^4\.230, /);
    assert.match(await waitDrawn(page, 'input slice'), /z=28/);
    assert.match((await page.textContent('#command')) ?? '', /^occupy -i dropped_5625\.map /);
    assert.equal(await page.textContent('#downloads'), 'no outputs yet');
  });

  it('opens the map given on the command line (initialMap) at start', async () => {
    const { startGuiServer } = await import('../../src/web/server/server.js');
    const second = await startGuiServer({ root, port: 0, initialMapPath: 'maps/emd_1832.map.gz' });
    const other = await browser.context.newPage();
    try {
      other.on('pageerror', (e) => pageErrors.push(e.message));
      await other.goto(second.pageUrl);
      await other.waitForFunction(() => document.getElementById('box')?.textContent === '64 × 64 × 64');
      assert.equal(await other.textContent('#map-name'), 'maps/emd_1832.map.gz');
      assert.equal(await other.textContent('#nv'), '19');
      await waitDrawn(other, 'input slice');
      await other.screenshot({ path: join(GUI_OUTPUT, 'page-initial-map.png') });
    } finally {
      await other.close();
      await second.close();
    }
  });

  it('made no request outside the local server and raised no page errors', () => {
    const outside = requests.filter((u) => !u.startsWith(server.url) && !u.startsWith('data:') && !u.startsWith('blob:'));
    assert.deepEqual(outside, []);
    assert.deepEqual(pageErrors, []);
  });
});
