// Offline and installable: after one online visit the page analyses a file with the browser
// offline (the site, the bundle and MusiCNN's weights served by its service worker), and a
// new build of the site replaces what the browser cached. Chromium itself says whether the
// page can be installed (DevTools' installability check on its web app manifest).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { assertGenreEqualsCli, assertTagsEqualCli } from '../lib/cli.mjs';
import { startApp } from '../lib/page.mjs';
import { loadFixtures, repoRoot, requireSite } from '../lib/paths.mjs';

/** Runs scripts/stamp-sw.sh on `dir`; resolves to the version it stamped. */
function stamp(dir) {
  const said = execFileSync('bash', [join(repoRoot, 'scripts', 'stamp-sw.sh'), dir], { encoding: 'utf8' });
  return /version ([0-9a-f]{16})/.exec(said)[1];
}

/** Polls `check` (run in the page, may be async) until it holds, for up to a minute. */
async function until(page, check, arg, what) {
  for (let i = 0; i < 240; i += 1) {
    if (await page.evaluate(check, arg)) return;
    await new Promise((ok) => setTimeout(ok, 250));
  }
  assert.fail(`waited a minute for ${what}`);
}

/** Waits until the page is controlled by an active service worker and its caches hold `version`. */
function cached(page, version) {
  return until(
    page,
    async (v) => {
      const sites = (await caches.keys()).filter((k) => k.startsWith('genrescope-site-'));
      return (
        navigator.serviceWorker.controller !== null &&
        sites.length === 1 &&
        (v === null || sites[0] === `genrescope-site-${v}`)
      );
    },
    version,
    `the site's cache ${version ?? ''}`,
  );
}

describe('offline, after one visit online', () => {
  const fixtures = loadFixtures();
  let server;
  let browser;
  let app;
  let close;

  before(async () => {
    ({ server, browser, app, close } = await startApp());
    await cached(app.page, null);
    await until(app.page, async () => (await caches.match('models/manifest.json')) !== undefined, null, 'the bundle');
  });

  after(async () => close?.());

  it('can be installed: Chromium finds no installability error in its manifest', async () => {
    const cdp = await browser.context.newCDPSession(app.page);
    const { errors, url } = await cdp.send('Page.getAppManifest');
    assert.match(url, /manifest\.webmanifest$/);
    assert.deepEqual(errors, []);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, []);
  });

  it('analyses a file with the network off, as the CLI does', async () => {
    await browser.context.setOffline(true);
    const asked = server.requests.length;
    await app.page.reload();
    await app.page.waitForSelector('#file', { state: 'attached', timeout: 30_000 });
    await app.choose(fixtures.mp3.path);
    assert.equal(await app.outcome(), 'done', `offline: ${await app.error()}`);
    assert.equal(await app.predictions(), 'done', 'the bundle came from the cache');
    assertGenreEqualsCli(await app.genre());
    const tags = await app.tags();
    assert.equal(tags.state, 'done');
    assertTagsEqualCli(tags);
    // Nothing the page or its workers asked for reached the server. The browser's own check for
    // a newer sw.js on navigation may (Playwright's offline emulation does not cover it; with
    // the network really off it fails quietly and the cached worker goes on).
    const reached = server.requests.slice(asked).filter((r) => !r.path.endsWith('/sw.js'));
    assert.deepEqual(reached, [], 'nothing the page asked for reached the server');
    await browser.context.setOffline(false);
  });
});

describe('a new build of the site', () => {
  let root;
  let app;
  let close;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'genrescope-site-'));
    await cp(requireSite(), root, { recursive: true });
  });

  after(async () => {
    await close?.();
    await rm(root, { recursive: true, force: true });
  });

  it('gets a version from its files: the same files the same, any change another', async () => {
    const first = stamp(root);
    assert.equal(stamp(root), first, 'stamping again changes nothing');
    ({ app, close } = await startApp({ root }));
    await cached(app.page, first);

    await appendFile(join(root, 'boot.js'), '\n// build B\n');
    const second = stamp(root);
    assert.notEqual(second, first);
    // The next visit finds the new worker; it caches the new build and drops the old one.
    await app.page.reload();
    await cached(app.page, second);
    await app.page.reload();
    await app.page.waitForSelector('#file', { state: 'attached', timeout: 30_000 });
    const boot = await app.page.evaluate(() => fetch('boot.js').then((r) => r.text()));
    assert.match(boot, /\/\/ build B/, 'the page is served the new build');
  });
});
