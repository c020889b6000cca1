// What the native CLI says of the MP3 fixture (scripts/e2e.sh writes it), and the checks that
// the page says the same: one definition for every spec that compares.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { cliDir } from './paths.mjs';

/** The features of the core's registry, in order (the CLI's features.json). */
export const cliFeatures = () => JSON.parse(readFileSync(join(cliDir, 'features', 'features.json'), 'utf8'));
/** `genrescope artifacts --models`' genre timeline of the fixture. */
export const cliTimeline = () => JSON.parse(readFileSync(join(cliDir, 'artifacts', 'timeline.json'), 'utf8'));
/** `genrescope artifacts --models`' predictions.json of the fixture (the bundle's first window). */
export const cliPredictions = () => JSON.parse(readFileSync(join(cliDir, 'artifacts', 'predictions.json'), 'utf8'));
/** `genrescope tag --json` of the fixture. */
export const cliTags = () => JSON.parse(readFileSync(join(cliDir, 'tags-msd.json'), 'utf8'));

/**
 * The page's genre (`GenrescopePage.genre()`) is the CLI's: the same top genre over the same
 * windows, and the top three's probabilities within `tolerance` of the CLI's mean.
 */
export function assertGenreEqualsCli(genre, { tolerance = 1e-3 } = {}) {
  const timeline = cliTimeline();
  assert.equal(genre.top, timeline.track.top);
  assert.equal(genre.windows, timeline.windows.length);
  assert.equal(genre.genres.length, 3, 'the top three genres');
  for (const { genre: g, probability } of genre.genres) {
    const want = timeline.track.ensemble[timeline.classes.indexOf(g)];
    assert.ok(Math.abs(probability - want) < tolerance, `${g}: page ${probability}, CLI ${want}`);
  }
}

/**
 * The page's `feature` model (`genre.models`, each model's mean over the windows) gives the
 * genre and the probabilities `genrescope artifacts --models` gives it, within `tolerance`.
 */
export function assertModelEqualsCli(genre, feature, { tolerance = 1e-4 } = {}) {
  const timeline = cliTimeline();
  const cli = timeline.track.models.find((m) => m.feature === feature);
  assert.ok(cli, `the CLI's bundle has no ${feature} model`);
  const page = genre.models.find((m) => m.feature === feature);
  assert.ok(page, `the page shows no ${feature} model: ${genre.models.map((m) => m.feature)}`);
  assert.equal(page.probabilities.length, timeline.classes.length);
  const top = cli.probabilities.indexOf(Math.max(...cli.probabilities));
  assert.equal(page.genre, timeline.classes[top]);
  cli.probabilities.forEach((want, i) => {
    const got = page.probabilities[i];
    assert.ok(Math.abs(got - want) <= tolerance, `${feature}, ${timeline.classes[i]}: page ${got}, CLI ${want}`);
  });
}

/**
 * The page's MusiCNN tags (`GenrescopePage.tags()`) are `genrescope tag`'s: the same patches,
 * the 50 mean activations within `tolerance`, the same top tag, top FMA genre and strongest
 * tag of every patch.
 */
export function assertTagsEqualCli(tags, { tolerance = 1e-3 } = {}) {
  const cli = cliTags();
  assert.equal(tags.state, 'done');
  assert.equal(tags.model, 'msd');
  assert.equal(tags.patches, cli.patches.length, 'the same 3 s patches');
  assert.equal(tags.segments.length, cli.patches.length, 'one timeline segment per patch');
  assert.equal(tags.mean.length, 50);
  for (let i = 0; i < 50; i++) {
    assert.ok(Math.abs(tags.mean[i] - cli.mean[i]) <= tolerance, `${cli.tags[i]}: page ${tags.mean[i]}, CLI ${cli.mean[i]}`);
  }
  const best = cli.mean.indexOf(Math.max(...cli.mean));
  assert.equal(tags.topTag, cli.tags[best]);
  assert.equal(tags.topGenre, cli.fma_genres[0][0]);
  cli.patches.forEach((p, i) => {
    assert.equal(tags.segments[i], cli.tags[p.indexOf(Math.max(...p))], `patch ${i}`);
  });
}

/** `got` and `want` are arrays of numbers of the same length, equal within `tolerance`. */
export function assertClose(got, want, tolerance, what) {
  assert.equal(got.length, want.length, `${what}: ${got.length} values, the CLI ${want.length}`);
  want.forEach((w, i) => {
    assert.ok(Math.abs(got[i] - w) <= tolerance, `${what}[${i}]: page ${got[i]}, CLI ${w}`);
  });
}

/**
 * The page's download (`#download-json`) holds what `genrescope artifacts --models` writes for
 * the same file: predictions.json's fields (probabilities within 1e-4), timeline.json's
 * windows and track (1e-4), and tags.json's MusiCNN object for the page's model (`genrescope
 * tag --json`'s: activations within 1e-3).
 */
export function assertDownloadEqualsCli(doc) {
  const predictions = cliPredictions();
  const p = doc.predictions;
  assert.deepEqual(p.classes, predictions.classes);
  assert.deepEqual(p.signal, predictions.signal, 'the same signal: the first window');
  assert.equal(p.top.genre, predictions.top.genre);
  assertClose(p.ensemble, predictions.ensemble, 1e-4, 'predictions ensemble');
  assert.deepEqual(p.models.map((m) => m.feature), predictions.models.map((m) => m.feature));
  predictions.models.forEach((m, i) => {
    assertClose(p.models[i].probabilities, m.probabilities, 1e-4, `predictions ${m.feature}`);
    assert.equal(p.models[i].top, m.top, m.feature);
  });
  assert.deepEqual(p.dataset, predictions.dataset);

  const timeline = cliTimeline();
  const t = doc.timeline;
  assert.deepEqual(t.classes, timeline.classes);
  assert.equal(t.window_seconds, timeline.window_seconds);
  assert.equal(t.windows.length, timeline.windows.length);
  timeline.windows.forEach((w, i) => {
    assert.ok(Math.abs(t.windows[i].start - w.start) < 1e-9 && Math.abs(t.windows[i].end - w.end) < 1e-9, `window ${i}`);
    assert.equal(t.windows[i].top, w.top, `window ${i}`);
    assertClose(t.windows[i].ensemble, w.ensemble, 1e-4, `window ${i}`);
  });
  assert.equal(t.track.top, timeline.track.top);
  assertClose(t.track.ensemble, timeline.track.ensemble, 1e-4, 'track ensemble');
  timeline.track.models.forEach((m, i) => {
    assert.equal(t.track.models[i].feature, m.feature);
    assertClose(t.track.models[i].probabilities, m.probabilities, 1e-4, `track ${m.feature}`);
  });

  const tags = cliTags();
  const msd = doc.tags.msd;
  assert.deepEqual(msd.tags, tags.tags);
  assert.equal(msd.patch_seconds, tags.patch_seconds);
  assertClose(msd.mean, tags.mean, 1e-3, 'tags mean');
  assert.equal(msd.patches.length, tags.patches.length);
  tags.patches.forEach((patch, i) => assertClose(msd.patches[i], patch, 1e-3, `patch ${i}`));
  assert.deepEqual(msd.fma_genres.map((g) => g[0]).slice(0, 3), tags.fma_genres.map((g) => g[0]).slice(0, 3));
}
