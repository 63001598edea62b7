/**
 * End-to-end test of the browser GUI's job states against the server's (headless Chromium on the
 * vite-built page, the real server on a temporary root holding EMD-1832 and the shared synthetic
 * half maps): what the page says must be what the server did.
 *
 * - a cancel the server answers as too late (after the job's commit point): the page says the job
 *   finished before the cancel could act and shows its outputs, with no stray warning;
 * - a setting or path the server refuses: its one-line reason right under that field;
 * - a double click on Estimate starts one job (it started two, the first "cancelled");
 * - a reload during a run follows the job again (the page had forgotten it: idle, no map);
 * - the server stopped (Ctrl+C) or killed during a run: the page says the server stopped (it said
 *   "cancelled", or waited for ever).
 *
 * The server's `finishingHook` pauses a finished job at its commit point, to act at a known moment.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ensurePageBundle, launchBrowser, skipWithoutChromium, type TestBrowser } from '../helpers/browser.js';
import { NODE_ARGS } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-run.js';
import { SHARED_DATA, SHARED_REFERENCE, skipWithoutShared } from '../helpers/shared-data.js';
import type { GuiServer } from '../helpers/gui-server.js';

const skip = skipWithoutChromium() || skipWithoutShared();
if (skip) console.log(`# gui-job-states.e2e: ${skip}`);

/** Pauses a job at its commit point once armed (the server's `finishingHook`). */
function commitPause() {
  let armed: { point: 'commit' | 'committed'; arrived: () => void; gate: Promise<void> } | undefined;
  return {
    hook(_job: unknown, at: 'commit' | 'committed'): Promise<void> | void {
      if (!armed || armed.point !== at) return;
      const { arrived, gate } = armed;
      armed = undefined;
      arrived();
      return gate;
    },
    /** Pause the next job that reaches `point`: `reached` when it is there, `release()` lets it go on. */
    arm(point: 'commit' | 'committed'): { reached: Promise<void>; release: () => void } {
      let arrived!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((r) => (arrived = r));
      const gate = new Promise<void>((r) => (release = r));
      armed = { point, arrived, gate };
      return { reached, release };
    },
  };
}

/** `promise`, or a failure naming `what` after `ms` (a job that never pauses fails instead of hanging). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The run panel as the user reads it. */
async function runPanel(page: Page): Promise<{ status: string; progress: string; warnings: string[]; downloads: string[]; log: string }> {
  return page.evaluate(() => ({
    status: document.getElementById('status')?.textContent ?? '',
    progress: document.getElementById('progress-text')?.textContent ?? '',
    warnings: [...document.querySelectorAll('#status-warnings li')].map((li) => li.textContent ?? ''),
    downloads: [...document.querySelectorAll('#downloads a')].map((a) => a.textContent ?? ''),
    log: document.getElementById('log')?.textContent ?? '',
  }));
}

/** Record every status word the page shows from now on (read with {@link statusesSeen}). */
async function watchStatuses(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { statuses: string[] }).statuses = seen;
    new MutationObserver(() => seen.push(document.getElementById('status')?.textContent ?? '')).observe(document.getElementById('status') as HTMLElement, { childList: true, characterData: true, subtree: true });
  });
}

/** The status words shown since {@link watchStatuses}. */
function statusesSeen(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
}

/** Wait until the status word matches. */
async function waitStatus(page: Page, re: RegExp, timeout = 60_000): Promise<void> {
  await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('status')?.textContent ?? ''), re.source, { timeout });
}

/** Open the page of a server and EMD-1832 in it. */
async function openEmd1832(page: Page, pageUrl: string): Promise<void> {
  await page.goto(pageUrl);
  await page.waitForSelector('body[data-ready="true"]');
  await page.click('#file-list li[data-path="maps"]');
  await page.click('#file-list li[data-path="maps/emd_1832.map.gz"]');
  await page.waitForFunction(() => document.getElementById('box')?.textContent === '64 × 64 × 64');
}

