// An MP3 made by a real encoder (LAME, via make-mp3) is dropped on the page served with a demo
// bundle: the page decodes it, draws every feature of the whole track, and gives the genre the
// native CLI gives it (`genrescope artifacts --models`), with the features equal to
// `genrescope features`' files for the same MP3.
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  assertDownloadEqualsCli,
  assertGenreEqualsCli,
  assertModelEqualsCli,
  assertTagsEqualCli,
  cliFeatures,
} from '../lib/cli.mjs';
import { readNpy } from '../lib/npy.mjs';
import { DURATION_TOLERANCE_S, startApp } from '../lib/page.mjs';
import { artifactsDir, cliDir, loadFixtures } from '../lib/paths.mjs';

describe('an MP3 encoded by LAME, with the demo bundle', () => {
  const fixtures = loadFixtures();
  let server;
  let browser;
  let app;
  let chosenAt;
  let predictedMs;

  before(async () => {
    ({ server, browser, app } = await startApp());
    chosenAt = Date.now();
    await app.choose(fixtures.mp3.path);
    await app.page.waitForSelector('#predictions[data-state="partial"], #predictions[data-state="done"]', {
      state: 'attached',
      timeout: 120_000,
    });
    predictedMs = Date.now() - chosenAt;
    assert.equal(await app.predictions(), 'done', `no prediction: ${await app.error()}`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the duration and format of the whole file', async () => {
    const { seconds, text } = await app.duration();
    assert.ok(
      Math.abs(seconds - fixtures.mp3.seconds) <= DURATION_TOLERANCE_S,
      `#duration says ${seconds} s, the fixture is ${fixtures.mp3.seconds} s`,
    );
    assert.match(text, /^\d+:\d\d\.\d\d$/);
    assert.equal(await app.format(), `${fixtures.mp3.sample_rate} Hz, stereo`);
  });

  it("gives the genre genrescope gives, over the CLI's windows, on flex", async (t) => {
    const genre = await app.genre();
    t.diagnostic(`upload to first genre: ${predictedMs} ms; genre ${genre.top} on ${genre.backend}`);
    console.log(`upload to first genre: ${predictedMs} ms`);
    assertGenreEqualsCli(genre);
    // Chromium without --enable-unsafe-webgpu offers no adapter: flex, and the page says why.
    assert.equal(genre.backend, 'flex');
    assert.match(genre.backendNote, /flex \(CPU\).*WebGPU not used: the browser offers no WebGPU adapter/);
  });

  it("gives the musicnn head's genre from the page's own MusiCNN run, equal to genrescope's within 1e-4", async () => {
    const genre = await app.genre();
    // The head reads the patches MusiCNN tagged for #tags: no second run of the network.
    assertModelEqualsCli(genre, 'musicnn', { tolerance: 1e-4 });
    assert.ok(genre.models.length > 1, 'the head is one of the ensemble');
  });

  it('says plainly that the demo bundle learnt from synthesised music', async () => {
    const { dataset } = await app.genre();
    assert.ok(dataset, 'no #dataset note');
    assert.equal(dataset.synthesised, true);
    assert.match(dataset.text, /synthesised demo tracks.*not on real music/);
  });

  it('draws every feature of the whole track, equal to the CLI', async () => {
    assert.equal(await app.outcome(), 'done', `analysis failed: ${await app.error()}`);
    const canvases = await app.canvases();
    const expected = cliFeatures().features.map((f) => f.feature);
    assert.deepEqual(canvases.map((c) => c.name), expected, 'one canvas per feature, in order');
    for (const c of canvases) {
      assert.ok(c.colours > 20, `${c.name}: blank canvas (${c.colours} colours)`);
      const cli = readNpy(join(cliDir, 'features', `${c.name}.npy`));
      assert.deepEqual(c.stats.shape, cli.shape, `${c.name}: shape`);
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of cli.data) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      let sum = 0;
      for (const v of cli.data) sum += v;
      const mean = sum / cli.data.length;
      // wasm and native run the same Rust, but native FFTs use AVX and wasm's do not, so the
      // last bits differ: every feature agrees to 1e-4 of its range, value by value.
      // spectral_contrast's top band (6.4–11 kHz) is the exception: its valleys are 2 %
      // quantiles of bins near Nyquist, in the resampler's stop band, where the power is
      // rounding noise and its dB swing freely; there only the mean is compared, the six lower
      // bands value by value; both to 1e-3 of its range (its librosa contract's order), as a
      // quantile of bins can step where a bin's last bits differ.
      const range = Math.max(hi - lo, 1e-3);
      const contrast = c.name === 'spectral_contrast';
      const tol = (contrast ? 1e-3 : 1e-4) * range + 1e-6;
      const frames = cli.shape[1] ?? cli.data.length;
      const compared = (i) => !(contrast && Math.floor(i / frames) === 6);
      if (!contrast) {
        assert.ok(Math.abs(c.stats.min - lo) <= tol, `${c.name}: min ${c.stats.min} vs ${lo}`);
        assert.ok(Math.abs(c.stats.max - hi) <= tol, `${c.name}: max ${c.stats.max} vs ${hi}`);
      }
      const meanTol = (contrast ? 1e-3 : 1e-4) * range + 1e-6;
      assert.ok(Math.abs(c.stats.mean - mean) <= meanTol, `${c.name}: mean ${c.stats.mean} vs ${mean}`);
      const probes = c.stats.probes.filter(([i]) => compared(i));
      assert.ok(probes.length >= 24, `${c.name}: ${probes.length} probes compared`);
      for (const [i, v] of probes) {
        assert.ok(Math.abs(v - cli.data[i]) <= tol, `${c.name}[${i}]: page ${v}, CLI ${cli.data[i]}`);
      }
    }
  });

  it("tags the track with MusiCNN as `genrescope tag` does", async () => {
    const tags = await app.tags();
    // The same Rust and weights in wasm and natively; the FFTs' last bits differ (see above).
    assertTagsEqualCli(tags);
    assert.equal(tags.backend, 'flex');
  });

  it('moves the playheads with the player and seeks on a click', async () => {
    const mel = app.page.locator('canvas[data-feature="mel"]');
    const box = await mel.boundingBox();
    await mel.click({ position: { x: box.width * 0.6, y: box.height * 0.5 } });
    await app.page.waitForFunction(() => document.querySelector('#player')?.currentTime > 1);
    const t = await app.page.$eval('#player', (a) => a.currentTime);
    assert.ok(t > 1 && t < fixtures.mp3.seconds, `the click sought to ${t} s`);
    const left = await app.page.$eval('canvas[data-feature="mel"] + .playhead', (p) => parseFloat(p.style.left));
    assert.ok(left > 30 && left < 95, `the playhead sits at ${left} %`);
    await app.page.$eval('#player', (a) => a.pause());
  });

  it('zooms into the waveform around the playhead', async () => {
    const t = await app.page.$eval('#player', (a) => a.currentTime);
    const range = () =>
      app.page.$eval('#waveform-zoom', (c) => [Number(c.dataset.start), Number(c.dataset.end)]);
    await app.page.waitForFunction(
      (at) => {
        const c = document.querySelector('#waveform-zoom');
        return c && Number(c.dataset.start) <= at && at <= Number(c.dataset.end);
      },
      t,
      { timeout: 10_000 },
    );
    let [start, end] = await range();
    assert.ok(Math.abs(end - start - 2) < 1e-3, `a 2 s window at first: ${start}–${end}`);
    await app.page.click('#zoom-in');
    await app.page.waitForFunction(() => {
      const c = document.querySelector('#waveform-zoom');
      return Number(c.dataset.end) - Number(c.dataset.start) < 1.5;
    });
    [start, end] = await range();
    assert.ok(Math.abs(end - start - 1) < 1e-3, `zoomed in to 1 s: ${start}–${end}`);
    assert.ok(start <= t && t <= end, `the playhead (${t} s) stays inside ${start}–${end}`);
    const colours = await app.page.$eval('#waveform-zoom', (c) => {
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const seen = new Set();
      for (let i = 0; i < px.length; i += 4 * 3) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
      return seen.size;
    });
    assert.ok(colours > 5, `the zoomed waveform is drawn (${colours} colours)`);
  });

  it('downloads the analysis with the fields and figures of `genrescope artifacts`', async () => {
    assert.equal((await app.tags()).state, 'done');
    const [download] = await Promise.all([app.page.waitForEvent('download'), app.page.click('#download-json')]);
    assert.equal(download.suggestedFilename(), 'fixture.genrescope.json');
    const doc = JSON.parse(await readFile(await download.path(), 'utf8'));
    assert.equal(doc.file.name, 'fixture.mp3');
    assert.ok(Math.abs(doc.file.duration_seconds - fixtures.mp3.seconds) <= DURATION_TOLERANCE_S);
    assert.equal(doc.file.sample_rate, fixtures.mp3.sample_rate);
    assert.ok(doc.timings.total > 0, JSON.stringify(doc.timings));
    assertDownloadEqualsCli(doc);
  });

  it('saves a plot as a PNG of what its canvas shows', async () => {
    const [download] = await Promise.all([
      app.page.waitForEvent('download'),
      app.page.click('.save-png[data-feature="mel"]'),
    ]);
    assert.equal(download.suggestedFilename(), 'fixture-mel.png');
    const png = await readFile(await download.path());
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    const canvas = await app.page.$eval('canvas[data-feature="mel"]', (c) => [c.width, c.height]);
    assert.deepEqual([width, height], canvas, "the PNG is the canvas's size");
  });

  it('leaves a screenshot', async (t) => {
    await mkdir(artifactsDir, { recursive: true });
    const path = await app.screenshot(join(artifactsDir, 'analyse-mp3.png'));
    t.diagnostic(`screenshot: ${path}`);
  });

  it('logs no console errors and throws nothing', async () => {
    assert.deepEqual(browser.watch.pageErrors, []);
    assert.deepEqual(browser.watch.consoleErrors, []);
  });

  it('loads everything from its own sub-path and nothing beyond 127.0.0.1', async () => {
    assert.deepEqual(browser.watch.offsite, []);
    const asked = server.requests.map((r) => `${r.status} ${r.path}`);
    for (const needed of ['.wasm', 'genrescope-worker_loader.js', 'models/manifest.json', 'models/mel.bpk', 'musicnn/msd_musicnn.bpk']) {
      assert.ok(
        server.requests.some((r) => r.path.endsWith(needed) && r.status === 200),
        `${needed} came from the sub-path: ${asked.join(', ')}`,
      );
    }
    const base = new URL(server.url).pathname;
    assert.deepEqual(
      server.requests.filter((r) => !r.path.startsWith(base) || r.status !== 200),
      [],
      'every request stayed under the sub-path and succeeded',
    );
  });
});
