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