describe('browser GUI: job states as the server has them', { skip, timeout: 600_000 }, () => {
  let root: string;
  let server: GuiServer;
  let browser: TestBrowser;
  let page: Page;
  const pause = commitPause();
  const pageErrors: string[] = [];

  before(async () => {
    await ensurePageBundle();
    root = mkdtempSync(join(tmpdir(), 'occupy-gui-states-'));
    mkdirSync(join(root, 'maps'));
    mkdirSync(join(root, 'halves'));
    copyFileSync(join(SHARED_DATA, 'emd_1832.map.gz'), join(root, 'maps', 'emd_1832.map.gz'));
    for (const f of ['half1.mrc.gz', 'half2.mrc.gz']) copyFileSync(join(SHARED_REFERENCE, 'synth_halves128', f), join(root, 'halves', f));
    const { startGuiServer } = await import('../helpers/gui-server.js');
    server = await startGuiServer({ root, port: 0, finishingHook: (job, at) => pause.hook(job, at) });
    browser = await launchBrowser({ width: 1280, height: 800 });
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('a cancel that comes after the commit point: the page says the job finished before the cancel could act, and shows its outputs', async () => {
    await openEmd1832(page, server.pageUrl);
    await watchStatuses(page);
    const paused = pause.arm('committed');
    try {
      await page.click('#estimate');
      await within(paused.reached, 60_000, 'the job never paused at its commit point');
      const deleteSent = page.waitForRequest((r) => r.method() === 'DELETE' && /\/api\/jobs\//.test(r.url()));
      await page.click('#cancel');
      await deleteSent;
      // (the server answers once the outputs are in place)
      await page.waitForTimeout(500);
    } finally {
      paused.release();
    }
    await waitStatus(page, /^done/);
    await page.waitForFunction(() => /before the cancel could act/.test(document.getElementById('progress-text')?.textContent ?? ''), undefined, { timeout: 10_000 });
    const r = await runPanel(page);
    assert.match(r.progress, /^done — the job finished before the cancel could act: its outputs are saved/);
    // the status counts exactly the warnings it lists (the refused cancel is not one of them)
    const said = /^done(?:, (\d+) warnings?)?$/.exec(r.status);
    assert.ok(said, r.status);
    assert.equal(r.warnings.length, Number(said[1] ?? 0), `status '${r.status}', listed: ${r.warnings.join(' | ')}`);
    assert.ok(!r.warnings.some((w) => /already finished|cancel/i.test(w)), r.warnings.join(' | '));
    assert.ok(r.downloads.includes('scale_res_emd_1832.mrc'), r.downloads.join(', '));
    assert.match(r.log, /cancel: (too late: the job had finished and its outputs were being saved|the job had already ended \(done\)) — the job ended done and its outputs are kept/);
    assert.doesNotMatch(r.log, /job cancelled/);
    assert.equal(await page.isDisabled('#cancel'), true);
    // the click was acknowledged at once, while the server decided
    assert.ok((await statusesSeen(page)).includes('cancelling…'), (await statusesSeen(page)).join(', '));
  });

  it('a setting or path the server refuses: its one-line reason right under that field, gone once the field is edited', async () => {
    try {
      // EMD-1832 has 5.7 Å voxels: a low-pass of 6 Å is finer than its Nyquist limit (11.4 Å), which only the server checks
      await page.fill('#lowpass', '6');
      await page.click('#estimate');
      await page.waitForSelector('.field-error[data-field="lowpassA"]', { timeout: 10_000 });
      const shown = await page.$eval('.field-error[data-field="lowpassA"]', (p) => {
        const input = document.getElementById('lowpass') as HTMLElement;
        return { text: p.textContent ?? '', after: p.previousElementSibling?.id, gap: p.getBoundingClientRect().top - input.getBoundingClientRect().bottom, visible: (p as HTMLElement).offsetHeight > 0, invalid: input.getAttribute('aria-invalid') };
      });
      assert.match(shown.text, /^--lowpass 6 Å is finer than the Nyquist limit of the map \(2 × 5\.7 Å voxel = 11\.4 Å\)/);
      assert.equal(shown.after, 'lowpass', 'right after the Low-pass field');
      assert.ok(shown.visible && shown.gap >= 0 && shown.gap < 12, JSON.stringify(shown));
      assert.equal(shown.invalid, 'true');
      const r = await runPanel(page);
      assert.equal(r.status, 'error');
      assert.equal(r.progress, '', 'no "starting…" left after a refusal');
      await page.fill('#lowpass', '');
      assert.equal(await page.$$eval('.field-error', (ps) => ps.length), 0);
      // a path: under the target-mask field
      await page.fill('#target-mask', 'maps/no_such_mask.mrc');
      await page.click('#estimate');
      await page.waitForSelector('.field-error[data-field="targetMaskPath"]', { timeout: 10_000 });
      assert.equal(await page.$eval('.field-error[data-field="targetMaskPath"]', (p) => p.previousElementSibling?.id), 'target-mask');
      assert.match((await page.textContent('.field-error[data-field="targetMaskPath"]')) ?? '', /the target mask \(--target-mask\) 'maps\/no_such_mask\.mrc' not found/);
      await page.fill('#target-mask', '');
      assert.equal(await page.$$eval('.field-error', (ps) => ps.length), 0);
    } finally {
      // the next tests run with the default settings
      await page.fill('#lowpass', '');
      await page.fill('#target-mask', '');
    }
  });

  it('with a target mask the summary gives the occupancy inside it, as the CLI\'s "Target occupancy" line', async () => {
    // session 54: the page ran --target-mask but its summary left out the one number it is for
    const outDir = mkdtempSync(join(tmpdir(), 'occupy-gui-states-cli-'));
    try {
      await page.fill('#target-mask', 'maps/emd_1832.map.gz');
      await page.click('#estimate');
      await waitStatus(page, /^done/);
      const rows = await page.$$eval('#summary dt', (dts) => dts.map((dt) => [dt.textContent ?? '', dt.nextElementSibling?.textContent ?? '']));
      const map = join(root, 'maps', 'emd_1832.map.gz');
      const cli = await runInProcess([map, '--target-mask', map, '-o', `${outDir}/`, '--json', '-q']);
      assert.equal(cli.code, 0, cli.stderr);
      const target = (JSON.parse(cli.stdout) as { targetOccupancy: number }).targetOccupancy;
      assert.deepEqual(rows.find((r) => r[0] === 'target occupancy'), ['target occupancy', target.toFixed(3)], rows.map((r) => r.join(' ')).join(' | '));
    } finally {
      await page.fill('#target-mask', '');
      rmSync(outDir, { recursive: true, force: true });
    }
  });

  it('a double click on Estimate starts one job, and the page never says "cancelled"', async () => {
    await watchStatuses(page);
    const started = server.stats().started;
    await page.dblclick('#estimate');
    await waitStatus(page, /^done/);
    await page.waitForTimeout(500);
    assert.equal(server.stats().started - started, 1, 'jobs started by one double click');
    const statuses = await statusesSeen(page);
    assert.ok(!statuses.includes('cancelled'), statuses.join(', '));
    assert.doesNotMatch((await runPanel(page)).log, /job cancelled/);
  });

  it('a reload during a run follows the job again: its map, the running status and Cancel, then its result', async () => {
    const paused = pause.arm('commit');
    try {
      await page.click('#estimate');
      await within(paused.reached, 60_000, 'the job never paused at its commit point');
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      await waitStatus(page, /^estimating…$/, 10_000);
      assert.equal(await page.textContent('#map-name'), 'maps/emd_1832.map.gz');
      assert.equal(await page.isEnabled('#cancel'), true, 'Cancel works on the followed job');
      assert.equal(await page.isDisabled('#estimate'), true);
      assert.match((await runPanel(page)).log, /the page was reloaded while this job runs: following it again/);
    } finally {
      paused.release();
    }
    await waitStatus(page, /^done/);
    const r = await runPanel(page);
    assert.ok(r.downloads.includes('scale_res_emd_1832.mrc'), r.downloads.join(', '));
    assert.match(r.log, /Estimate done: \d+ files/);
    // the job has ended: a further reload has nothing to follow
    assert.equal(await page.evaluate(() => sessionStorage.getItem('occupy-gui-job')), null);
  });

  it('the server stopped (Ctrl+C) during a run: the page says the server stopped, not "cancelled"', async () => {
    const stopping = commitPause();
    const { startGuiServer } = await import('../helpers/gui-server.js');
    const other = await startGuiServer({ root, port: 0, finishingHook: (job, at) => stopping.hook(job, at) });
    try {
      await openEmd1832(page, other.pageUrl);
      const paused = stopping.arm('commit');
      await page.click('#estimate');
      await within(paused.reached, 60_000, 'the job never paused at its commit point');
      const closed = other.close();
      paused.release();
      await closed;
      await waitStatus(page, /^server stopped$/, 10_000);
      const r = await runPanel(page);
      assert.ok(r.warnings.some((w) => /occupy gui server was stopped before this job finished/.test(w)), r.warnings.join(' | '));
      assert.doesNotMatch(r.log, /job cancelled/);
      assert.equal(await page.isDisabled('#cancel'), true);
    } finally {
      await other.close();
    }
  });

  it('the server killed during a run: the page says so within seconds instead of waiting for ever', async () => {
    const temp = mkdtempSync(join(tmpdir(), 'occupy-gui-states-tmp-'));
    const child = spawn(process.execPath, [...NODE_ARGS, 'gui', '-q', '--root', root], { env: { ...process.env, TMPDIR: temp }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((done, fail) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (t: string) => {
          out += t;
          const m = /occupy GUI: (http\S+)/.exec(out);
          if (m) done(m[1]);
        });
        child.once('exit', (code) => fail(new Error(`occupy gui exited with ${code} before serving`)));
      });
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]');
      await page.fill('#half1', 'halves/half1.mrc.gz');
      await page.fill('#half2', 'halves/half2.mrc.gz');
      await page.click('#run-halfmaps');
      await page.waitForFunction(() => / — \d+ %$/.test(document.getElementById('progress-text')?.textContent ?? ''), undefined, { timeout: 60_000 });
      child.kill('SIGKILL');
      await waitStatus(page, /^server stopped$/, 15_000);
      const r = await runPanel(page);
      assert.match(r.progress, /lost the connection to the occupy gui server: it has stopped/);
      assert.equal(await page.isDisabled('#cancel'), true);
    } finally {
      child.kill('SIGKILL');
      rmSync(temp, { recursive: true, force: true });
    }
  });

  it('raised no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
