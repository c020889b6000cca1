// WebGPU: with an adapter (headless Chromium's software one, SwiftShader, behind
// --enable-unsafe-webgpu), `?backend=webgpu` runs the genre models and MusiCNN on burn-wgpu
// through the browser's WebGPU, and the page gives what the native CLI gives on flex. Without
// the query, a software adapter is passed over for flex and the page says so; on a site without
// the WebGPU worker's files, the page runs on flex and says why.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { assertGenreEqualsCli, assertTagsEqualCli } from '../lib/cli.mjs';
import { startApp } from '../lib/page.mjs';
import { artifactsDir, loadFixtures, requireSite } from '../lib/paths.mjs';

const WEBGPU = ['--enable-unsafe-webgpu'];

describe('?backend=webgpu on a browser with a WebGPU adapter', () => {
  const fixtures = loadFixtures();
  let session;

  before(async () => {
    session = await startApp({ query: '?backend=webgpu', args: WEBGPU });
    await session.app.choose(fixtures.mp3.path);
  });

  after(async () => session?.close());

  it("gives the genre genrescope gives, computed on WebGPU", async (t) => {
    const { app } = session;
    assert.equal(await app.predictions(), 'done', `no prediction: ${await app.error()}`);
    const genre = await app.genre();
    t.diagnostic(`backend: ${genre.backendNote}`);
    assert.equal(genre.backend, 'webgpu', genre.backendNote);
    assert.match(genre.backendNote, /models on WebGPU .*WebGPU on \S+/);
    // GPU kernels sum in another order than flex's: the same 1e-3 as wasm against native.
    assertGenreEqualsCli(genre);
  });

  it('tags the track with MusiCNN on WebGPU as `genrescope tag` does', async () => {
    const tags = await session.app.tags();
    assert.equal(tags.backend, 'webgpu');
    assertTagsEqualCli(tags);
    assert.match(await session.app.page.textContent('#tags-note'), / on WebGPU\./);
  });

  it('finishes the run, leaves a screenshot, and logs no errors', async (t) => {
    const { app, browser } = session;
    assert.equal(await app.outcome(), 'done', `analysis failed: ${await app.error()}`);
    await mkdir(artifactsDir, { recursive: true });
    t.diagnostic(`screenshot: ${await app.screenshot(join(artifactsDir, 'webgpu.png'))}`);
    assert.deepEqual(browser.watch.pageErrors, []);
    assert.deepEqual(browser.watch.consoleErrors, []);
    assert.deepEqual(browser.watch.offsite, []);
  });
});

describe('the same browser without the query', () => {
  const fixtures = loadFixtures();
  let session;

  before(async () => {
    session = await startApp({ args: WEBGPU });
    await session.app.choose(fixtures.mp3.path);
  });

  after(async () => session?.close());

  it('passes the software adapter over for flex, and says so', async () => {
    const { app } = session;
    assert.equal(await app.predictions(), 'done', `no prediction: ${await app.error()}`);
    const genre = await app.genre();
    assert.equal(genre.backend, 'flex');
    assert.match(genre.backendNote, /is a software one, slower than flex; \?backend=webgpu uses it anyway/);
    assertGenreEqualsCli(genre);
  });
});

describe('a site without the WebGPU worker (hosted without it, or scripts/run.sh still building it)', () => {
  const fixtures = loadFixtures();
  let session;
  let root;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'genrescope-no-gpu-worker-'));
    await cp(requireSite(), root, {
      recursive: true,
      filter: (src) => !basename(src).startsWith('genrescope-gpu-worker'),
    });
    session = await startApp({ root, query: '?backend=webgpu', args: WEBGPU });
    await session.app.choose(fixtures.mp3.path);
  });

  after(async () => {
    await session?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('analyses on flex, says why, and asks for the worker once', async () => {
    const { app, server } = session;
    assert.equal(await app.outcome(), 'done', `analysis failed: ${await app.error()}`);
    const genre = await app.genre();
    assert.equal(genre.backend, 'flex');
    assert.match(genre.backendNote, /the WebGPU worker stopped, or could not start; flex from now on/);
    assertGenreEqualsCli(genre);
    const asked = server.requests.filter((r) => r.path.includes('genrescope-gpu-worker'));
    assert.deepEqual(asked.map((r) => [basename(r.path), r.status]), [['genrescope-gpu-worker_loader.js', 404]]);
  });
});
