// An MP3 made by a real encoder (LAME, via make-mp3) is decoded in wasm: the page shows the
// duration of the whole file and a summary of every feature of its first seconds.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { DURATION_TOLERANCE_S, startApp } from '../lib/page.mjs';
import { artifactsDir, loadFixtures } from '../lib/paths.mjs';

describe('an MP3 encoded by LAME', () => {
  const fixtures = loadFixtures();
  let server;
  let browser;
  let app;

  before(async () => {
    ({ server, browser, app } = await startApp());
    await app.choose(fixtures.mp3.path);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the duration of the whole file', async () => {
    const { seconds, text } = await app.duration();
    assert.ok(
      Math.abs(seconds - fixtures.mp3.seconds) <= DURATION_TOLERANCE_S,
      `#duration says ${seconds} s, the fixture is ${fixtures.mp3.seconds} s`,
    );
    assert.match(text, /^\d+:\d\d\.\d\d$/);
  });

  it('shows its sample rate and channels', async () => {
    await app.duration();
    assert.equal(await app.format(), `${fixtures.mp3.sample_rate} Hz, stereo`);
  });

  it(`summarises every feature of the first ${fixtures.summary.seconds} s`, async () => {
    const outcome = await app.outcome();
    assert.equal(outcome, 'done', `analysis failed: ${await app.error()}`);
    assert.equal(await app.error(), null);
    const rows = await app.summary();
    assert.deepEqual(
      rows.map((r) => r.name),
      fixtures.summary.features.map((f) => f.name),
      'one row per feature, in the registry order',
    );
    for (const [row, expected] of rows.map((r, i) => [r, fixtures.summary.features[i]])) {
      assert.deepEqual(row.shape, expected.shape, `${row.name}: shape`);
      for (const stat of ['min', 'mean', 'max']) {
        assert.ok(Number.isFinite(row[stat]), `${row.name}: ${stat} is ${row[stat]}`);
      }
      assert.ok(row.min <= row.mean && row.mean <= row.max, `${row.name}: min <= mean <= max`);
      assert.ok(row.min < row.max, `${row.name}: not constant on music`);
    }
    assert.match(await app.status(), /decoded in .*, features in /);
  });

  it('leaves a screenshot', async (t) => {
    await app.outcome();
    await mkdir(artifactsDir, { recursive: true });
    const path = await app.screenshot(join(artifactsDir, 'analyse-mp3.png'));
    t.diagnostic(`screenshot: ${path}`);
    console.log(`screenshot: ${path}`);
  });

  it('logs no console errors and throws nothing', async () => {
    await app.outcome();
    assert.deepEqual(browser.watch.pageErrors, []);
    assert.deepEqual(browser.watch.consoleErrors, []);
  });

  it('loads everything from its own sub-path and nothing beyond 127.0.0.1', async () => {
    await app.outcome();
    assert.deepEqual(browser.watch.offsite, []);
    const asked = server.requests.map((r) => `${r.status} ${r.path}`);
    assert.ok(
      server.requests.some((r) => r.path.endsWith('.wasm') && r.status === 200),
      `the wasm came from the sub-path: ${asked.join(', ')}`,
    );
    const base = new URL(server.url).pathname;
    assert.deepEqual(
      server.requests.filter((r) => !r.path.startsWith(base) || r.status !== 200),
      [],
      'every request stayed under the sub-path and succeeded',
    );
  });
});
