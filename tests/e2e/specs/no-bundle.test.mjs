// Hosted without a models/ folder, the page still shows every feature and MusiCNN's tags (its
// weights ship with the site), and says how to get the trained bundle's predictions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startApp } from '../lib/page.mjs';
import { loadFixtures, requireDist } from '../lib/paths.mjs';

describe('the site without a bundle', () => {
  const fixtures = loadFixtures();
  let server;
  let browser;
  let app;

  before(async () => {
    ({ server, browser, app } = await startApp({ root: requireDist() }));
    await app.choose(fixtures.mp3.path);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('says how to train one', async () => {
    assert.equal(await app.predictions(), 'missing');
    const note = await app.page.textContent('#predictions');
    assert.match(note, /No genre models next to this page/);
    assert.match(note, /genrescope train/);
    // Missing, not broken: the worker said so with the error's kind.
    assert.equal(await app.page.getAttribute('#predictions', 'data-kind'), 'fetch');
  });

  it('shows every feature all the same', async () => {
    assert.equal(await app.outcome(), 'done', `analysis failed: ${await app.error()}`);
    assert.equal(await app.error(), null);
    const canvases = await app.canvases();
    assert.equal(canvases.length, 16);
    assert.ok(canvases.every((c) => c.colours > 20));
  });

  it("still tags the track with MusiCNN", async () => {
    const tags = await app.tags();
    assert.equal(tags.state, 'done');
    assert.ok(tags.patches >= 1 && tags.segments.length === tags.patches);
    assert.ok(tags.topGenre && tags.topGenre !== '—', `top genre: ${tags.topGenre}`);
    assert.ok(tags.mean.every((a) => a >= 0 && a <= 1));
  });

  it('logs no console errors; the one missing file is the manifest', async () => {
    assert.deepEqual(browser.watch.pageErrors, []);
    // Chromium logs a failed fetch as a console error: only the manifest's 404 may appear.
    assert.ok(browser.watch.consoleErrors.every((e) => /404/.test(e)), browser.watch.consoleErrors.join('\n'));
    // Each worker of the pool looks for it once.
    const workers = Number(await app.page.getAttribute('#status', 'data-workers'));
    const failed = server.requests.filter((r) => r.status !== 200).map((r) => r.path);
    assert.ok(failed.length >= 1 && failed.length <= Math.max(workers, 1) + 3, failed.join(', '));
    for (const path of failed) assert.match(path, /models\/manifest\.json$/);
  });
});
