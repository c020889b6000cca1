// An hour-long MP3 (the LAME fixture's frames repeated: valid audio, 57 MB) gets a clear
// message in #error — the page analyses up to 10 minutes — without freezing the page, and the
// file chosen next is analysed as usual.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startApp } from '../lib/page.mjs';
import { loadFixtures } from '../lib/paths.mjs';

describe('an hour-long file', () => {
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

  it('is refused in #error, naming the file and the limit', async (t) => {
    assert.ok(fixtures.long.seconds >= 3600, `the fixture lasts ${fixtures.long.seconds} s`);
    const started = Date.now();
    await app.choose(fixtures.long.path);
    // The page answers while the worker decodes: the status line is readable at once.
    assert.match(await app.status(), /long\.mp3/);
    assert.equal(await app.outcome({ timeout: 180_000 }), 'failed');
    t.diagnostic(`refused after ${Date.now() - started} ms`);
    const message = await app.error();
    assert.match(message ?? '', /^"long\.mp3" runs longer than 10 minutes, the most the page analyses/);
    assert.equal(await app.errorKind(), 'too_long');
    assert.equal(await app.hasDuration(), false);
  });

  it('and the next file is analysed as usual', async () => {
    await app.choose(fixtures.mp3.path);
    assert.equal(await app.outcome(), 'done', `analysis failed: ${await app.error()}`);
    assert.equal(await app.error(), null);
    assert.equal(await app.predictions(), 'done');
    assert.equal((await app.tags()).state, 'done');
  });

  it('logs no console errors', async () => {
    assert.deepEqual(browser.watch.pageErrors, []);
    assert.deepEqual(browser.watch.consoleErrors, []);
  });
});
