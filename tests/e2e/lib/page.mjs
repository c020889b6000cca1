// The Genrescope page as the specs use it (a page object over the stable test ids).
import { launch } from './browser.mjs';
import { requireSite } from './paths.mjs';
import { serve } from './server.mjs';

export class GenrescopePage {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page;
  }

  /** Loads the site and waits until the app has mounted. */
  async open(url) {
    await this.page.goto(url);
    await this.page.waitForSelector('#file', { state: 'attached', timeout: 30_000 });
    return this;
  }

  /** Chooses `path` in `#file` and waits until the page has started a run for it. */
  async choose(path) {
    const before = await this.run();
    await this.page.setInputFiles('#file', path);
    await this.page.waitForFunction(
      (n) => Number(document.querySelector('#status')?.dataset.run) > n,
      before,
      { timeout: 10_000 },
    );
  }

  /** The number of the current run (`#status[data-run]`). */
  async run() {
    return Number(await this.page.getAttribute('#status', 'data-run'));
  }

  /** Waits for the run to end; resolves to `done` or `failed`. */
  async outcome({ timeout = 120_000 } = {}) {
    await this.page.waitForSelector(
      '#status[data-state="done"], #status[data-state="failed"]',
      { state: 'attached', timeout },
    );
    return this.page.getAttribute('#status', 'data-state');
  }

  /** Waits for `#duration`; resolves to its exact seconds (`data-seconds`) and its text. */
  async duration({ timeout = 60_000 } = {}) {
    const element = await this.page.waitForSelector('#duration', { timeout });
    return {
      seconds: Number(await element.getAttribute('data-seconds')),
      text: (await element.textContent()).trim(),
    };
  }

  /** Whether `#duration` is on the page now. */
  async hasDuration() {
    return (await this.page.$('#duration')) !== null;
  }

  /** The text of `#format`. */
  async format() {
    return (await this.page.textContent('#format')).trim();
  }

  /** The message in `#error`, or null while it is hidden. */
  async error() {
    return this.page.$eval('#error', (el) => (el.hidden ? null : el.textContent.trim()));
  }

  /** The kind of the error in `#error` (its `data-kind`: `decode`, `too_long`, …), or null. */
  async errorKind() {
    return this.page.$eval('#error', (el) => (el.hidden ? null : el.dataset.kind ?? null));
  }

  /** The text of `#status`. */
  async status() {
    return (await this.page.textContent('#status')).trim();
  }

  /**
   * Waits for `#predictions` to settle; resolves to its `data-state` (`done` or `missing`).
   * A bundle with a `musicnn` model settles only after MusiCNN has run on every patch, so the
   * bound is `tags()`'s: on SwiftShader's WebGPU that run alone takes minutes on 2 cores.
   */
  async predictions({ timeout = 300_000 } = {}) {
    await this.page.waitForSelector(
      '#predictions[data-state="done"], #predictions[data-state="missing"]',
      { state: 'attached', timeout },
    );
    return this.page.getAttribute('#predictions', 'data-state');
  }

  /** The track's genre (`#predictions[data-top]`), its backend, and the timeline's windows. */
  async genre() {
    return this.page.$eval('#predictions', (el) => ({
      top: el.dataset.top,
      backend: el.dataset.backend,
      backendNote: document.querySelector('#backend')?.textContent ?? '',
      windows: Number(document.querySelector('#timeline')?.dataset.windows),
      genres: [...el.querySelectorAll('.genres li')].map((li) => ({
        genre: li.dataset.genre,
        probability: Number(li.dataset.probability),
      })),
      models: [...el.querySelectorAll('tr[data-model]')].map((tr) => ({
        feature: tr.dataset.model,
        genre: tr.querySelector('td')?.textContent ?? '',
        probabilities: tr.dataset.probabilities.split(',').map(Number),
      })),
      dataset: document.querySelector('#dataset')
        ? {
            synthesised: document.querySelector('#dataset').dataset.synthesised === 'true',
            text: document.querySelector('#dataset').textContent,
          }
        : null,
    }));
  }

  /**
   * Waits for MusiCNN's tags (`#tags`) to settle; resolves to `{ state, model, topTag,
   * topGenre, patches, mean, segments }` (`mean`: the 50 activations, `segments`: the tag
   * timeline's patches).
   */
  async tags({ timeout = 300_000 } = {}) {
    await this.page.waitForSelector('#tags[data-state="done"], #tags[data-state="missing"]', {
      state: 'attached',
      timeout,
    });
    return this.page.$eval('#tags', (el) => ({
      state: el.dataset.state,
      model: el.dataset.model,
      topTag: el.dataset.topTag,
      topGenre: el.dataset.topGenre,
      backend: el.dataset.backend,
      patches: Number(el.dataset.patches),
      mean: (el.dataset.mean ?? '').split(',').filter(Boolean).map(Number),
      segments: [...el.querySelectorAll('#tag-timeline .segment')].map((s) => s.dataset.tag),
    }));
  }

  /**
   * Every feature canvas: `{ name, stats, colours, width, height }`, where `stats` is its
   * `data-stats` and `colours` the number of distinct colours drawn on it.
   */
  async canvases() {
    return this.page.$$eval('canvas[data-feature]', (canvases) =>
      canvases.map((c) => {
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const colours = new Set();
        for (let i = 0; i < px.length; i += 4 * 7) colours.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
        return {
          name: c.dataset.feature,
          stats: JSON.parse(c.dataset.stats),
          colours: colours.size,
          width: c.width,
          height: c.height,
        };
      }),
    );
  }

  /** Saves a full-page screenshot to `path`. */
  async screenshot(path) {
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }
}

/** Gapless decoding gives the exact length; allow about one MP3 frame (1152 / 44100 s). */
export const DURATION_TOLERANCE_S = 0.03;

/**
 * Serves the site on 127.0.0.1, launches Chromium and opens the app: what every spec starts
 * with. `root` is the site's folder: by default the built site with the test bundle in
 * `models/` (scripts/e2e.sh makes it), else e.g. `requireDist()` for the site without one.
 * `query` is added to the page's address (`?backend=webgpu`), `args` to Chromium's flags,
 * `device` to its context (a phone's viewport, pixel ratio, touch; a colour scheme). Resolves to `{ server, browser, app, close() }`.
 */
export async function startApp({ root = requireSite(), query = '', args = [], device = {} } = {}) {
  const server = await serve(root);
  const browser = await launch({ args, device });
  const app = await new GenrescopePage(browser.page).open(server.url + query);
  return {
    server,
    browser,
    app,
    close: async () => {
      await browser?.close();
      await server?.close();
    },
  };
}
