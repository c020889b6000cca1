// Genrescope's service worker: the site works with no network once it has been opened.
//
// On install it caches the site's files (the list and VERSION are stamped in by
// scripts/stamp-sw.sh from the built files' contents, so a new build is a new worker and a new
// cache) and the bundle in models/ when there is one. It then serves the site from the cache,
// and the bundle from the network when it can (the host may replace it without rebuilding the
// site) and from the cache when it cannot. Everything stays on this origin: it never fetches
// anything the page would not.
const VERSION = '__VERSION__';
const FILES = [/* FILES */];
const SITE = `genrescope-site-${VERSION}`;
const MODELS = 'genrescope-models';
const SCOPE = new URL('./', self.location).pathname;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const site = await caches.open(SITE);
      await site.addAll(FILES);
      await cacheBundle();
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith('genrescope-site-') && key !== SITE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE)) {
    return;
  }
  const path = url.pathname.slice(SCOPE.length);
  event.respondWith(path.startsWith('models/') ? networkFirst(request) : cacheFirst(request));
});

/** The bundle (`models/manifest.json` and the weights it names), when the site has one. */
async function cacheBundle() {
  try {
    const manifest = await fetch('models/manifest.json', { cache: 'no-cache' });
    if (!manifest.ok) return;
    const { models } = await manifest.clone().json();
    const files = (Array.isArray(models) ? models : [])
      .map((m) => m?.weights)
      .filter((name) => typeof name === 'string' && /^[\w.-]+$/.test(name) && !name.startsWith('.'));
    const cache = await caches.open(MODELS);
    await cache.addAll(files.map((name) => `models/${name}`));
    await cache.put('models/manifest.json', manifest);
  } catch (error) {
    // No bundle, or one that cannot be read: the page says so itself.
    console.warn(`genrescope: the bundle was not cached for offline use (${error})`);
  }
}

/** The site's files: from the cache (the page itself whatever its query), else the network. */
async function cacheFirst(request) {
  const site = await caches.open(SITE);
  const hit = await site.match(request, { ignoreSearch: request.mode === 'navigate' });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await site.put(request, response.clone());
  return response;
}

/** The bundle: from the network when it answers (kept for later), else from the cache. */
async function networkFirst(request) {
  const cache = await caches.open(MODELS);
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    return (await cache.match(request)) ?? Response.error();
  }
  if (response.ok) await cache.put(request, response.clone());
  else if (response.status === 404) await cache.delete(request);
  return response;
}
