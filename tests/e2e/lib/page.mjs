// The Genrescope page as the specs use it (a page object over the stable test ids).
import { launch } from './browser.mjs';
import { requireDist } from './paths.mjs';
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

  /** The text of `#status`. */
  async status() {
    return (await this.page.textContent('#status')).trim();
  }

  /** The rows of `#summary`: `{ name, shape: number[], min, mean, max, text: string[] }`. */
  async summary() {
    return this.page.$$eval('#summary tbody tr[data-feature]', (rows) =>
      rows.map((row) => {
        const value = (cls) => Number(row.querySelector(`.${cls}`).dataset.value);
        return {
          name: row.dataset.feature,
          shape: row.querySelector('.shape').dataset.shape.split(',').map(Number),
          min: value('min'),
          mean: value('mean'),
          max: value('max'),
          text: [...row.children].map((cell) => cell.textContent.trim()),
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
 * Serves dist/ on 127.0.0.1, launches Chromium and opens the app: what every spec starts with.
 * Resolves to `{ server, browser, app, close() }`.
 */
export async function startApp() {
  const server = await serve(requireDist());
  const browser = await launch();
  const app = await new GenrescopePage(browser.page).open(server.url);
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
