/**
 * Number fields (`type="number"`) holding text the browser cannot read as a number ('2e', '-',
 * '1e', '--2'): their value is then '' as for a blank field. The half-map panel's sampling field
 * had sent no `locresSampling` (RELION's default 25 Å) instead of refusing what was typed (session
 * 55), and the estimate's fields (low-pass, kernel, modification powers …) ran with their defaults
 * (session 56). Each is refused under its field with the schema's wording, and nothing is sent.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ensurePageBundle, launchBrowser, skipWithoutChromium, type TestBrowser } from '../helpers/browser.js';
import { writeMrc } from '../../src/io/mrc/index.js';
import { checkOptionValue } from '../../src/core/option-schema.js';
import { ESTIMATE_OPTION } from '../../src/occupancy/options.js';

const skip = skipWithoutChromium();

/** The schema's refusal of text that is not a number in an estimate option's field. */
function notANumber(key: keyof typeof ESTIMATE_OPTION): string {
  try {
    checkOptionValue(ESTIMATE_OPTION[key], 'text that is not a number', 'text that is not a number');
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${key}: the schema took text`);
}

describe('browser GUI: text that is not a number in a number field', { skip, timeout: 300_000 }, () => {
  let root: string;
  let server: { pageUrl: string; close(): Promise<void> };
  let browser: TestBrowser;
  let page: Page;
  const posted: string[] = [];

  before(async () => {
    await ensurePageBundle();
    root = mkdtempSync(join(tmpdir(), 'occupy-gui-sampling-'));
    const box = 32;
    const data = () => Float32Array.from({ length: box ** 3 }, (_, i) => Math.sin(i * 0.37) + Math.cos(i * 0.011));
    await writeMrc(join(root, 'h1.mrc'), { data: data(), shape: [box, box, box], voxelSizeA: [1, 1, 1] });
    await writeMrc(join(root, 'h2.mrc'), { data: data().map((v) => v + 0.1), shape: [box, box, box], voxelSizeA: [1, 1, 1] });
    const { startGuiServer } = await import('../helpers/gui-server.js');
    server = await startGuiServer({ root, port: 0 });
    browser = await launchBrowser({ width: 1280, height: 800 });
    page = await browser.context.newPage();
    page.on('request', (r) => {
      if (/api\/(halfmaps|estimate)/.test(r.url())) posted.push(r.postData() ?? '');
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('is refused under the field with the schema\'s wording, and no run is asked for', async () => {
    await page.goto(server.pageUrl);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#half1', 'h1.mrc');
    await page.fill('#half2', 'h2.mrc');
    await page.selectOption('#half-locres-method', 'relion');
    for (const typed of ['2e', '-']) {
      await page.fill('#half-locres-sampling', '');
      await page.click('#half-locres-sampling');
      await page.keyboard.type(typed);
      assert.equal(await page.$eval('#half-locres-sampling', (e) => (e as HTMLInputElement).validity.badInput), true, typed);
      await page.click('#run-halfmaps');
      await page.waitForSelector('.field-error[data-field="locresSampling"]');
      assert.equal(await page.textContent('.field-error[data-field="locresSampling"]'), '--locres-sampling must be a number in [0.1, 1000] Å, got text that is not a number', typed);
      assert.match((await page.textContent('#status')) ?? '', /^(?!done)/);
    }
    assert.deepEqual(posted, [], 'no request was sent');
  });

  it('in the estimate\'s fields: refused under the field with the schema\'s wording, Estimate and Modify off until it is mended', async () => {
    await page.goto(server.pageUrl);
    await page.waitForSelector('body[data-ready="true"]');
    await page.click('#file-list li[data-path="h1.mrc"]');
    await page.waitForFunction(() => (document.getElementById('slice-canvas')?.dataset.drawn ?? '').startsWith('input slice'));
    await page.waitForFunction(() => !(document.getElementById('estimate') as HTMLButtonElement).disabled);
    for (const [id, field, typed] of [['lowpass', 'lowpassA', '1e'], ['kernel-size', 'kernelSize', '--2'], ['tau', 'tau', '-'], ['max-box', 'maxBox', '1e+']] as const) {
      await page.fill(`#${id}`, '');
      await page.click(`#${id}`);
      await page.keyboard.type(typed);
      assert.equal(await page.$eval(`#${id}`, (e) => (e as HTMLInputElement).validity.badInput), true, `${id}: ${typed}`);
      const message = `.field-error[data-field="${field}"]`;
      await page.waitForSelector(message);
      assert.equal(await page.textContent(message), notANumber(field), `${id}: ${typed}`);
      assert.equal(await page.isDisabled('#estimate'), true, `Estimate with '${typed}' in #${id}`);
      assert.equal(await page.getAttribute(`#${id}`, 'aria-invalid'), 'true');
      // mended (blank: the default), the message goes and Estimate is on again
      await page.fill(`#${id}`, '');
      await page.waitForSelector(message, { state: 'detached' });
      assert.equal(await page.isDisabled('#estimate'), false, `Estimate after #${id} was cleared`);
    }
    // said also while another field is wrong (a tau out of range, listed with the form's errors)
    await page.fill('#tau', '5');
    await page.waitForFunction(() => /--tau/.test(document.getElementById('settings-errors')?.textContent ?? ''));
    await page.click('#lowpass');
    await page.keyboard.type('1e');
    await page.waitForSelector('.field-error[data-field="lowpassA"]');
    await page.fill('#lowpass', '');
    await page.waitForSelector('.field-error[data-field="lowpassA"]', { state: 'detached' });
    await page.fill('#tau', '');
    // a modification power (it had read as 0, refused as 'got 0')
    await page.fill('#mod-gamma-amplify', '');
    await page.click('#mod-gamma-amplify');
    await page.keyboard.type('2e');
    await page.waitForSelector('.field-error[data-field="amplify"]');
    assert.equal(await page.textContent('.field-error[data-field="amplify"]'), notANumber('amplify'));
    assert.equal(await page.isDisabled('#modify'), true);
    await page.fill('#mod-gamma-amplify', '3');
    await page.waitForSelector('.field-error[data-field="amplify"]', { state: 'detached' });
    assert.equal(await page.isDisabled('#modify'), false);
    assert.deepEqual(posted, [], 'no request was sent');
  });
});
