// Starts the page's wasm. A file rather than trunk's inline script, so the page's
// Content-Security-Policy allows scripts from the site only ('self'), with no hash to keep.
import init from './genrescope-web.js';

await init({ module_or_path: new URL('./genrescope-web_bg.wasm', import.meta.url) });
