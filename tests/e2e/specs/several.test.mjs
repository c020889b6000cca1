// Several songs at once: three files chosen together (and three dropped together) (the LAME fixture, a copy of it under
// another name, and the corrupt MP3) are analysed one after another into #queue's table: each
// good row gives the genre and tags the CLI gives, the bad one its message; the table sorts,
// saves as CSV with the same rows, and a row opens in the detailed view. A folder chosen whole
// (`#folder`) queues its audio files at any depth and leaves the others out.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { violations } from '../lib/axe.mjs';
import { cliTags, cliTimeline } from '../lib/cli.mjs';
import { DURATION_TOLERANCE_S, startApp } from '../lib/page.mjs';
import { artifactsDir, loadFixtures } from '../lib/paths.mjs';

/** The rows of `#queue` as shown, top to bottom. */
function table(page) {
  return page.$$eval('#queue tbody tr', (rows) =>
    rows.map((tr) => ({
      file: tr.dataset.file,
      state: tr.dataset.state,
      seconds: Number(tr.querySelector('[data-seconds]')?.dataset.seconds ?? NaN),
      genre: tr.querySelector('[data-genre]')?.dataset.genre ?? null,
      tags: (tr.querySelector('[data-tags]')?.dataset.tags ?? '').split(',').filter(Boolean),
      said: tr.lastElementChild.textContent,
    })),
  );
}

/** Waits until every row of `#queue` has ended, done or failed. */
function settled(page) {
  return page.waitForFunction(
    () => {
      const rows = [...document.querySelectorAll('#queue tbody tr')];
      return rows.length > 0 && rows.every((tr) => ['done', 'failed'].includes(tr.dataset.state));
    },
    null,
    { timeout: 300_000 },
  );
}

