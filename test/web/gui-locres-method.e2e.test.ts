/**
 * End-to-end test of the half-map panel's local-resolution method choice (headless Chromium, the
 * vite-built page, the real server on the central 80³ of synth_halves128): the choices and the sampling field come
 * from the CLI's option schema; a sampling the schema refuses is said under the field as the page
 * types it, one the first half's box refuses comes back from the server under the same field with
 * the CLI's message; a RELION-compatible and a MonoRes run show their method, settings, bound
 * ("≤ Nyquist" pinned windows, "≤ finest (pinned)" voxels), the Å-coloured map with its key (the
 * voxels outside the mask grey, not the coarsest colour, and out of the ranges shown), only
 * the maps the method wrote, and the log's rerun command; the 3D view coloured by the local
 * resolution draws the surface outside the mask grey. Screenshots go to test-output/gui/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { decodePng, ensurePageBundle, GUI_OUTPUT, launchBrowser, skipWithoutChromium, type TestBrowser } from '../helpers/browser.js';
import { HALVES_CROP_BOX, writeCroppedHalves } from '../helpers/halves-crop.js';
import { skipWithoutShared } from '../helpers/shared-data.js';
import { checkLocresSampling } from '../../src/resolution/locres-options.js';
import { UNDER_RANGE_RGB } from '../../src/web/app/colormap.js';

const skip = skipWithoutChromium() || skipWithoutShared();
if (skip) console.log(`# gui-locres-method.e2e: ${skip}`);

describe('browser GUI: the half-map panel\'s local-resolution method', { skip, timeout: 600_000 }, () => {
  let root: string;
  let server: { url: string; pageUrl: string; token: string; close(): Promise<void> };
  let browser: TestBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    await ensurePageBundle();
    mkdirSync(GUI_OUTPUT, { recursive: true });
    root = mkdtempSync(join(tmpdir(), 'occupy-gui-locres-e2e-'));
    // the central 80³ of synth_halves128 (the mask and the four domains inside, 1 Å voxels, solvent
    // in the corners): what is asserted (the page's choices, messages, figures' form, colours and
    // files) does not depend on the box
    await writeCroppedHalves(join(root, 'halves'));
    const { startGuiServer } = await import('../helpers/gui-server.js');
    server = await startGuiServer({ root, port: 0 });
    browser = await launchBrowser({ width: 1280, height: 800 });
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  after(async () => {
    if (page) writeFileSync(join(GUI_OUTPUT, 'locres-method-log.txt'), (await page.textContent('#log').catch(() => '')) ?? '');
    await browser?.close();
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Fill the half-map fields, choose a method (and sampling), press Run, wait for the end. */
  async function runWith(method: string, sampling?: string): Promise<string> {
    await page.fill('#half1', 'halves/half1.mrc.gz');
    await page.fill('#half2', 'halves/half2.mrc.gz');
    await page.fill('#half-mask', 'halves/soft_mask.mrc.gz');
    await page.fill('#half-labels', 'halves/truth_labels.mrc.gz');
    await page.selectOption('#half-locres-method', method);
    if (sampling !== undefined) await page.fill('#half-locres-sampling', sampling);
    await page.click('#run-halfmaps');
    await page.waitForFunction(() => /^(done|error)/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 240_000 });
    return (await page.textContent('#status')) ?? '';
  }

  it('offers the three methods from the schema; the sampling field only with RELION\'s, checked as the CLI checks it', async () => {
    await page.goto(server.pageUrl);
    await page.waitForSelector('body[data-ready="true"]');
    const options = await page.$$eval('#half-locres-method option', (os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent ?? '', (o as HTMLOptionElement).title]));
    assert.deepEqual(options.map((o) => o[0]), ['localfsc', 'relion', 'monores']);
    assert.match(options[1][1], /--relion/);
    assert.match(options[1][2], /RELION 3\.1's --locres/, 'the help is the schema\'s');
    assert.equal(await page.$eval('#half-locres-method', (s) => (s as HTMLSelectElement).value), 'localfsc', 'the default is the local FSC');
    assert.equal(await page.isVisible('#half-locres-sampling'), false);
    await page.selectOption('#half-locres-method', 'relion');
    assert.equal(await page.isVisible('#half-locres-sampling'), true);
    assert.match((await page.textContent('#half-locres-sampling-unit')) ?? '', /^Å \(--locres-sampling\)$/);
    assert.equal(await page.getAttribute('#half-locres-sampling', 'placeholder'), '25');
    // as typed: the schema's range, the CLI's message under the field
    await page.fill('#half-locres-sampling', '-3');
    await page.waitForSelector('.field-error[data-field="locresSampling"]');
    assert.equal(await page.textContent('.field-error[data-field="locresSampling"]'), '--locres-sampling must be a number in [0.1, 1000] Å, got -3');
    await page.selectOption('#half-locres-method', 'monores');
    assert.equal(await page.isVisible('#half-locres-sampling'), false);
    assert.equal(await page.$$eval('.field-error[data-field="locresSampling"]', (ps) => ps.length), 0, 'the message goes with the field');
  });

  it('a sampling finer than the box allows: refused by the server under the field, with the CLI\'s message', async () => {
    const status = await runWith('relion', '2');
    assert.match(status, /^error/);
    let expected = '';
    try {
      checkLocresSampling(2, [HALVES_CROP_BOX, HALVES_CROP_BOX, HALVES_CROP_BOX], [1, 1, 1]);
    } catch (e) {
      expected = (e as Error).message;
    }
    assert.ok(expected.startsWith('--locres-sampling must be from 4 voxels (4 Å)'), expected);
    assert.equal(await page.textContent('.field-error[data-field="locresSampling"]'), expected);
    await page.screenshot({ path: join(GUI_OUTPUT, 'locres-method-refused.png') });
  });

  it('RELION-compatible: its settings, the pinned windows at Nyquist, the Å map and key, no pinned/interval maps, the rerun line', async () => {
    const status = await runWith('relion', '10');
    assert.match(status, /^done/, status);
    assert.equal(await page.$eval('#locres-numbers', (d) => (d as HTMLElement).dataset.method), 'relion');
    const text = (await page.textContent('#locres-numbers')) ?? '';
    assert.match(text, /RELION 3\.1 \(--relion\): RELION 3\.1 --locres: sampling 10 A/);
    assert.match(text, /≤ Nyquist \(2\.00 Å\): pinned windows\d+ of \d+ never fell below 0\.143/);
    assert.match(text, /sampling10 Å, FSC threshold 0\.143/);
    assert.doesNotMatch(text, /also written/, 'RELION\'s mode writes no pinned or interval map');
    const files = await page.$$eval('#halfmaps-downloads a', (as) => as.map((a) => a.textContent ?? ''));
    assert.ok(!files.some((f) => /_(pinned|low|high)\.mrc$/.test(f)), files.join(', '));
    assert.match((await page.textContent('#locres-report')) ?? '', /^Pinned windows {5}: \d+ of \d+ never fell below 0\.143/m);
    const labels = await page.$$eval('#locres-labels tr', (trs) => trs.length);
    assert.equal(labels, 5, 'the per-label table: header and four labels');
    assert.match((await page.textContent('#log')) ?? '', /Local resolution rerun: occupy locres halves\/half1\.mrc\.gz halves\/half2\.mrc\.gz --mask halves\/soft_mask\.mrc\.gz --labels halves\/truth_labels\.mrc\.gz --relion --locres-sampling 10 -o locres_half1\.mrc/);
    await page.screenshot({ path: join(GUI_OUTPUT, 'locres-method-relion.png'), fullPage: true });
    await page.click('#tab-locres');
    await page.waitForFunction(() => /^local resolution slice/.test(document.getElementById('slice-canvas')?.dataset.drawn ?? ''), undefined, { timeout: 30_000 });
    const key = await page.$eval('#colorbar', (c) => (c as HTMLCanvasElement).dataset.key ?? '');
    assert.match(key, /^local resolution \(Å\): \d/);
    // outside the mask the map holds only the background (--lowest-resolution, 50 Å): drawn grey, not
    // as the coarsest red around the molecule, and left out of the caption's range (it read … 50.00 Å)
    const caption = await page.$eval('#slice-canvas', (c) => (c as HTMLCanvasElement).dataset.drawn ?? '');
    const range = /^local resolution slice z=\d+, inside the mask \(grey: outside\), range (\d+\.\d\d) … (\d+\.\d\d) Å$/.exec(caption);
    assert.ok(range, caption);
    assert.ok(Number(range[2]) < 50, `the caption's range reaches the background: ${caption}`);
    assert.match(key, /\(under-range outside\)$/, 'the key shows the grey of the voxels outside the mask');
    const keyHi = Number(/ … ([\d.]+)/.exec(key)?.[1]);
    assert.ok(keyHi < 50, `the key's range reaches the background: ${key}`);
    // the corner voxels (far outside the soft mask) are the under-range grey; the centre is coloured
    // (no named functions inside: tsx would add a helper the page does not have)
    const pixels = await page.$eval('#slice-canvas', (c) => {
      const canvas = c as HTMLCanvasElement;
      const d = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray(0);
      const corner = (canvas.width + 1) * 4;
      const centre = ((canvas.height >> 1) * canvas.width + (canvas.width >> 1)) * 4;
      return { corner: [...d.subarray(corner, corner + 3)], centre: [...d.subarray(centre, centre + 3)] };
    });
    assert.deepEqual(pixels.corner, [...UNDER_RANGE_RGB], `a voxel outside the mask is drawn ${pixels.corner.join(',')}`);
    assert.notDeepEqual(pixels.centre, [...UNDER_RANGE_RGB], 'the molecule is drawn grey');
    // the value under the cursor says it is outside the mask
    const box = await page.locator('#slice-canvas').boundingBox();
    assert.ok(box);
    await page.mouse.move(box.x + 3, box.y + 3);
    assert.match((await page.textContent('#cursor-value')) ?? '', /: 50\.000 Å \(outside the mask: the background value\)$/);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(GUI_OUTPUT, 'locres-method-relion-slice.png') });
  });

  it('the 3D view coloured by local resolution: the surface outside the mask grey, the key from inside it; the mask in one request', async () => {
    // the mask's requests while the 3D view loads: it had fetched one slice per z (80 here)
    const maskRequests = { whole: 0, slices: 0, bytes: 0 };
    const onRequest = (r: { url(): string }) => {
      if (/\/api\/maps\/[^/]+\/mask(\?|$)/.test(r.url())) maskRequests.whole++;
      if (/\/slice\?layer=mask&/.test(r.url())) maskRequests.slices++;
    };
    const onResponse = (r: { url(): string; headers(): Record<string, string> }) => {
      if (/\/api\/maps\/[^/]+\/mask(\?|$)/.test(r.url())) maskRequests.bytes += Number(r.headers()['content-length']);
    };
    page.on('request', onRequest);
    page.on('response', onResponse);
    await page.click('#tab-3d');
    await page.waitForSelector('#tab-3d.active');
    await page.waitForSelector('#colour-3d option[value="locres"]', { state: 'attached' });
    await page.selectOption('#colour-3d', 'locres');
    await page.waitForFunction(() => /coloured by the local resolution/.test(document.getElementById('status-3d')?.textContent ?? ''), undefined, { timeout: 120_000 });
    // at 0.04 (about 1.6 SD of the solvent noise) the surface takes in noise all over the box, far
    // outside the soft mask: there the map holds only its background (50 Å) and was drawn as the
    // coarsest red; now it is the under-range grey (lit: red, green and blue alike)
    await page.$eval('#iso-level', (i) => {
      (i as HTMLInputElement).value = '0.04';
      i.dispatchEvent(new Event('input'));
    });
    const box = await page.locator('#viewer-3d canvas').first().boundingBox();
    assert.ok(box);
    let last = Buffer.alloc(0);
    let png = await page.screenshot({ clip: box });
    for (let k = 0; k < 120 && !png.equals(last); k++) {
      await page.waitForTimeout(500);
      last = png;
      png = await page.screenshot({ clip: box });
    }
    writeFileSync(join(GUI_OUTPUT, 'locres-method-3d-noise.png'), png);
    const { rgba } = decodePng(png);
    let grey = 0;
    let red = 0;
    for (let i = 0; i < rgba.length; i += 4) {
      const [r, g, b] = [rgba[i], rgba[i + 1], rgba[i + 2]];
      if (r > 235 && g > 235 && b > 235) continue; // the white background
      if (Math.max(r, g, b) < 40) continue; // outlines
      if (Math.abs(r - g) <= 12 && Math.abs(g - b) <= 12) grey++;
      else if (r - b > 60) red++;
    }
    assert.ok(grey > 1000 && grey > 3 * red, `the noise outside the mask: ${grey} grey pixels, ${red} red`);
    page.off('request', onRequest);
    page.off('response', onResponse);
    // one request for the whole mask (the 80³ crop), one bit per voxel
    assert.deepEqual(maskRequests, { whole: 1, slices: 0, bytes: Math.ceil(HALVES_CROP_BOX ** 3 / 8) }, JSON.stringify(maskRequests));
    assert.match((await page.textContent('#status-3d')) ?? '', /\(Å; grey: outside the mask\)\.$/);
    const key = await page.$eval('#colorbar-3d', (c) => (c as HTMLCanvasElement).dataset.key ?? '');
    assert.match(key, /^local resolution \(Å\): [\d.]+ … ([\d.]+) \(under-range outside\)$/, key);
    assert.ok(Number(/ … ([\d.]+)/.exec(key)?.[1]) < 50, `the 3D key's range reaches the background: ${key}`);
  });

  it('MonoRes: the pinned voxels at its finest tested value, and its pinned map offered (no interval maps)', async () => {
    await page.click('#tab-fsc');
    const status = await runWith('monores');
    assert.match(status, /^done/, status);
    assert.equal(await page.$eval('#locres-numbers', (d) => (d as HTMLElement).dataset.method), 'monores');
    const text = (await page.textContent('#locres-numbers')) ?? '';
    assert.match(text, /MonoRes \(--method monores\): monogenic \(MonoRes-style\)/);
    assert.match(text, /≤ \d+\.\d\d Å \(pinned\)\d+ voxels \(\d+\.\d %\)/);
    const extra = await page.$$eval('#locres-numbers a[data-map]', (as) => as.map((a) => [(a as HTMLElement).dataset.map, a.textContent ?? '']));
    assert.deepEqual(extra, [['pinned', 'locres_half1_pinned.mrc']]);
    assert.match((await page.textContent('#log')) ?? '', /Local resolution rerun: occupy locres .* --method monores -o locres_half1\.mrc/);
    await page.screenshot({ path: join(GUI_OUTPUT, 'locres-method-monores.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
  });
});
