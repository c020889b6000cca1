// Races MusiCNN (MSD) in TensorFlow.js's WASM backend against our page, in the same headless
// Chromium, served plainly and cross-origin isolated (COOP/COEP: TF.js's threaded SIMD wasm).
// TF.js runs the network rebuilt from the checkpoint's variables (musicnn.js) and is checked
// against TensorFlow's activations (shared/tests/reference/musicnn, ≤ 1e-3) before it is timed.
// Ours is the built site with `?workers=1` (one worker, one thread) and the default pool on
// TRACK: its MusiCNN time per patch is (tags mark − features mark) / (patches − 1), as after
// the features the one worker runs only patch shares.
//
//   node race.mjs WEIGHTS_DIR SITE_DIR TRACK      (tools/tfjs/run.sh does it all)
import { mkdirSync, readdirSync, readFileSync, writeFileSync, createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { launch } from '../../tests/e2e/lib/browser.mjs';
import { readNpy } from '../../tests/e2e/lib/npy.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const [weightsDir, siteDir, track] = process.argv.slice(2).map((p) => resolve(p));
const out = join(repo, 'target', 'tfjs');
mkdirSync(out, { recursive: true });

// The weights as one buffer and a manifest.
const manifest = [];
const parts = [];
let offset = 0;
for (const file of readdirSync(weightsDir).filter((f) => f.endsWith('.npy')).sort()) {
  const { shape, data } = readNpy(join(weightsDir, file));
  manifest.push({ name: file.slice(0, -4), shape, offset, length: data.length });
  parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  offset += data.length;
}
writeFileSync(join(out, 'weights.bin'), Buffer.concat(parts));
writeFileSync(join(out, 'weights.json'), JSON.stringify(manifest));

/** A 2-D float32 .npy in C order, also when numpy wrote it Fortran-ordered (a transposed view). */
function readMatrix(path) {
  const bytes = readFileSync(path);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  if (!/'fortran_order':\s*True/.test(header)) return readNpy(path);
  const [rows, cols] = header.match(/'shape':\s*\((\d+),\s*(\d+)\)/).slice(1).map(Number);
  const f = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength, bytes.byteOffset + bytes.length));
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = f[c * rows + r];
  return { shape: [rows, cols], data };
}

// TensorFlow's references: the float32 log-mel cut into 187-frame patches as the original does.
const refDir = join(repo, 'shared', 'tests', 'reference', 'musicnn');
const references = ['loud_chords', 'quiet_sweep', 'short_tone'].map((name) => {
  const mel = readMatrix(join(refDir, `${name}.logmel.npy`));
  const want = readMatrix(join(refDir, `${name}.msd.npy`));
  const frames = mel.shape[0];
  const n = Math.max(1, Math.floor(frames / 187));
  const patches = [];
  for (let p = 0; p < n; p++) {
    const patch = new Array(187 * 96).fill(0);
    for (let i = 0; i < 187 * 96 && p * 187 * 96 + i < mel.data.length; i++) patch[i] = mel.data[p * 187 * 96 + i];
    patches.push(patch);
  }
  const rows = [];
  for (let p = 0; p < want.shape[0]; p++) rows.push(Array.from(want.data.subarray(p * 50, (p + 1) * 50)));
  return { name, patches, want: rows };
});
writeFileSync(join(out, 'references.json'), JSON.stringify(references));

// One server for both pages; `isolated` adds the headers that make a page cross-origin isolated.
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css', '.bpk': 'application/octet-stream', '.bin': 'application/octet-stream' };
const wasmDist = join(here, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
const roots = {
  '/tfjs/tfjs/tf.min.js': join(here, 'node_modules', '@tensorflow', 'tfjs', 'dist', 'tf.min.js'),
  '/tfjs/tfjs/tf-backend-wasm.min.js': join(wasmDist, 'tf-backend-wasm.min.js'),
};
function fileFor(path) {
  if (roots[path]) return roots[path];
  const under = (base, root) => {
    const file = normalize(join(root, path.slice(base.length) || 'index.html'));
    return file.startsWith(root + sep) ? file : null;
  };
  if (path.startsWith('/tfjs/tfjs/')) return under('/tfjs/tfjs/', wasmDist);
  if (path.startsWith('/tfjs/out/')) return under('/tfjs/out/', out);
  if (path.startsWith('/tfjs/')) return under('/tfjs/', here);
  if (path.startsWith('/site/')) return under('/site/', siteDir);
  return null;
}
async function serve(isolated) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = fileFor(path.endsWith('/') ? `${path}index.html` : path);
    let ok = false;
    try {
      ok = file !== null && statSync(file).isFile();
    } catch {}
    if (!ok) {
      res.writeHead(404).end();
      return;
    }
    const headers = { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' };
    if (isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    res.writeHead(200, headers);
    createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** Our page on TRACK: milliseconds to each step, and the patches. */
async function ours(page, url) {
  await page.goto(url);
  await page.waitForSelector('#file', { state: 'attached' });
  await new Promise((ok) => setTimeout(ok, 3000)); // the models load and warm up
  await page.setInputFiles('#file', track);
  await page.waitForSelector('#status[data-state="done"], #status[data-state="failed"]', { state: 'attached', timeout: 300_000 });
  const timings = Object.fromEntries(JSON.parse(await page.getAttribute('#status', 'data-timings')));
  const patches = Number(await page.getAttribute('#tags', 'data-patches'));
  return { timings, patches, perPatch: (timings.tags - timings.features) / Math.max(1, patches - 1) };
}

const browser = await launch();
const rows = [];
for (const isolated of [false, true]) {
  const server = await serve(isolated);
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/tfjs/page.html`);
  const tfjs = await page.evaluate(() => race());
  if (tfjs.worst > 1e-3) throw new Error(`TF.js differs from TensorFlow by ${tfjs.worst}: ${JSON.stringify(tfjs.checked)}`);
  const one = await ours(page, `${server.url}/site/?workers=1`);
  const pool = await ours(page, `${server.url}/site/`);
  await page.close();
  server.close();
  rows.push({ isolated, tfjs, one, pool });
  console.log(
    `${isolated ? 'cross-origin isolated' : 'plain'} (crossOriginIsolated ${tfjs.crossOriginIsolated}): TF.js ${tfjs.backend} ` +
      `(${tfjs.wasmFiles.map((f) => f.split('/').pop()).filter((f) => f.endsWith('.wasm')).join(', ')}; XNNPACK threads ${tfjs.threads}, SIMD ${tfjs.simd}, ` +
      `max |TF.js - TensorFlow| ${tfjs.worst.toExponential(1)} over ${tfjs.checked.map((c) => c.patches).reduce((a, b) => a + b)} patches): ` +
      `${tfjs.one.best.toFixed(1)} ms a patch alone (median ${tfjs.one.median.toFixed(1)}), ` +
      `${tfjs.ten.best.toFixed(1)} ms a patch in tens (median ${tfjs.ten.median.toFixed(1)}); ` +
      `ours, one worker: ${one.perPatch.toFixed(1)} ms a patch (${one.patches} patches, all done ${(one.timings.total / 1000).toFixed(2)} s); ` +
      `the pool: all done ${(pool.timings.total / 1000).toFixed(2)} s, MusiCNN ${((pool.timings.tags - pool.timings.features) / Math.max(1, pool.patches - 1)).toFixed(1)} ms a patch of wall time`,
  );
}
writeFileSync(join(out, 'race.json'), JSON.stringify(rows, null, 2));
await browser.close();
