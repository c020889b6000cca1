// The page's pool of analysis workers: a track's windows, features and MusiCNN patches shared
// by several workers give exactly what one worker gives (`?workers=1`); a worker that dies in
// the middle (`?fault=die-on-patches`: the pool's first workers panic on their first patch
// share) is replaced and its share run again; a second file chosen while the first is in
// flight is analysed as if it came alone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertTagsEqualCli } from '../lib/cli.mjs';
import { startApp } from '../lib/page.mjs';
import { loadFixtures } from '../lib/paths.mjs';

/** Everything the page shows of a finished run, to compare two runs value by value. */
async function results(app) {
  assert.equal(await app.outcome(), 'done', `analysis failed: ${await app.error()}`);
  // The note says how long the first genre took: the one thing allowed to differ.
  const { backendNote, ...genre } = await app.genre();
  assert.match(backendNote, /17 models on flex/);
  return {
    genre,
    tags: await app.tags(),
    features: (await app.canvases()).map((c) => ({ name: c.name, stats: c.stats })),
    workers: Number(await app.page.getAttribute('#status', 'data-workers')),
  };
}

/** Opens the page with `query`, collecting the page's notes of workers that stopped. */
async function open(query) {
  const started = await startApp({ query });
  started.stopped = [];
  started.browser.page.on('console', (m) => {
    if (m.type() === 'warning' && /analysis worker \d+ stopped/.test(m.text())) started.stopped.push(m.text());
  });
  return started;
}

describe('the pool of analysis workers', () => {
  const fixtures = loadFixtures();
  const opened = [];
  let alone;

  before(async () => {
    const one = await open('?workers=1');
    opened.push(one);
    await one.app.choose(fixtures.mp3.path);
    alone = await results(one.app);
  });

  after(async () => {
    for (const o of opened) await o.close();
  });

  it('shares a track among the workers and gives what one worker gives', async (t) => {
    assert.equal(alone.workers, 1);
    for (const n of [2, 3]) {
      const pool = await open(`?workers=${n}`);
      opened.push(pool);
      await pool.app.choose(fixtures.mp3.path);
      const shared = await results(pool.app);
      t.diagnostic(`${n} workers started, ${shared.workers} ran a share`);
      assert.ok(shared.workers >= 2, `${shared.workers} of ${n} workers ran a share`);
      // The same wasm on the same samples: equal, not merely close.
      assert.deepEqual(shared.genre, alone.genre);
      assert.deepEqual(shared.tags, alone.tags);
      assert.deepEqual(shared.features, alone.features);
      assertTagsEqualCli(shared.tags);
      assert.deepEqual(pool.browser.watch.consoleErrors, []);
      assert.deepEqual(pool.browser.watch.pageErrors, []);
    }
  });

  it('replaces a worker that dies and runs its share again', async (t) => {
    const pool = await open('?workers=2&fault=die-on-patches');
    opened.push(pool);
    await pool.app.choose(fixtures.mp3.path);
    const survived = await results(pool.app);
    t.diagnostic(pool.stopped.join(' | '));
    // Both first workers died on their first patch share; their replacements finished.
    assert.ok(pool.stopped.length >= 1, 'no worker stopped: the fault did not fire');
    assert.equal(pool.browser.page.workers().length, 2, 'the pool is back to 2 workers');
    assert.ok(pool.browser.watch.consoleErrors.some((e) => /die-on-patches/.test(e)));
    assert.deepEqual(survived.tags, alone.tags);
    assert.deepEqual(survived.genre, alone.genre);
    assert.deepEqual(survived.features, alone.features);
    assert.equal(await pool.app.error(), null);
  });

  it('analyses a second file chosen while the first is in flight', async () => {
    const pool = await open('?workers=2');
    opened.push(pool);
    await pool.app.choose(fixtures.mp3.path);
    // The first file is decoded: its shares are about to go out, or going.
    await pool.app.duration();
    assert.notEqual(await pool.app.page.getAttribute('#status', 'data-state'), 'done');
    // The same file again: the input must change for the page to hear of it.
    await pool.app.page.$eval('#file', (input) => { input.value = ''; });
    await pool.app.choose(fixtures.mp3.path);
    const second = await results(pool.app);
    assert.equal(await pool.app.run(), 2);
    // Nothing of the first run leaked into the second: every feature once, the same results.
    assert.deepEqual(second.features, alone.features);
    assert.deepEqual(second.tags, alone.tags);
    assert.deepEqual(second.genre, alone.genre);
    assert.deepEqual(pool.browser.watch.consoleErrors, []);
  });
});
