// Times the page in headless Chromium: file chosen → first genre shown, → the genre of every
// window, → every feature drawn, → MusiCNN's first tags, → every patch tagged, for each file
// given. The site is served as the specs serve it;
// give it a bundle in models/ (scripts/e2e.sh makes target/e2e-site).
//   cd tests/e2e && node time-page.mjs ../../target/e2e-site <audio file>...
import { launch } from './lib/browser.mjs';
import { serve } from './lib/server.mjs';

const [root, ...files] = process.argv.slice(2);
const server = await serve(root);
const browser = await launch();
// QUERY is added to the page's address (`?workers=1`: the one-worker path).
await browser.page.goto(server.url + (process.env.QUERY ?? ''));
await browser.page.waitForSelector('#file', { state: 'attached' });
// A visitor takes a moment to pick a song: PAUSE_MS (default 0) before the first file.
await new Promise((ok) => setTimeout(ok, Number(process.env.PAUSE_MS ?? 0)));
for (const file of files) {
  const before = Number(await browser.page.getAttribute('#status', 'data-run'));
  await browser.page.$eval('#file', (input) => { input.value = ''; });
  const t0 = Date.now();
  await browser.page.setInputFiles('#file', file);
  await browser.page.waitForFunction((n) => Number(document.querySelector('#status')?.dataset.run) > n, before);
  const any = (states) => states.map((s) => `#predictions[data-state="${s}"]`).join(', ') + ', #status[data-state="failed"]';
  await browser.page.waitForSelector(any(['partial', 'done', 'missing']), { state: 'attached', timeout: 120_000 });
  const first = Date.now();
  await browser.page.waitForSelector(any(['done', 'missing']), { state: 'attached', timeout: 120_000 });
  const t1 = Date.now();
  await browser.page.waitForSelector('canvas[data-feature="rms"], #status[data-state="failed"]', { state: 'attached', timeout: 120_000 });
  const t2 = Date.now();
  await browser.page.waitForSelector('#tags[data-state="partial"], #tags[data-state="done"], #tags[data-state="missing"], #status[data-state="failed"]', { state: 'attached', timeout: 600_000 });
  const t3 = Date.now();
  await browser.page.waitForSelector('#status[data-state="done"], #status[data-state="failed"]', { state: 'attached', timeout: 600_000 });
  const t4 = Date.now();
  const patches = await browser.page.getAttribute('#tags', 'data-patches');
  const timings = await browser.page.getAttribute('#status', 'data-timings');
  console.log(
    `${file}: first genre after ${first - t0} ms, every window's after ${t1 - t0} ms, ` +
      `every feature after ${t2 - t0} ms, first tags after ${t3 - t0} ms, ` +
      `all ${patches} patches tagged after ${t4 - t0} ms; worker steps (ms) ${timings}`,
  );
}
await browser.close();
await server.close();
