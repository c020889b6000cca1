// A file that is not audio gives a clear message in #error, and the page recovers: a good
// file chosen next is analysed normally, genre included.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { DURATION_TOLERANCE_S, startApp } from '../lib/page.mjs';
import { artifactsDir, loadFixtures } from '../lib/paths.mjs';

describe('a corrupt file', () => {
  const fixtures = loadFixtures();
  let server;
  let browser;
  let app;

  before(async () => {
    ({ server, browser, app } = await startApp());
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('is reported in #error, naming the file', async (t) => {
    await app.choose(fixtures.corrupt.path);
    assert.equal(await app.outcome(), 'failed');
    await mkdir(artifactsDir, { recursive: true });
    const shot = await app.screenshot(join(artifactsDir, 'corrupt-file.png'));
    t.diagnostic(`screenshot: ${shot}`);
    const message = await app.error();
    assert.match(message ?? '', /^could not decode "corrupt\.mp3": \S/);
    // The worker's error reached the page with its kind, not only its words.
    assert.equal(await app.errorKind(), 'decode');
    assert.match(await app.status(), /corrupt\.mp3 could not be analysed/);
    assert.equal(await app.hasDuration(), false);
  });

  it('does not stop a good file chosen next from showing its duration', async () => {
    await app.choose(fixtures.mp3.path);
    const { seconds } = await app.duration();
    assert.ok(
      Math.abs(seconds - fixtures.mp3.seconds) <= DURATION_TOLERANCE_S,
      `#duration says ${seconds} s, the fixture is ${fixtures.mp3.seconds} s`,
    );
    assert.doesNotMatch((await app.error()) ?? '', /corrupt\.mp3/, 'the old error is gone');
  });

  it('nor its features and genre', async () => {
    assert.equal(await app.outcome(), 'done', `analysis failed: ${await app.error()}`);
    assert.equal(await app.error(), null);
    assert.equal(await app.predictions(), 'done');
    const canvases = await app.canvases();
    assert.equal(canvases.length, 16);
    assert.ok(canvases.every((c) => c.colours > 20));
  });

  it('logs no console errors and stays on 127.0.0.1', async () => {
    assert.deepEqual(browser.watch.pageErrors, []);
    assert.deepEqual(browser.watch.consoleErrors, []);
    assert.deepEqual(browser.watch.offsite, []);
  });
});
