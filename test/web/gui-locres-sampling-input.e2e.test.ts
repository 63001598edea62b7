/**
 * The half-map panel's sampling field (`type="number"`) holding text the browser cannot read as a
 * number ('2e', '-'): its value is then '' as for a blank field, and the page had sent no
 * `locresSampling` (RELION's default 25 Å) instead of refusing what was typed (session 55). It is
 * refused under the field with the schema's wording, and nothing is sent.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ensurePageBundle, launchBrowser, skipWithoutChromium, type TestBrowser } from '../helpers/browser.js';
import { writeMrc } from '../../src/io/mrc/index.js';

const skip = skipWithoutChromium();

describe('browser GUI: text that is not a number in the sampling field', { skip, timeout: 300_000 }, () => {
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
    const { startGuiServer } = await import('../../src/web/server/server.js');
    server = await startGuiServer({ root, port: 0 });
    browser = await launchBrowser({ width: 1280, height: 800 });
    page = await browser.context.newPage();
    page.on('request', (r) => {
      if (r.url().includes('api/halfmaps')) posted.push(r.postData() ?? '');
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
});
