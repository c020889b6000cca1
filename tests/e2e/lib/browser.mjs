// Headless Debian Chromium through playwright-core, with a fresh profile per launch, and
// watchers for what the page must not do: log errors, throw, or reach beyond 127.0.0.1.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { chromiumPath } from './paths.mjs';

/** Flags that keep Chromium quiet on a closed network. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Chromium (`args`: flags beyond the quiet ones, e.g. `--enable-unsafe-webgpu`, which
 * gives headless Chromium its software WebGPU adapter; `device`: Playwright context options
 * such as a phone's `viewport`, `deviceScaleFactor`, `isMobile`, `hasTouch`, `colorScheme`).
 * Resolves to `{ context, page, watch, close() }`; `watch` collects
 * `consoleErrors`, `pageErrors`, `offsite` (requests to any host but 127.0.0.1, which are
 * aborted) and `requests` (every URL asked for).
 */
export async function launch({ args = [], device = {} } = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'genrescope-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [...FLAGS, ...args],
    viewport: { width: 1100, height: 900 },
    ...device,
  });
  const watch = { consoleErrors: [], pageErrors: [], offsite: [], requests: [] };
  await context.route(
    (url) => !isLocal(url),
    (route) => {
      watch.offsite.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  context.on('request', (request) => watch.requests.push(request.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error') watch.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => watch.pageErrors.push(String(error)));
  return {
    context,
    page,
    watch,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** data:, blob: and about: URLs never leave the machine; network URLs must go to 127.0.0.1. */
function isLocal(url) {
  if (['data:', 'blob:', 'about:'].includes(url.protocol)) return true;
  return url.hostname === '127.0.0.1';
}
