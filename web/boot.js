// Starts the page's wasm. A file rather than trunk's inline script, so the page's
// Content-Security-Policy allows scripts from the site only ('self'), with no hash to keep.
import init from './genrescope-web.js';

await init({ module_or_path: new URL('./genrescope-web_bg.wasm', import.meta.url) });

// Offline after the first visit: sw.js caches the site, the bundle and MusiCNN's weights.
// Browsers offer service workers on https: and localhost only; elsewhere the page works online.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker
    .register(new URL('./sw.js', import.meta.url))
    .catch((error) => console.warn(`genrescope: no offline copy (${error})`));
}
