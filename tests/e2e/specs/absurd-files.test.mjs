// Absurd but valid files (issue #18), made by ffmpeg: each gets a clear message in #error or a
// correct result, within the page's cap on one file's decoded audio (ten minutes, and no more
// than 57,600,000 samples: 230 MB, so a 384 kHz file is refused at 2:30), and the file chosen
// after a refused one is analysed as usual.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { DURATION_TOLERANCE_S, startApp } from '../lib/page.mjs';

const TONE = '0.5*sin(2*PI*1000*t)';

/** Runs ffmpeg to write `path` from a lavfi source and the encoder's arguments. */
function ffmpeg(path, source, args = []) {
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', source, ...args, path]);
  return path;
}

/** A file that is only an ID3v2.3 tag: a title, an artist and no audio. */
function onlyATag(path) {
  const frame = (id, text) => {
    const body = Buffer.concat([Buffer.from([0]), Buffer.from(text)]);
    const size = Buffer.alloc(4);
    size.writeUInt32BE(body.length);
    return Buffer.concat([Buffer.from(id), size, Buffer.from([0, 0]), body]);
  };
  const frames = Buffer.concat([frame('TIT2', 'Only a tag'), frame('TPE1', 'Nobody')]);
  const n = frames.length;
  const size = Buffer.from([(n >> 21) & 127, (n >> 14) & 127, (n >> 7) & 127, n & 127]);
  writeFileSync(path, Buffer.concat([Buffer.from('ID3\x03\x00\x00', 'latin1'), size, frames]));
  return path;
}

/** A 1 s WAV whose RIFF and data sizes claim 4 GB (consistently): a file cut off. */
function claims4gb(dir) {
  const honest = ffmpeg(join(dir, 'honest.wav'), `aevalsrc=${TONE}:s=22050:d=1`, ['-c:a', 'pcm_s16le']);
  const bytes = readFileSync(honest);
  const data = bytes.indexOf('data');
  const claimed = 0xffffff00;
  bytes.writeUInt32LE(claimed, data + 4);
  bytes.writeUInt32LE(claimed + data, 4);
  const path = join(dir, 'claims-4gb.wav');
  writeFileSync(path, bytes);
  return path;
}

describe('absurd but valid files', () => {
  let dir;
  let server;
  let browser;
  let app;
  let refused;
  let analysed;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'genrescope-absurd-'));
    const tooLong = (name) =>
      new RegExp(`^"${name.replace('.', '\\.')}" runs longer than 10 minutes, the most the page analyses`);
    refused = [
      {
        // Ten hours of silence (8 kHz mono, to keep the encoding short).
        path: ffmpeg(join(dir, 'silent-10h.flac'), 'anullsrc=r=8000:cl=mono', ['-t', '36000', '-compression_level', '0']),
        message: tooLong('silent-10h.flac'),
        kind: 'too_long',
      },
      {
        // MPEG-2.5 at 8 kHz and 8 kbit/s: 72-byte frames of 576 samples, 100,000 of them.
        path: ffmpeg(join(dir, 'tiny-frames.mp3'), 'sine=f=440:r=8000', ['-t', '7200', '-c:a', 'libmp3lame', '-b:a', '8k']),
        message: tooLong('tiny-frames.mp3'),
        kind: 'too_long',
      },
      {
        // 160 s at 384 kHz: within ten minutes, past the samples the page decodes.
        path: ffmpeg(join(dir, 'mono-384k.wav'), 'anullsrc=r=384000:cl=mono', ['-t', '160', '-c:a', 'pcm_s16le']),
        message:
          /^"mono-384k\.wav" is more audio than the page decodes: at 384000 Hz it passes 57600000 samples \(230 MB, the first 2:30 of it\)/,
        kind: 'too_long',
      },
      {
        path: onlyATag(join(dir, 'only-a-tag.mp3')),
        message:
          /^could not decode "only-a-tag\.mp3": unsupported format: not a recognised audio file \(MP3, FLAC, OGG\/Vorbis or WAV\)$/,
        kind: 'decode',
      },
    ];
    const eight = Array(8).fill(TONE).join('|');
    analysed = [
      {
        path: ffmpeg(join(dir, '8ch-384k.wav'), `aevalsrc=${eight}:s=384000:c=7.1:d=3`, ['-c:a', 'pcm_s16le']),
        seconds: 3,
        format: /384000 Hz/,
      },
      {
        path: ffmpeg(join(dir, 'mono-8k.wav'), `aevalsrc=${TONE}:s=8000:d=3`, ['-c:a', 'pcm_s16le']),
        seconds: 3,
        format: /8000 Hz/,
      },
      {
        path: ffmpeg(join(dir, 'clip.mp3'), `aevalsrc=${TONE}:s=44100:d=0.1`, ['-c:a', 'libmp3lame']),
        seconds: 0.1,
        format: /44100 Hz/,
      },
      { path: claims4gb(dir), seconds: 1, format: /22050 Hz/, damage: /truncated/ },
    ];
    ({ server, browser, app } = await startApp());
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (let i = 0; i < 4; i += 1) {
    it(`refused file ${i + 1}: a message naming it, then the next file is analysed`, async (t) => {
      const bad = refused[i];
      const good = analysed[i];
      await app.choose(bad.path);
      assert.equal(await app.outcome({ timeout: 180_000 }), 'failed');
      const message = await app.error();
      t.diagnostic(message ?? '(no message)');
      assert.match(message ?? '', bad.message);
      assert.equal(await app.errorKind(), bad.kind);
      assert.equal(await app.hasDuration(), false);

      await app.choose(good.path);
      assert.equal(await app.outcome(), 'done', `${good.path}: ${await app.error()}`);
      assert.equal(await app.error(), null);
      const { seconds } = await app.duration();
      assert.ok(
        Math.abs(seconds - good.seconds) <= DURATION_TOLERANCE_S,
        `${good.path}: #duration says ${seconds} s`,
      );
      assert.match(await app.format(), good.format);
      const note = await app.page.$eval('#decode-note', (el) => el.textContent).catch(() => null);
      if (good.damage) {
        assert.match(note ?? '', good.damage);
      } else {
        assert.equal(note, null, `${good.path}: ${note}`);
      }
    });
  }

  it('logs no console errors', async () => {
    assert.deepEqual(browser.watch.pageErrors, []);
    assert.deepEqual(browser.watch.consoleErrors, []);
  });
});
