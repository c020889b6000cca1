// Where the specs find the site, the fixtures and where they leave artifacts.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests/e2e/lib/../../..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The site trunk built. */
export const distDir = resolve(process.env.GENRESCOPE_DIST ?? join(repoRoot, 'dist'));

/** Screenshots and other outputs (ignored by git). */
export const artifactsDir = resolve(
  process.env.GENRESCOPE_E2E_ARTIFACTS ?? join(repoRoot, 'target', 'e2e-artifacts'),
);

/** Chromium to drive: Debian's, as Playwright's own download is not reachable here. */
export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

/**
 * The fixtures `make-mp3` wrote, as described by its fixtures.json:
 * `{ mp3: { path, seconds, sample_rate, channels, … }, corrupt: { path } }`.
 */
export function loadFixtures() {
  const manifest = resolve(
    process.env.GENRESCOPE_FIXTURES ?? join(repoRoot, 'target', 'e2e-fixtures', 'fixtures.json'),
  );
  if (!existsSync(manifest)) {
    throw new Error(
      `no fixtures at ${manifest}: run scripts/e2e.sh, or cargo run -p genrescope-e2e --bin make-mp3 -- target/e2e-fixtures`,
    );
  }
  return JSON.parse(readFileSync(manifest, 'utf8'));
}

/** The built site with the test bundle in models/ (scripts/e2e.sh copies dist/ there). */
export const siteDir = resolve(
  process.env.GENRESCOPE_SITE ?? join(repoRoot, 'target', 'e2e-site'),
);

/** Fails early with a useful message when the site with its bundle has not been made. */
export function requireSite() {
  if (!existsSync(join(siteDir, 'models', 'manifest.json'))) {
    throw new Error(`no site with a bundle at ${siteDir}: run scripts/e2e.sh first`);
  }
  return siteDir;
}

/** What the native CLI says of the MP3 fixture (scripts/e2e.sh writes it). */
export const cliDir = resolve(
  process.env.GENRESCOPE_CLI_REFERENCE ?? join(repoRoot, 'target', 'e2e-fixtures', 'cli'),
);

/** Fails early with a useful message when the site has not been built. */
export function requireDist() {
  if (!existsSync(join(distDir, 'index.html'))) {
    throw new Error(`no site at ${distDir}: run trunk build (or scripts/e2e.sh) first`);
  }
  return distDir;
}