/** RFC 4180 CSV: rows of fields (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  return rows;
}

describe('three files chosen at once', () => {
  const fixtures = loadFixtures();
  let dir;
  let app;
  let close;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'genrescope-several-'));
    const files = ['fixture.mp3', 'second.mp3', 'corrupt.mp3'].map((name) => join(dir, name));
    await copyFile(fixtures.mp3.path, files[0]);
    await copyFile(fixtures.mp3.path, files[1]);
    await copyFile(fixtures.corrupt.path, files[2]);
    ({ app, close } = await startApp());
    await app.page.setInputFiles('#file', files);
    await settled(app.page);
  });

  after(async () => {
    await close?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('analyses them one after another into a row each, as the CLI does', async () => {
    const rows = await table(app.page);
    assert.deepEqual(rows.map((r) => [r.file, r.state]), [
      ['fixture.mp3', 'done'],
      ['second.mp3', 'done'],
      ['corrupt.mp3', 'failed'],
    ]);
    const timeline = cliTimeline();
    const tags = cliTags();
    const strongest = tags.tags
      .map((tag, i) => [tag, tags.mean[i]])
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([tag]) => tag);
    for (const r of rows.slice(0, 2)) {
      assert.ok(Math.abs(r.seconds - fixtures.mp3.seconds) <= DURATION_TOLERANCE_S, `${r.file}: ${r.seconds} s`);
      assert.equal(r.genre, timeline.track.top, r.file);
      assert.deepEqual(r.tags, strongest, r.file);
    }
    assert.match(rows[2].said, /^could not decode "corrupt\.mp3": \S/);
  });

  it('sorts by a column, both ways, saying so in aria-sort', async () => {
    const names = async () => (await table(app.page)).map((r) => r.file);
    await app.page.click('button.sort[data-sort="file"]');
    assert.deepEqual(await names(), ['corrupt.mp3', 'fixture.mp3', 'second.mp3']);
    assert.equal(await app.page.getAttribute('th:has(> button[data-sort="file"])', 'aria-sort'), 'ascending');
    await app.page.click('button.sort[data-sort="file"]');
    assert.deepEqual(await names(), ['second.mp3', 'fixture.mp3', 'corrupt.mp3']);
    assert.equal(await app.page.getAttribute('th:has(> button[data-sort="file"])', 'aria-sort'), 'descending');
  });

  it('saves the table as CSV with the same rows', async () => {
    const [download] = await Promise.all([app.page.waitForEvent('download'), app.page.click('#queue-csv')]);
    assert.equal(download.suggestedFilename(), 'genrescope-files.csv');
    const [header, ...rows] = parseCsv(await readFile(await download.path(), 'utf8'));
    assert.deepEqual(header, ['file', 'duration_seconds', 'genre', 'genre_probability', 'top_tags', 'state', 'error']);
    const shown = await table(app.page);
    // The CSV keeps the order the files came in.
    assert.deepEqual(rows.map((r) => r[0]), ['fixture.mp3', 'second.mp3', 'corrupt.mp3']);
    for (const r of rows) {
      const row = shown.find((s) => s.file === r[0]);
      assert.equal(r[5], row.state);
      if (row.state === 'done') {
        assert.ok(Math.abs(Number(r[1]) - row.seconds) < 1e-9);
        assert.equal(r[2], row.genre);
        assert.ok(Number(r[3]) > 0 && Number(r[3]) <= 1);
        assert.deepEqual(r[4].split('; '), row.tags);
      } else {
        assert.equal(r[6], row.said, 'the failure, quoted whole');
      }
    }
  });

  it('has no WCAG 2.1 A or AA violation with the table', async () => {
    assert.deepEqual(await violations(app.page), []);
  });

  it("opens a row's analysis in the detailed view", async (t) => {
    assert.equal(await app.outcome(), 'failed', 'the last file in was the corrupt one');
    const run = await app.run();
    await app.page.click('#queue tr[data-file="second.mp3"] button.open-row');
    await app.page.waitForFunction((n) => Number(document.querySelector('#status').dataset.run) > n, run);
    assert.equal(await app.outcome(), 'done');
    assert.match(await app.status(), /^second\.mp3: analysed/);
    assert.equal(await app.predictions(), 'done');
    assert.equal((await app.genre()).top, cliTimeline().track.top);
    assert.equal((await table(app.page)).find((r) => r.file === 'second.mp3').state, 'done');
    await mkdir(artifactsDir, { recursive: true });
    t.diagnostic(await app.screenshot(join(artifactsDir, 'several.png')));
  });
});

describe('three files dropped on the drop zone', () => {
  const fixtures = loadFixtures();
  let app;
  let close;

  before(async () => {
    ({ app, close } = await startApp());
  });

  after(async () => close?.());

  it('queues them as choosing them does', async () => {
    const mp3 = (await readFile(fixtures.mp3.path)).toString('base64');
    const corrupt = (await readFile(fixtures.corrupt.path)).toString('base64');
    // A drop as the browser makes one: a DataTransfer holding the files, on #dropzone.
    const transfer = await app.page.evaluateHandle(
      (files) => {
        const dt = new DataTransfer();
        for (const [name, b64] of files) {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          dt.items.add(new File([bytes], name, { type: 'audio/mpeg' }));
        }
        return dt;
      },
      [
        ['dropped-a.mp3', mp3],
        ['dropped-b.mp3', mp3],
        ['dropped-corrupt.mp3', corrupt],
      ],
    );
    await app.page.dispatchEvent('#dropzone', 'dragover', { dataTransfer: transfer });
    await app.page.dispatchEvent('#dropzone', 'drop', { dataTransfer: transfer });
    await settled(app.page);
    const rows = await table(app.page);
    assert.deepEqual(rows.map((r) => [r.file, r.state]), [
      ['dropped-a.mp3', 'done'],
      ['dropped-b.mp3', 'done'],
      ['dropped-corrupt.mp3', 'failed'],
    ]);
    assert.ok(rows.slice(0, 2).every((r) => r.genre === cliTimeline().track.top));
  });
});

describe('a folder chosen whole', () => {
  const fixtures = loadFixtures();
  let dir;
  let app;
  let close;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'genrescope-folder-'));
    await mkdir(join(dir, 'album', 'disc 2'), { recursive: true });
    await copyFile(fixtures.mp3.path, join(dir, 'album', 'one.mp3'));
    await copyFile(fixtures.mp3.path, join(dir, 'album', 'disc 2', 'two.MP3'));
    await writeFile(join(dir, 'album', 'cover notes.txt'), 'not audio');
    ({ app, close } = await startApp());
  });

  after(async () => {
    await close?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('queues its audio files at any depth, and only those', async () => {
    await app.page.setInputFiles('#folder', join(dir, 'album'));
    await settled(app.page);
    const rows = await table(app.page);
    assert.deepEqual(rows.map((r) => [r.file, r.state]).sort(), [
      ['one.mp3', 'done'],
      ['two.MP3', 'done'],
    ]);
    assert.ok(rows.every((r) => r.genre === cliTimeline().track.top));
  });
});
