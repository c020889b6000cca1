// The page for everyone: after analysing the MP3 fixture with the demo bundle, on a desktop and
// on 360 px and 320 px phones (light, and dark with reduced motion), axe-core — the engine the
// browsers' own accessibility tools use — finds no WCAG 2.1 A/AA violation, nothing is wider
// than the screen, the plots are drawn at the screen's pixel density with a text alternative
// in words, and every control can be reached and used from the keyboard.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { violations } from '../lib/axe.mjs';
import { startApp } from '../lib/page.mjs';
import { artifactsDir, loadFixtures } from '../lib/paths.mjs';

const PHONE = { isMobile: true, hasTouch: true };
const VIEWS = [
  { name: 'desktop', device: {} },
  { name: 'phone-360', device: { ...PHONE, viewport: { width: 360, height: 740 }, deviceScaleFactor: 3 } },
  { name: 'phone-320', device: { ...PHONE, viewport: { width: 320, height: 568 }, deviceScaleFactor: 2 } },
  {
    name: 'phone-360-dark',
    device: {
      ...PHONE,
      viewport: { width: 360, height: 740 },
      deviceScaleFactor: 3,
      colorScheme: 'dark',
      reducedMotion: 'reduce',
    },
  },
];

/** Elements whose box reaches past the right edge of the viewport, and the page's own width. */
function overflow(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wider = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 0.5 && el.getClientRects().length > 0)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${[...el.classList].join('.')} ends at ${Math.round(el.getBoundingClientRect().right)} px`);
    return { width, scrollWidth: document.documentElement.scrollWidth, wider };
  });
}

for (const view of VIEWS) {
  describe(`the analysed page, ${view.name}`, () => {
    const fixtures = loadFixtures();
    let app;
    let close;

    before(async () => {
      ({ app, close } = await startApp({ device: view.device }));
      await app.choose(fixtures.mp3.path);
      assert.equal(await app.outcome(), 'done', `analysis failed: ${await app.error()}`);
      assert.equal(await app.predictions(), 'done');
      assert.equal((await app.tags()).state, 'done');
      // What is folded away is checked too: each model's verdict.
      await app.page.$$eval('details', (all) => all.forEach((d) => (d.open = true)));
    });

    after(async () => close?.());

    it('has no WCAG 2.1 A or AA violation (axe-core)', async () => {
      assert.deepEqual(await violations(app.page), []);
    });

    if (view.device.colorScheme === 'dark') {
      it('follows the dark colour scheme, with the plots on their white ground', async () => {
        const [page, plot] = await app.page.evaluate(() => [
          getComputedStyle(document.body).backgroundColor,
          (() => {
            const c = document.querySelector('canvas[data-feature="mel"]');
            return [...c.getContext('2d').getImageData(2, 2, 1, 1).data].slice(0, 3);
          })(),
        ]);
        const [r, g, b] = page.match(/\d+/g).map(Number);
        assert.ok(r + g + b < 3 * 64, `the page's ground is ${page}`);
        assert.deepEqual(plot, [255, 255, 255], 'the plot keeps its white ground');
      });
    }

    it(`${view.device.reducedMotion ? 'stops' : 'turns'} the busy spinner as the motion setting asks`, async () => {
      const animation = await app.page.evaluate(() => {
        const status = document.querySelector('#status');
        status.classList.add('busy');
        const name = getComputedStyle(status, '::before').animationName;
        status.classList.remove('busy');
        return name;
      });
      assert.equal(animation, view.device.reducedMotion === 'reduce' ? 'none' : 'spin');
    });

    it('is no wider than the screen', async () => {
      const { width, scrollWidth, wider } = await overflow(app.page);
      assert.deepEqual(wider, [], `the viewport is ${width} px wide`);
      assert.ok(scrollWidth <= width, `the page scrolls sideways: ${scrollWidth} px in ${width} px`);
    });

    it("draws each plot at the screen's pixel density, with its figures in words", async () => {
      const plots = await app.page.$$eval('canvas[data-feature]', (canvases) =>
        canvases.map((c) => ({
          name: c.dataset.feature,
          stats: JSON.parse(c.dataset.stats),
          backing: [c.width, c.height],
          css: [c.clientWidth, c.clientHeight],
          ratio: window.devicePixelRatio,
          description: (c.getAttribute('aria-describedby') ?? '')
            .split(' ')
            .map((id) => document.getElementById(id)?.textContent ?? '')
            .join(' '),
          label: c.getAttribute('aria-label') ?? '',
        })),
      );
      assert.equal(plots.length, 16);
      const expectedRatio = view.device.deviceScaleFactor ?? 1;
      for (const p of plots) {
        assert.equal(p.ratio, expectedRatio);
        for (const axis of [0, 1]) {
          assert.ok(
            Math.abs(p.backing[axis] - p.css[axis] * p.ratio) <= p.ratio + 1,
            `${p.name}: ${p.backing} drawing pixels for ${p.css} CSS pixels at ${p.ratio}×`,
          );
        }
        assert.ok(p.label.length > 0, `${p.name}: no aria-label`);
        const { shape, min, max, mean } = p.stats;
        const words = p.description;
        assert.ok(words.includes(shape.join(' × ')), `${p.name}: "${words}" lacks its shape ${shape}`);
        for (const [word, value] of [['from', min], ['to', max], ['mean', mean]]) {
          const said = Number(new RegExp(`\\b${word} (-?\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?)`).exec(words)?.[1]);
          assert.ok(
            Math.abs(said - value) <= 1e-3 * Math.max(1, Math.abs(value)),
            `${p.name}: "${words}" says ${word} ${said}, data-stats ${value}`,
          );
        }
      }
    });

    it('announces the result in its live region', async () => {
      const { top } = await app.genre();
      const { topTag } = await app.tags();
      const live = await app.page.$eval('#announce', (el) => ({
        live: el.getAttribute('aria-live') ?? (el.getAttribute('role') === 'status' ? 'polite' : null),
        text: el.textContent,
      }));
      assert.equal(live.live, 'polite');
      assert.ok(live.text.includes(top), `"${live.text}" does not name the genre ${top}`);
      assert.ok(live.text.includes(topTag), `"${live.text}" does not name the top tag ${topTag}`);
    });

    it('leaves a screenshot', async (t) => {
      await mkdir(artifactsDir, { recursive: true });
      t.diagnostic(await app.screenshot(join(artifactsDir, `everyone-${view.name}.png`)));
    });

    if (view.device.hasTouch) {
      it('seeks where a plot is tapped', async () => {
        const mel = app.page.locator('canvas[data-feature="mel"]');
        await mel.scrollIntoViewIfNeeded();
        const box = await mel.boundingBox();
        await mel.tap({ position: { x: box.width * 0.6, y: box.height * 0.5 } });
        await app.page.waitForFunction(() => document.querySelector('#player')?.currentTime > 1, null, {
          timeout: 10_000,
        });
        await app.page.$eval('#player', (a) => a.pause());
      });
    } else {
      it('reaches every control with Tab, and seeks a plot with the arrow keys', async () => {
        const reached = new Set();
        await app.page.focus('body');
        for (let i = 0; i < 120; i += 1) {
          await app.page.keyboard.press('Tab');
          const at = await app.page.evaluate(() => {
            const el = document.activeElement;
            return el?.dataset?.feature ?? el?.id ?? '';
          });
          if (at) reached.add(at);
        }
        const seekable = await app.page.$$eval('canvas.seekable', (cs) => cs.map((c) => c.dataset.feature ?? c.id));
        for (const id of ['file', 'player', 'zoom-in', 'zoom-out', ...seekable]) {
          assert.ok(reached.has(id), `Tab never reaches ${id} (reached: ${[...reached].join(', ')})`);
        }
        const time = () => app.page.$eval('#player', (a) => a.currentTime);
        const mel = app.page.locator('canvas[data-feature="mel"]');
        await mel.focus();
        await app.page.keyboard.press('Home');
        await app.page.waitForFunction(() => document.querySelector('#player').currentTime < 0.5);
        await app.page.keyboard.press('ArrowRight');
        await app.page.keyboard.press('ArrowRight');
        await app.page.waitForFunction(() => document.querySelector('#player').currentTime >= 1.5);
        await app.page.$eval('#player', (a) => a.pause());
        const [now, said] = [await time(), Number(await mel.getAttribute('aria-valuenow'))];
        assert.ok(Math.abs(said - now) < 0.3, `the plot says ${said} s, the player is at ${now} s`);
        await app.page.keyboard.press('End');
        await app.page.waitForFunction(
          (end) => document.querySelector('#player').currentTime >= end - 0.5,
          fixtures.mp3.seconds,
        );
        await app.page.$eval('#player', (a) => a.pause());
      });
    }
  });
}
