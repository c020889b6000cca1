//! Eight synthesised music styles, one per FMA top-level genre, for the demo dataset.
//!
//! The styles differ in tempo and metre, rhythm, timbre and harmony, and each is stationary:
//! any 14-second window shows all of its traits. Inside a style, tracks vary with the seed:
//! tempo ±6 %, key ±1 semitone, voice gains, patterns and note choices. Drums are tuned to
//! the key. Samples are made with `+ − × ÷` and `floor` only (sines and exponentials come
//! from the polynomials below, not the platform's libm), so a seed gives the same bits on
//! every machine.

use super::synth::{SplitMix64, Stereo};

/// One synthesised style per FMA top-level genre of fma_small.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Style {
    /// 128 bpm four-on-the-floor, off-beat open hats, saw bass, square arpeggio; C minor.
    Electronic,
    /// No pulse: inharmonic bells, glissandi, noise bursts and grains over a drone.
    Experimental,
    /// 100 bpm 3/4 fingerpicked (plucked-string) triads and a fiddle tune; C major.
    Folk,
    /// 86 bpm swung boom-bap: deep kick and sub-bass, loud backbeat, minor-7th stabs; A minor.
    HipHop,
    /// 66 bpm soft piano and pad in major-7th and add-9 chords, no drums; A major.
    Instrumental,
    /// 7/8 tabla-like drums, a tanpura drone and a reed melody in E♭ phrygian dominant.
    International,
    /// 110 bpm I–V–vi–IV, piano chords, square lead, snare and claps on 2 and 4; F♯ major.
    Pop,
    /// 152 bpm distorted power chords in F♯, driven bass, loud drums and crashes.
    Rock,
}

impl Style {
    /// Every style, in genre-name order.
    pub const ALL: [Style; 8] = [
        Style::Electronic,
        Style::Experimental,
        Style::Folk,
        Style::HipHop,
        Style::Instrumental,
        Style::International,
        Style::Pop,
        Style::Rock,
    ];
}

/// `seconds` of music in `style` at `sample_rate`, stereo, peak-normalised to 0.8; the same
/// (style, seconds, sample_rate, seed) gives the same samples on every machine.
pub fn render(style: Style, seconds: f32, sample_rate: u32, seed: u64) -> Stereo {
    let salt = (style as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407);
    let mut rng = SplitMix64::new(seed ^ salt);
    let mut mix = Mix::new(seconds, sample_rate);
    let compose = match style {
        Style::Electronic => electronic,
        Style::Experimental => experimental,
        Style::Folk => folk,
        Style::HipHop => hip_hop,
        Style::Instrumental => instrumental,
        Style::International => international,
        Style::Pop => pop,
        Style::Rock => rock,
    };
    compose(&mut mix, &mut rng);
    mix.finish()
}

// ---- Deterministic math and randomness -------------------------------------------------

/// `sin(2π·x)` for `x` in turns, by an odd polynomial (error below 4e-6).
fn sin_turns(x: f32) -> f32 {
    let x = x - x.floor();
    let x = if x > 0.5 { x - 1.0 } else { x };
    let x = x.min(0.5 - x).max(-0.5 - x);
    let y = std::f32::consts::TAU * x;
    let y2 = y * y;
    y * (1.0 + y2 * (-1.0 / 6.0 + y2 * (1.0 / 120.0 + y2 * (-1.0 / 5040.0 + y2 / 362_880.0))))
}

/// `2^x`, by range reduction and a Taylor series in f64.
fn exp2(x: f32) -> f32 {
    let x = f64::from(x.clamp(-120.0, 120.0));
    let k = x.floor();
    let z = (x - k) * std::f64::consts::LN_2;
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for i in 1..=12 {
        term *= z / f64::from(i);
        sum += term;
    }
    (sum * f64::from_bits(((k as i64 + 1023) as u64) << 52)) as f32
}

/// The frequency of a MIDI note number (A4 = 69 = 440 Hz).
fn hz(midi: f32) -> f32 {
    440.0 * exp2((midi - 69.0) / 12.0)
}

/// `f` moved by octaves into `[lo, 2·lo)`.
fn fold(mut f: f32, lo: f32) -> f32 {
    while f >= 2.0 * lo {
        f *= 0.5;
    }
    while f < lo {
        f *= 2.0;
    }
    f
}

/// Per-sample multiplier of an exponential decay with time constant `tau` seconds.
fn decay_coeff(tau: f32, sr: f32) -> f32 {
    exp2(-std::f32::consts::LOG2_E / (tau * sr).max(1e-3))
}

/// Coefficient of a one-pole low-pass at `cutoff` Hz (`y += a·(x − y)`).
fn lp_coeff(cutoff: f32, sr: f32) -> f32 {
    let w = std::f32::consts::TAU * cutoff / sr;
    w / (1.0 + w)
}

/// A tanh-like saturation (Padé approximant, exactly ±1 beyond ±3).
fn soft_clip(x: f32) -> f32 {
    let x = x.clamp(-3.0, 3.0);
    x * (27.0 + x * x) / (27.0 + 9.0 * x * x)
}

/// Uniform in `[lo, hi)`.
fn uniform(rng: &mut SplitMix64, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * 0.5 * (rng.next_signed() + 1.0)
}

/// A uniformly chosen index below `n`.
fn index(rng: &mut SplitMix64, n: usize) -> usize {
    (rng.next_u64() % n as u64) as usize
}

/// A uniformly chosen element of `items`.
fn pick<T: Copy>(rng: &mut SplitMix64, items: &[T]) -> T {
    items[index(rng, items.len())]
}

/// `n` random gains in `[0.8, 1.2)`: the balance of a track's voices.
fn gains(rng: &mut SplitMix64, n: usize) -> Vec<f32> {
    (0..n).map(|_| uniform(rng, 0.8, 1.2)).collect()
}

/// A random walk of `len` notes over `scale` in steps of at most two degrees.
fn walk(rng: &mut SplitMix64, scale: &[f32], len: usize) -> Vec<f32> {
    let mut at = scale.len() / 2;
    (0..len)
        .map(|_| {
            at = (at + index(rng, 5)).saturating_sub(2).min(scale.len() - 1);
            scale[at]
        })
        .collect()
}

/// Seconds per beat for `bpm` varied by ±6 %.
fn beat_len(rng: &mut SplitMix64, bpm: f32) -> f32 {
    60.0 / (bpm * uniform(rng, 0.94, 1.06))
}

/// A key: `home` (MIDI) moved by −1, 0 or +1 semitone.
fn key(rng: &mut SplitMix64, home: f32) -> f32 {
    if std::env::var("STY_KEY0").is_ok() { return home; } // TEMP
    home + pick(rng, &[-1.0, 0.0, 1.0])
}

// ---- Mix bus and patterns --------------------------------------------------------------

/// A stereo bus that voices are added into.
struct Mix {
    left: Vec<f32>,
    right: Vec<f32>,
    sr: f32,
    sample_rate: u32,
}

impl Mix {
    fn new(seconds: f32, sample_rate: u32) -> Mix {
        let n = (seconds.max(0.0) * sample_rate as f32).round() as usize;
        let sr = sample_rate as f32;
        let (left, right) = (vec![0.0; n], vec![0.0; n]);
        Mix { left, right, sr, sample_rate }
    }

    /// The length in seconds.
    fn seconds(&self) -> f32 {
        self.left.len() as f32 / self.sr
    }

    /// Bars of `bar` seconds needed to fill the mix.
    fn bars(&self, bar: f32) -> usize {
        (self.seconds() / bar).ceil() as usize + 1
    }

    /// Adds `voice` from `at` seconds on, scaled by `gain` and panned (`pan` in [−1, 1]).
    fn add(&mut self, at: f32, gain: f32, pan: f32, voice: &[f32]) {
        let start = ((at.max(0.0) * self.sr).round() as usize).min(self.left.len());
        let (gl, gr) = (gain * (1.0 - pan).min(1.0), gain * (1.0 + pan).min(1.0));
        let channels = self.left[start..].iter_mut().zip(&mut self.right[start..]);
        for ((l, r), v) in channels.zip(voice) {
            *l += gl * v;
            *r += gr * v;
        }
    }

    /// Adds `voice` at each `x` (full `gain`) and `o` (half) of `pattern`, a step a character.
    fn hits(&mut self, grid: &Grid, pattern: &str, gain: f32, pan: f32, voice: &[f32]) {
        for (i, c) in pattern.chars().enumerate() {
            let g = match c {
                'x' => gain,
                'o' => 0.5 * gain,
                _ => continue,
            };
            self.add(grid.at(i), g, pan, voice);
        }
    }

    /// Peak-normalises to 0.8.
    fn finish(mut self) -> Stereo {
        let peak = self.left.iter().chain(&self.right).fold(0.0f32, |m, v| m.max(v.abs()));
        if peak > 0.0 {
            let gain = 0.8 / peak;
            self.left.iter_mut().chain(&mut self.right).for_each(|v| *v *= gain);
        }
        let (left, right, sample_rate) = (self.left, self.right, self.sample_rate);
        Stereo { left, right, sample_rate }
    }
}

/// Step times of a bar: `step` seconds apart from `t0`, odd steps late by `swing` seconds.
struct Grid(f32, f32, f32);

impl Grid {
    fn at(&self, i: usize) -> f32 {
        self.0 + i as f32 * self.1 + if i % 2 == 1 { self.2 } else { 0.0 }
    }
}

/// The onsets (`x` or `o`) of `pattern`, each with the steps until the next one or the end.
fn onsets(pattern: &str) -> Vec<(usize, usize)> {
    let at: Vec<usize> = pattern.match_indices(['x', 'o']).map(|(i, _)| i).collect();
    let next = |k: usize| at.get(k + 1).copied().unwrap_or(pattern.len());
    at.iter().enumerate().map(|(k, &i)| (i, next(k) - i)).collect()
}

// ---- Voices: each returns one mono note -------------------------------------------------

/// Linear fades over `attack` seconds at the start and `release` seconds at the end.
fn fade(out: &mut [f32], sr: f32, attack: f32, release: f32) {
    let (na, nr, n) = ((attack * sr).max(1.0), (release * sr).max(1.0), out.len());
    for (i, v) in out.iter_mut().enumerate() {
        *v *= ((i + 1) as f32 / na).min(1.0) * ((n - i) as f32 / nr).min(1.0);
    }
}

/// Decaying sine partials `(ratio, amplitude, decay seconds)` of `freq`: piano, e-piano,
/// bells, pads. Each partial is a rotating phasor, so a sample costs one complex product.
fn partials(sr: f32, freq: f32, dur: f32, attack: f32, parts: &[(f32, f32, f32)]) -> Vec<f32> {
    let mut out = vec![0.0f32; (dur * sr) as usize];
    for &(ratio, amp, decay) in parts.iter().filter(|p| freq * p.0 < 0.45 * sr) {
        let (step, r) = (freq * ratio / sr, decay_coeff(decay, sr));
        let (c, s) = (r * sin_turns(step + 0.25), r * sin_turns(step));
        let (mut re, mut im) = (amp, 0.0f32);
        for v in out.iter_mut().take((7.0 * decay * sr) as usize) {
            *v += im;
            (re, im) = (re * c - im * s, re * s + im * c);
        }
    }
    fade(&mut out, sr, attack, 0.01);
    out
}

/// A sine with `harmonics` `(multiple, amplitude)` whose pitch glides exponentially from `f0`
/// to `f1` (time constant `glide`), decaying with time constant `decay`: kicks, tabla,
/// sub-bass, glissandi.
fn sweep(sr: f32, f0: f32, f1: f32, glide: f32, decay: f32, dur: f32, harmonics: &[(f32, f32)]) -> Vec<f32> {
    let (g, d) = (decay_coeff(glide, sr), decay_coeff(decay, sr));
    let (mut diff, mut env) = (f0 - f1, 1.0f32);
    let mut phases = vec![0.0f32; harmonics.len()];
    let mut out = vec![0.0f32; (dur * sr) as usize];
    for v in out.iter_mut() {
        let f = (f1 + diff) / sr;
        for (p, &(mult, amp)) in phases.iter_mut().zip(harmonics) {
            *p += f * mult;
            *p -= p.floor();
            *v += if f * mult < 0.45 { env * amp * sin_turns(*p) } else { 0.0 };
        }
        diff *= g;
        env *= d;
    }
    fade(&mut out, sr, 0.001, 0.005);
    out
}

/// White noise through a two-pole high-pass (`hp` Hz) and a one-pole low-pass (`lp` Hz),
/// decaying with time constant `decay`: hats, snares, claps, cymbals, bursts.
fn noise(sr: f32, rng: &mut SplitMix64, dur: f32, decay: f32, hp: f32, lp: f32) -> Vec<f32> {
    let (ah, al, d) = (lp_coeff(hp, sr), lp_coeff(lp, sr), decay_coeff(decay, sr));
    let (mut low1, mut low2, mut y, mut env) = (0.0f32, 0.0f32, 0.0f32, 1.0f32);
    let mut out = vec![0.0f32; (dur * sr) as usize];
    for v in out.iter_mut() {
        let x = rng.next_signed();
        low1 += ah * (x - low1);
        low2 += ah * (x - low1 - low2);
        y += al * (x - low1 - low2 - y);
        *v = env * y;
        env *= d;
    }
    fade(&mut out, sr, 0.0005, 0.005);
    out
}

/// A plucked string (Karplus–Strong with a fractional delay): `bright` in (0, 1] colours the
/// initial noise burst, `decay` is the time constant of the fundamental.
fn pluck(sr: f32, rng: &mut SplitMix64, freq: f32, dur: f32, bright: f32, decay: f32) -> Vec<f32> {
    let period = (sr / freq - 0.5).max(2.0);
    let (whole, frac) = (period as usize, period.fract());
    let loss = exp2(-std::f32::consts::LOG2_E / (decay * freq));
    let n = (dur * sr) as usize;
    let mut out = vec![0.0f32; n.max(whole + 2)];
    let mut y = 0.0f32;
    for v in &mut out[..whole + 2] {
        y += bright * (rng.next_signed() - y);
        *v = y;
    }
    for i in whole + 2..out.len() {
        let back = |k: usize| out[i - k] * (1.0 - frac) + out[i - k - 1] * frac;
        out[i] = loss * 0.5 * (back(whole) + back(whole + 1));
    }
    out.truncate(n);
    fade(&mut out, sr, 0.0005, 0.02);
    out
}

/// Oscillator shapes of [`Synth`], band-limited by polyBLEP so they hardly alias.
#[derive(Clone, Copy)]
enum Wave {
    Saw,
    Square,
}

impl Wave {
    /// The wave at phase `p` (turns) advancing `dt` turns a sample.
    fn sample(self, p: f32, dt: f32) -> f32 {
        // The polynomial residual that rounds off a unit step at phase 0.
        let blep = |t: f32| match t {
            t if t < dt => -(t / dt - 1.0) * (t / dt - 1.0),
            t if t > 1.0 - dt => ((t - 1.0) / dt + 1.0) * ((t - 1.0) / dt + 1.0),
            _ => 0.0,
        };
        match self {
            Wave::Saw => 2.0 * p - 1.0 - blep(p),
            Wave::Square if p < 0.5 => 1.0 + blep(p) - blep(p + 0.5),
            Wave::Square => -1.0 + blep(p) - blep(p - 0.5),
        }
    }
}

/// A subtractive-synth voice: an oscillator per frequency (doubled `detune` apart when
/// `detune > 1`), saturation (`drive`), a two-pole low-pass at `cutoff` Hz that opens by
/// `sweep` Hz at the onset, an attack/exponential-decay envelope, vibrato (relative depth)
/// and an onset pitch scoop (semitones).
#[derive(Clone, Copy)]
struct Synth {
    wave: Wave,
    decay: f32,
    cutoff: f32,
    sweep: f32,
    attack: f32,
    detune: f32,
    drive: f32,
    vibrato: f32,
    scoop: f32,
}

impl Synth {
    /// A voice with no detune, drive, vibrato or scoop and a 5 ms attack.
    fn new(wave: Wave, decay: f32, cutoff: f32, sweep: f32) -> Synth {
        let (attack, detune, drive, vibrato, scoop) = (0.005, 1.0, 0.0, 0.0, 0.0);
        Synth { wave, decay, cutoff, sweep, attack, detune, drive, vibrato, scoop }
    }

    /// `dur` seconds of the chord `freqs`.
    fn play(&self, sr: f32, freqs: &[f32], dur: f32) -> Vec<f32> {
        let mut incs: Vec<f32> = freqs.iter().map(|f| f / sr).collect();
        if self.detune > 1.0 {
            incs.extend(freqs.iter().map(|f| f * self.detune / sr));
        }
        let mut phases: Vec<f32> = (0..incs.len()).map(|k| (k as f32 * 0.382).fract()).collect();
        let (d, fd, sd) = (decay_coeff(self.decay, sr), decay_coeff(0.4 * self.decay, sr), decay_coeff(0.06, sr));
        let (mut env, mut fenv, mut scoop) = (1.0f32, 1.0f32, exp2(self.scoop / 12.0) - 1.0);
        let (mut lp1, mut lp2) = (0.0f32, 0.0f32);
        let mut out = vec![0.0f32; (dur * sr) as usize];
        for (i, v) in out.iter_mut().enumerate() {
            let bend = (1.0 + scoop) * (1.0 + self.vibrato * sin_turns(5.5 * i as f32 / sr));
            let mut x = 0.0;
            for (p, &inc) in phases.iter_mut().zip(&incs) {
                *p += inc * bend;
                *p -= if *p >= 1.0 { 1.0 } else { 0.0 };
                x += self.wave.sample(*p, inc * bend);
            }
            if self.drive > 0.0 {
                x = soft_clip(self.drive * x);
            }
            let a = lp_coeff(self.cutoff + self.sweep * fenv, sr);
            lp1 += a * (x - lp1);
            lp2 += a * (lp1 - lp2);
            *v = env * lp2;
            (env, fenv, scoop) = (env * d, fenv * fd, scoop * sd);
        }
        fade(&mut out, sr, self.attack, 0.01);
        out
    }
}

/// A kick drum: a sine falling from `top` Hz to the key's `tonic` in the lowest octave, with
/// a click.
fn kick(sr: f32, rng: &mut SplitMix64, top: f32, tonic: f32, decay: f32) -> Vec<f32> {
    let low = fold(hz(tonic), 40.0);
    let mut out = sweep(sr, top, low, 0.006, decay, 4.0 * decay, &[(1.0, 1.0), (2.0, 0.1)]);
    let click = noise(sr, rng, 0.01, 0.002, 1500.0, 8000.0);
    out.iter_mut().zip(&click).for_each(|(o, c)| *o += 0.3 * c);
    out
}

/// A snare: band-limited noise over a short tone on the key's fifth.
fn snare(sr: f32, rng: &mut SplitMix64, tonic: f32, decay: f32, lp: f32) -> Vec<f32> {
    let tone = fold(hz(tonic + 7.0), 150.0);
    let mut out = noise(sr, rng, 5.0 * decay, decay, 300.0, lp);
    let body = sweep(sr, 1.3 * tone, tone, 0.01, 0.6 * decay, 3.0 * decay, &[(1.0, 1.0)]);
    out.iter_mut().zip(&body).for_each(|(o, b)| *o += 0.5 * b);
    out
}

/// A hand clap: three quick noise bursts and a tail.
fn clap(sr: f32, rng: &mut SplitMix64) -> Vec<f32> {
    let mut out = noise(sr, rng, 0.25, 0.06, 900.0, 7000.0);
    for k in 1..3 {
        let burst = noise(sr, rng, 0.012, 0.004, 900.0, 7000.0);
        let at = (k as f32 * 0.011 * sr) as usize;
        out.iter_mut().skip(at).zip(&burst).for_each(|(o, b)| *o += 1.5 * b);
    }
    out
}

// ---- The styles ----------------------------------------------------------------------------

/// House in C minor: i–VI–III–VII, kick on every beat, open hats off the beat, rolling saw
/// bass and a bright square arpeggio in sixteenths over a soft saw pad.
fn electronic(mix: &mut Mix, rng: &mut SplitMix64) {
    let (sr, beat, tonic, g) = (mix.sr, beat_len(rng, 128.0), key(rng, 48.0), gains(rng, 4));
    let chords = [[0.0, 3.0, 7.0], [-4.0, 0.0, 3.0], [3.0, 7.0, 10.0], [-2.0, 2.0, 5.0]];
    let order = pick(rng, &[[0, 1, 2, 3], [0, 3, 1, 3], [0, 1, 3, 2]]);
    let arp_order: Vec<usize> = (0..8).map(|_| index(rng, 6)).collect();
    let claps = pick(rng, &["....x.......x...", ""]);
    let (kick_v, clap_v) = (kick(sr, rng, 160.0, tonic, 0.16), clap(sr, rng));
    let open = noise(sr, rng, 0.3, 0.07, 8000.0, 16000.0);
    let closed = noise(sr, rng, 0.06, 0.015, 9000.0, 16000.0);
    let mut bass = Synth::new(Wave::Saw, 0.12, 250.0, 1500.0);
    let arp = Synth::new(Wave::Square, 0.09, uniform(rng, 6000.0, 8000.0), 5000.0);
    let mut pad = Synth::new(Wave::Saw, 6.0, 1500.0, 0.0);
    (bass.detune, pad.detune, pad.attack) = (1.006, 1.008, 0.3);
    for bar in 0..mix.bars(4.0 * beat) {
        let chord = chords[order[bar % 4]];
        let grid = Grid(bar as f32 * 4.0 * beat, beat / 4.0, 0.0);
        mix.hits(&grid, "x...x...x...x...", g[0], 0.0, &kick_v);
        mix.hits(&grid, "..x...x...x...x.", 1.0, 0.3, &open);
        mix.hits(&grid, ".x.x.x.x.x.x.x.x", 0.25, -0.4, &closed);
        mix.hits(&grid, claps, 0.3, 0.1, &clap_v);
        let notes: Vec<f32> = chord.iter().map(|c| hz(tonic + 12.0 + c)).collect();
        mix.add(grid.at(0), 0.07 * g[1], 0.0, &pad.play(sr, &notes, 4.0 * beat));
        for s in 0..16 {
            let k = arp_order[s % 8];
            let up = tonic + 12.0 + chord[k % 3] + 12.0 * (k / 3) as f32;
            let pan = if s % 2 == 0 { -0.5 } else { 0.5 };
            mix.add(grid.at(s), 0.2 * g[2], pan, &arp.play(sr, &[hz(up)], beat / 4.0));
            let low = tonic - 12.0 + chord[0] + if s % 4 == 2 { 12.0 } else { 0.0 };
            if s % 4 != 0 {
                mix.add(grid.at(s), 0.25 * g[3], 0.0, &bass.play(sr, &[hz(low)], beat / 4.0));
            }
        }
    }
}

/// Bell spectra: partial ratios of a bar, a plate and a bell.
const BELLS: [[f32; 4]; 3] = [[1.0, 2.76, 5.40, 8.93], [1.0, 1.41, 3.73, 6.17], [1.0, 2.32, 4.25, 6.63]];

/// No pulse: a dense, irregular stream of bells with inharmonic partials at free pitches,
/// glissandi, band-limited noise bursts and grain clouds, over a beating low drone and a
/// breath of high noise, all under slow random swells.
fn experimental(mix: &mut Mix, rng: &mut SplitMix64) {
    let (sr, len, base) = (mix.sr, mix.seconds(), uniform(rng, 45.0, 70.0));
    let drone = [(1.0, 1.0, 1e4), (1.51, 0.6, 1e4), (2.23, 0.4, 1e4), (3.07, 0.25, 1e4)];
    mix.add(0.0, 0.05, -0.2, &partials(sr, base, len, 2.0, &drone));
    mix.add(0.0, 0.05, 0.3, &partials(sr, base * 1.007, len, 3.0, &drone[..2]));
    mix.add(0.0, 0.05, 0.0, &noise(sr, rng, len, 1e4, 1500.0, 6000.0));
    let (mut t, mut k) = (0.0, 0);
    while t < len {
        let (level, pan) = (uniform(rng, 0.5, 1.0), uniform(rng, -0.8, 0.8));
        let (f, dur) = (220.0 * exp2(uniform(rng, 0.0, 3.0)), uniform(rng, 0.2, 1.0));
        let voice = match k % 4 {
            0 => {
                let (r, d) = (pick(rng, &BELLS), dur);
                let parts = [(r[0], 1.0, d), (r[1], 0.6, 0.6 * d), (r[2], 0.4, 0.3 * d), (r[3], 0.3, 0.2 * d)];
                partials(sr, f, 1.5 * d, 0.002, &parts)
            }
            1 => {
                let to = f * exp2(uniform(rng, -2.5, 2.5));
                let mut v = sweep(sr, f, to, 0.4 * dur, dur, dur, &[(1.0, 1.0), (3.0, 0.3)]);
                fade(&mut v, sr, 0.3 * dur, 0.3 * dur);
                v
            }
            2 => {
                let (decay, hp) = (dur * uniform(rng, 0.1, 2.0), f / 2.0);
                let lp = hp * exp2(uniform(rng, 0.5, 3.0));
                let mut v = noise(sr, rng, dur / 2.0, decay, hp, lp);
                fade(&mut v, sr, dur * uniform(rng, 0.0, 0.3), 0.01);
                v
            }
            _ => {
                let mut v = vec![0.0f32; (dur * sr) as usize + 1];
                for _ in 0..24 {
                    let grain = partials(sr, f * exp2(uniform(rng, -1.0, 2.0)), 0.02, 0.005, &[(1.0, 1.0, 0.01)]);
                    let at = index(rng, v.len());
                    v.iter_mut().skip(at).zip(&grain).for_each(|(o, g)| *o += g);
                }
                v
            }
        };
        mix.add(t, level * level, pan, &voice);
        let gap = uniform(rng, 0.0, 1.0);
        (t, k) = (t + 0.05 + 0.3 * gap * gap, k + 1);
    }
    // Slow swells: a random level in [0.4, 1] every 1.5 s, linearly joined.
    let n = (1.5 * sr) as usize;
    let (mut from, mut to) = (1.0, uniform(rng, 0.4, 1.0));
    for (i, (l, r)) in mix.left.iter_mut().zip(&mut mix.right).enumerate() {
        if i % n == 0 {
            (from, to) = (to, uniform(rng, 0.4, 1.0));
        }
        let g = from + (to - from) * (i % n) as f32 / n as f32;
        (*l, *r) = (*l * g, *r * g);
    }
}

/// A fingerpicked guitar waltz in C major (I, IV, V, vi): a bass note then triad arpeggio
/// in eighths per 3/4 bar, a fiddle tune on major pentatonic and a soft stomp on one.
fn folk(mix: &mut Mix, rng: &mut SplitMix64) {
    let (sr, beat, tonic, g) = (mix.sr, beat_len(rng, 100.0), key(rng, 60.0), gains(rng, 2));
    let chords: [[f32; 3]; 4] = [[0.0, 4.0, 7.0], [5.0, 9.0, 0.0], [-5.0, -1.0, 2.0], [-3.0, 0.0, 4.0]];
    let order = pick(rng, &[[0, 1, 0, 2], [0, 3, 1, 2], [0, 2, 1, 0]]);
    let pattern = pick(rng, &[[0, 1, 2, 3, 2, 1], [0, 2, 1, 3, 1, 2], [0, 1, 3, 2, 3, 1]]);
    let stomp = sweep(sr, 120.0, 70.0, 0.02, 0.05, 0.25, &[(1.0, 1.0)]);
    let mut fiddle = Synth::new(Wave::Saw, 3.0, 1200.0, 0.0);
    (fiddle.attack, fiddle.vibrato) = (0.08, 0.006);
    let tune = walk(rng, &[0.0, 2.0, 4.0, 7.0, 9.0, 12.0, 14.0, 16.0, 19.0], 8);
    for bar in 0..mix.bars(3.0 * beat) {
        let chord = chords[order[bar % 4]];
        let grid = Grid(bar as f32 * 3.0 * beat, beat / 2.0, 0.0);
        let mut upper = chord.map(|n| n.rem_euclid(12.0));
        upper.sort_by(f32::total_cmp);
        for (e, &p) in pattern.iter().enumerate() {
            let (note, vel) = match p {
                0 => (tonic - 12.0 + chord[0], 2.0),
                _ => (tonic + upper[p - 1], 0.6),
            };
            let v = pluck(sr, rng, hz(note), 1.8, 0.12, 1.2);
            let at = grid.at(e) + uniform(rng, 0.0, 0.012);
            mix.add(at, 0.6 * g[0] * vel, 0.3 * p as f32 - 0.45, &v);
        }
        mix.add(grid.at(0), 0.25, 0.0, &stomp);
        let f = hz(tonic + 12.0 + tune[bar % 8]);
        mix.add(grid.at(2), 0.15 * g[1], 0.2, &fiddle.play(sr, &[f], 2.0 * beat));
    }
}

/// Boom-bap in A minor: swung sixteenths, a deep kick with an 808-like sub-bass, a loud
/// snare on two and four, soft hats and sparse dark e-piano minor-7th stabs.
fn hip_hop(mix: &mut Mix, rng: &mut SplitMix64) {
    let (sr, beat, tonic, g) = (mix.sr, beat_len(rng, 86.0), key(rng, 45.0), gains(rng, 4));
    let swing = uniform(rng, 0.03, 0.06) * beat;
    let chords = [[0.0, 3.0, 7.0, 10.0], [5.0, 8.0, 12.0, 15.0], [-4.0, 0.0, 3.0, 7.0]];
    let order = pick(rng, &[[0, 0, 1, 1], [0, 0, 2, 2], [0, 1, 0, 2]]);
    let kicks = pick(rng, &["x......x..x.....", "x..x......x.....", "x.......x.xx...."]);
    let stabs = pick(rng, &["x.....x.........", "...x.......x....", "x......x......x."]);
    let (kick_v, snare_v) = (kick(sr, rng, 120.0, tonic, 0.3), snare(sr, rng, tonic, 0.09, 5000.0));
    let hat = noise(sr, rng, 0.05, 0.015, 5000.0, 9000.0);
    let epiano = [(1.0, 1.0, 0.5), (2.0, 0.3, 0.25), (3.0, 0.08, 0.1)];
    for bar in 0..mix.bars(4.0 * beat) {
        let chord = chords[order[bar % 4]];
        let grid = Grid(bar as f32 * 4.0 * beat, beat / 4.0, swing);
        mix.hits(&grid, kicks, g[0], 0.0, &kick_v);
        mix.hits(&grid, "....x.......x...", g[1], 0.05, &snare_v);
        mix.hits(&grid, "o.o.o.o.o.o.o.ox", 0.25, 0.4, &hat);
        let sub = hz(tonic - 12.0 + chord[0]);
        for (s, steps) in onsets(kicks) {
            let dur = steps as f32 * beat / 4.0;
            let v = sweep(sr, 1.06 * sub, sub, 0.02, 0.8, dur, &[(1.0, 1.0), (2.0, 0.25)]);
            mix.add(grid.at(s), 0.6 * g[2], 0.0, &v);
        }
        for (s, _) in onsets(stabs) {
            for (i, c) in chord.iter().enumerate() {
                let v = partials(sr, hz(tonic + 12.0 + c), 0.7, 0.004, &epiano);
                mix.add(grid.at(s), 0.2 * g[3], 0.3 * i as f32 - 0.45, &v);
            }
        }
    }
}

/// Slow, soft solo piano in A major with major-7th and add-9 chords: bass octaves, rolled
/// right-hand chords, a sparse high melody and a quiet sustained pad; no drums.
fn instrumental(mix: &mut Mix, rng: &mut SplitMix64) {
    let (sr, beat, tonic, g) = (mix.sr, beat_len(rng, 66.0), key(rng, 57.0), gains(rng, 3));
    let chords = [[0.0, 4.0, 7.0, 11.0], [5.0, 9.0, 12.0, 16.0], [-3.0, 0.0, 7.0, 11.0], [7.0, 9.0, 11.0, 14.0]];
    let order = pick(rng, &[[0, 1, 2, 3], [0, 2, 1, 3], [0, 1, 0, 3]]);
    let piano = [(1.0, 1.0, 2.0), (2.002, 0.35, 1.2), (3.006, 0.12, 0.7), (4.012, 0.05, 0.4)];
    let roll = uniform(rng, 0.025, 0.06);
    for bar in 0..mix.bars(4.0 * beat) {
        let chord = chords[order[bar % 4]];
        let grid = Grid(bar as f32 * 4.0 * beat, beat / 2.0, 0.0);
        for low in [chord[0] - 12.0, chord[0] - 24.0] {
            mix.add(grid.at(0), 0.3 * g[0], -0.2, &partials(sr, hz(tonic + low), 4.0 * beat, 0.005, &piano));
        }
        let second = pick(rng, &[0.0, 0.6]);
        for (i, c) in chord.iter().enumerate() {
            let v = partials(sr, hz(tonic + c), 3.0 * beat, 0.005, &piano);
            let (pan, at) = (0.15 * i as f32 - 0.2, i as f32 * roll);
            mix.add(grid.at(0) + at, 0.25 * g[1], pan, &v);
            mix.add(grid.at(4) + at, 0.25 * g[1] * second, pan, &v);
            let pad = partials(sr, hz(tonic + c), 4.0 * beat + 0.5, 1.0, &[(1.0, 1.0, 20.0), (2.0, 0.15, 20.0)]);
            mix.add(grid.at(0), 0.06, 0.0, &pad);
        }
        for (e, _) in onsets(pick(rng, &["..x..x..", "..x....x", "...x.x..", "..x.x.x."])) {
            let note = tonic + 12.0 + pick(rng, &chord) + pick(rng, &[0.0, 12.0]);
            mix.add(grid.at(e), 0.2 * g[2], 0.3, &partials(sr, hz(note), 2.0 * beat, 0.005, &piano));
        }
    }
}

/// Rupak-like 7/8 (3+2+2) on tabla-like drums tuned to the tonic, a tanpura drone and a
/// nasal reed melody with scoops and vibrato in E♭ phrygian dominant.
fn international(mix: &mut Mix, rng: &mut SplitMix64) {
    let (sr, pulse, tonic, g) = (mix.sr, beat_len(rng, 300.0), key(rng, 51.0), gains(rng, 3));
    let (sa, low) = (hz(tonic + 12.0), fold(hz(tonic), 70.0));
    let na = sweep(sr, 1.03 * sa, sa, 0.01, 0.18, 0.6, &[(1.0, 1.0), (2.0, 0.5), (3.0, 0.3), (4.0, 0.15)]);
    let tin = sweep(sr, 2.0 * sa, 2.0 * sa, 0.01, 0.07, 0.3, &[(1.0, 1.0), (1.5, 0.3)]);
    let ge = sweep(sr, 0.94 * low, low, 0.08, 0.3, 0.9, &[(1.0, 1.0), (2.0, 0.2)]);
    let ka = noise(sr, rng, 0.06, 0.015, 200.0, 2500.0);
    // Strokes: n na, t tin, g ge, d dha (na + ge), k ka; - and + are quiet na and tin.
    let strokes = pick(rng, &["ttndndn", "dgndntn", "d-ndgnk", "tt+dndn"]);
    let mut reed = Synth::new(Wave::Saw, 3.0, 1400.0, 600.0);
    (reed.attack, reed.detune, reed.vibrato, reed.scoop) = (0.03, 1.003, 0.012, -1.5);
    let phrase = walk(rng, &[-1.0, 0.0, 1.0, 4.0, 5.0, 7.0, 8.0, 10.0, 12.0, 13.0, 16.0], 8);
    let melody = pick(rng, &["x..x.x.", "x.xx.x.", "x..xxx.", "x.xx.xx"]);
    let (tanpura, gap) = ([-5.0, 0.0, 0.0, -12.0], uniform(rng, 0.5, 0.7));
    for k in 0..(mix.seconds() / gap) as usize + 1 {
        let mut v = pluck(sr, rng, hz(tonic + tanpura[k % 4]), 3.0, 0.9, 2.5);
        v.iter_mut().for_each(|x| *x = soft_clip(2.0 * *x));
        mix.add(k as f32 * gap, 0.3 * g[0], (k % 2) as f32 * 0.6 - 0.3, &v);
    }
    for bar in 0..mix.bars(7.0 * pulse) {
        let grid = Grid(bar as f32 * 7.0 * pulse, pulse, 0.0);
        for (p, c) in strokes.chars().enumerate() {
            let (at, accent) = (grid.at(p), if [0, 3, 5].contains(&p) { 0.6 } else { 0.4 });
            match c {
                'n' | 'd' | '-' => mix.add(at, if c == '-' { 0.2 } else { accent }, 0.2, &na),
                't' | '+' => mix.add(at, if c == '+' { 0.2 } else { accent }, 0.2, &tin),
                'k' => mix.add(at, 0.4, 0.0, &ka),
                _ => {}
            }
            if c == 'g' || c == 'd' {
                mix.add(at, 1.2 * accent, -0.1, &ge);
            }
        }
        for (i, (e, steps)) in onsets(melody).into_iter().enumerate() {
            let f = hz(tonic + 12.0 + phrase[(bar % 2) * 4 + i % 4]);
            mix.add(grid.at(e), 0.22 * g[1], -0.25, &reed.play(sr, &[f], steps as f32 * pulse));
        }
    }
}

/// Radio pop in F♯ major: I–V–vi–IV, bright piano chords on the beat, eighth-note bass, kick
/// on one and three, snare and clap on two and four, and a repeating square-wave lead.
fn pop(mix: &mut Mix, rng: &mut SplitMix64) {
    let (sr, beat, tonic, g) = (mix.sr, beat_len(rng, 110.0), key(rng, 54.0), gains(rng, 4));
    let chords = [[0.0, 4.0, 7.0], [-5.0, -1.0, 2.0], [-3.0, 0.0, 4.0], [-7.0, -3.0, 0.0]];
    let kicks = pick(rng, &["x.......x.......", "x.....x.x.......", "x.......x.x....."]);
    let (kick_v, snare_v) = (kick(sr, rng, 140.0, tonic, 0.12), snare(sr, rng, tonic, 0.07, 9000.0));
    let (clap_v, hat) = (clap(sr, rng), noise(sr, rng, 0.06, 0.02, 8000.0, 15000.0));
    let piano = [(1.0, 1.0, 0.9), (2.0, 0.5, 0.6), (3.0, 0.3, 0.4), (4.0, 0.2, 0.3), (5.0, 0.1, 0.2)];
    let bass = Synth::new(Wave::Saw, 0.3, 500.0, 600.0);
    let mut lead = Synth::new(Wave::Square, 0.8, 5000.0, 3000.0);
    (lead.vibrato, lead.detune) = (0.006, 1.004);
    let scale = [-1.0, 0.0, 2.0, 4.0, 7.0, 9.0, 11.0, 12.0, 14.0, 16.0];
    let rhythms = ["x.xxx.x.", "xxx.xxx.", "x..xx.x.", "x.x.x.xx"];
    let tune: Vec<(&str, Vec<f32>)> = (0..4).map(|_| (pick(rng, &rhythms), walk(rng, &scale, 8))).collect();
    for bar in 0..mix.bars(4.0 * beat) {
        let chord = chords[bar % 4];
        let grid = Grid(bar as f32 * 4.0 * beat, beat / 4.0, 0.0);
        mix.hits(&grid, kicks, g[0], 0.0, &kick_v);
        mix.hits(&grid, "....x.......x...", 0.4 * g[1], 0.0, &snare_v);
        mix.hits(&grid, "....x.......x...", 0.4 * g[1], 0.2, &clap_v);
        mix.hits(&grid, "xoxoxoxoxoxoxoxo", 0.6, -0.4, &hat);
        let root = bass.play(sr, &[hz(tonic - 12.0 + chord[0])], beat / 2.0);
        mix.hits(&grid, "x.x.x.x.x.x.x.x.", 0.3, 0.0, &root);
        for (i, c) in chord.iter().enumerate() {
            let v = partials(sr, hz(tonic + 12.0 + c), beat, 0.003, &piano);
            mix.hits(&grid, "x...x...x...x...", 0.3 * g[2], 0.4 * i as f32 - 0.4, &v);
        }
        let (rhythm, notes) = &tune[bar % 4];
        for (i, (e, steps)) in onsets(rhythm).into_iter().enumerate() {
            let v = lead.play(sr, &[hz(tonic + 24.0 + notes[i])], steps as f32 * beat / 2.0);
            mix.add(grid.at(2 * e), 0.28 * g[3], 0.1, &v);
        }
    }
}

/// Hard rock in F♯: eighth-note power chords (root, fifth, octave) through heavy saturation,
/// double-tracked left and right, a driven bass, kick and loud snare, hats and crashes.
fn rock(mix: &mut Mix, rng: &mut SplitMix64) {
    let (sr, beat, tonic, g) = (mix.sr, beat_len(rng, 152.0), key(rng, 42.0), gains(rng, 3));
    let riff = pick(rng, &[[0.0, 0.0, 3.0, 5.0], [0.0, -2.0, -4.0, -2.0], [0.0, 5.0, 3.0, -2.0]]);
    let kicks = pick(rng, &["x..xx...", "x...xx..", "xx..x..."]);
    let (kick_v, snare_v) = (kick(sr, rng, 130.0, tonic, 0.1), snare(sr, rng, tonic, 0.12, 11000.0));
    let hat = noise(sr, rng, 0.12, 0.04, 7000.0, 16000.0);
    let crash = noise(sr, rng, 2.0, 0.6, 6000.0, 16000.0);
    let mut guitar = Synth::new(Wave::Saw, 0.25, 8000.0, 3000.0);
    (guitar.detune, guitar.drive) = (1.007, uniform(rng, 3.0, 6.0));
    let mut bass = Synth::new(Wave::Saw, 0.3, 700.0, 0.0);
    bass.drive = 2.0;
    for bar in 0..mix.bars(4.0 * beat) {
        let grid = Grid(bar as f32 * 4.0 * beat, beat / 2.0, 0.0);
        mix.hits(&grid, kicks, 0.9 * g[0], 0.0, &kick_v);
        mix.hits(&grid, "..x...x.", 0.8 * g[1], 0.0, &snare_v);
        mix.hits(&grid, "xxxxxxxx", 0.6, 0.3, &hat);
        mix.hits(&grid, if bar % 2 == 0 { "x" } else { "" }, 0.25, -0.3, &crash);
        for half in 0..2 {
            let root = tonic + riff[(bar % 2) * 2 + half];
            let power = [hz(root), hz(root + 7.0), hz(root + 12.0)];
            let (long, short) = (guitar.play(sr, &power, beat / 2.0), guitar.play(sr, &power, beat / 3.0));
            let sub = Grid(grid.at(4 * half), beat / 2.0, 0.0);
            for (pan, delay) in [(-0.7, 0.0), (0.7, 0.012)] {
                let sub = Grid(sub.0 + delay, sub.1, 0.0);
                mix.hits(&sub, "x.x.", 0.3 * g[2], pan, &long);
                mix.hits(&sub, ".x.x", 0.3 * g[2], pan, &short);
            }
            mix.hits(&sub, "xxxx", 0.35, 0.0, &bass.play(sr, &[hz(root - 12.0)], beat / 2.0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[ignore]
    fn explore() {
        use genrescope_core::{Feature, FeatureConfig};
        let feats = [
            Feature::Mel,
            Feature::Mfcc,
            Feature::ChromaStft,
            Feature::ChromaCqt,
            Feature::Tonnetz,
            Feature::SpectralCentroid,
            Feature::SpectralRolloff,
            Feature::ZeroCrossingRate,
            Feature::Fourier,
        ];
        let cfg = FeatureConfig::default();
        let nseed: u64 = std::env::var("NSEED")
            .ok()
            .map(|v| v.parse().unwrap())
            .unwrap_or(8);
        let mut rows: Vec<(usize, Vec<Vec<f32>>)> = Vec::new();
        let mut orng = SplitMix64::new(99);
        for (si, style) in Style::ALL.iter().enumerate() {
            for seed in 0..nseed {
                let a = render(*style, 30.0, 44_100, seed + 100);
                let mp3 = crate::demo::mp3::encode(&a).unwrap();
                let dec = genrescope_core::audio::decode::decode(mp3, Some("mp3")).unwrap();
                let off = f64::from(uniform(&mut orng, 0.0, 16.0));
                let y = dec.window(22_050, off, Some(14.0)).unwrap();
                let fs = genrescope_core::compute(&y, &cfg, &feats).unwrap();
                let mut v = Vec::new();
                for f in feats {
                    if f == Feature::Fourier {
                        let m = fs.get1(f).unwrap();
                        let n = m.len();
                        let mut d = Vec::new();
                        for b in 0..120 {
                            let lo =
                                (20.0 * 2f32.powf(b as f32 / 12.0) / 11025.0 * n as f32) as usize;
                            let hi =
                                ((20.0 * 2f32.powf((b + 1) as f32 / 12.0) / 11025.0 * n as f32)
                                    as usize)
                                    .max(lo + 1)
                                    .min(n);
                            if lo >= n {
                                d.push(0.0);
                                continue;
                            }
                            let e: f32 = m
                                .slice(ndarray::s![lo..hi])
                                .iter()
                                .map(|x| x * x)
                                .sum::<f32>()
                                / (hi - lo) as f32;
                            d.push((e + 1e-6).ln());
                        }
                        v.push(d);
                        continue;
                    }
                    let m = fs.get2(f).unwrap();
                    let mut d = Vec::new();
                    for r in m.rows() {
                        let mean = r.mean().unwrap();
                        let sd = r.std(0.0);
                        d.push(mean);
                        d.push(sd);
                    }
                    // Temporal structure: autocorrelation of the frame-to-frame change.
                    let t = m.ncols();
                    let flux: Vec<f32> = (1..t).map(|j| m.column(j).iter().zip(m.column(j - 1).iter()).map(|(a, b)| (a - b).abs()).sum::<f32>()).collect();
                    let fm = flux.iter().sum::<f32>() / flux.len() as f32;
                    let fc: Vec<f32> = flux.iter().map(|x| x - fm).collect();
                    let e0 = fc.iter().map(|x| x * x).sum::<f32>() + 1e-9;
                    if std::env::var("STY_AC").is_ok() {
                        for lag in 1..80 {
                            d.push(0.3 * fc.iter().zip(&fc[lag..]).map(|(a, b)| a * b).sum::<f32>() / e0);
                        }
                    }
                    v.push(d);
                }
                rows.push((si, v));
            }
        }
        for (fi, f) in feats.iter().enumerate() {
            let dim = rows[0].1[fi].len();
            if dim == 2 {
                let line: Vec<String> = (0..8)
                    .map(|c| {
                        let v: Vec<&Vec<f32>> =
                            rows.iter().filter(|r| r.0 == c).map(|r| &r.1[fi]).collect();
                        let m0 = v.iter().map(|x| x[0]).sum::<f32>() / v.len() as f32;
                        let lo = v.iter().map(|x| x[0]).fold(f32::MAX, f32::min);
                        let hi = v.iter().map(|x| x[0]).fold(f32::MIN, f32::max);
                        let m1 = v.iter().map(|x| x[1]).sum::<f32>() / v.len() as f32;
                        format!("{c}:{m0:.3}[{lo:.3},{hi:.3}]/{m1:.3}")
                    })
                    .collect();
                eprintln!("{:>20}: {}", f.name(), line.join(" "));
            }
            let mut mu = vec![0.0f32; dim];
            let mut sd = vec![0.0f32; dim];
            for (_, v) in &rows {
                for d in 0..dim {
                    mu[d] += v[fi][d] / rows.len() as f32;
                }
            }
            for (_, v) in &rows {
                for d in 0..dim {
                    sd[d] += (v[fi][d] - mu[d]).powi(2) / rows.len() as f32;
                }
            }
            let z: Vec<Vec<f32>> = rows
                .iter()
                .map(|(_, v)| {
                    (0..dim)
                        .map(|d| (v[fi][d] - mu[d]) / (sd[d].sqrt() + 1e-6))
                        .collect()
                })
                .collect();
            let dist =
                |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f32>();
            let (mut nn_ok, mut nc_ok) = (0, 0);
            let mut conf = vec![[0usize; 8]; 8];
            for i in 0..rows.len() {
                let mut best = (f32::MAX, 0);
                for j in 0..rows.len() {
                    if i != j {
                        let d = dist(&z[i], &z[j]);
                        if d < best.0 {
                            best = (d, rows[j].0);
                        }
                    }
                }
                if best.1 == rows[i].0 {
                    nn_ok += 1;
                }
                let mut bc = (f32::MAX, 0);
                for c in 0..8 {
                    let members: Vec<usize> = (0..rows.len())
                        .filter(|&j| j != i && rows[j].0 == c)
                        .collect();
                    let cen: Vec<f32> = (0..dim)
                        .map(|d| {
                            members.iter().map(|&j| z[j][d]).sum::<f32>() / members.len() as f32
                        })
                        .collect();
                    let d = dist(&z[i], &cen);
                    if d < bc.0 {
                        bc = (d, c);
                    }
                }
                if bc.1 == rows[i].0 {
                    nc_ok += 1;
                }
                conf[rows[i].0][bc.1] += 1;
            }
            eprintln!(
                "{:>20}: 1nn {:.3} centroid {:.3}  conf {:?}",
                f.name(),
                nn_ok as f32 / rows.len() as f32,
                nc_ok as f32 / rows.len() as f32,
                conf.iter()
                    .enumerate()
                    .filter(|(c, r)| r[*c] < r.iter().sum::<usize>())
                    .map(|(c, r)| (c, *r))
                    .collect::<Vec<_>>()
            );
        }
    }

    #[test]
    #[ignore]
    fn profiles() {
        use genrescope_core::{Feature, FeatureConfig};
        let cfg = FeatureConfig::default();
        let homes = [48.0f32, 0.0, 60.0, 45.0, 57.0, 51.0, 54.0, 42.0];
        for (si, style) in Style::ALL.iter().enumerate() {
            for feat in [Feature::ChromaCqt, Feature::ChromaStft] {
                let mut acc = [0.0f32; 12];
                for seed in 0..6 {
                    let a = render(*style, 14.0, 22_050, seed + 500);
                    let y: Vec<f32> = a
                        .left
                        .iter()
                        .zip(&a.right)
                        .map(|(l, r)| 0.5 * (l + r))
                        .collect();
                    let fs = genrescope_core::compute(&y, &cfg, &[feat]).unwrap();
                    let m = fs.get2(feat).unwrap();
                    for (k, r) in m.rows().into_iter().enumerate() {
                        let rel = (k as i32 - homes[si] as i32).rem_euclid(12) as usize;
                        acc[rel] += r.mean().unwrap() / 6.0;
                    }
                }
                println!(
                    "PROFILE {:?} {} {:?}",
                    style,
                    feat.name(),
                    acc.iter()
                        .map(|v| (v * 1000.0).round() / 1000.0)
                        .collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    #[ignore]
    fn expdebug() {
        use genrescope_core::{Feature, FeatureConfig};
        let cfg = FeatureConfig::default();
        let st = Style::ALL[std::env::var("STY").map(|v| v.parse().unwrap()).unwrap_or(1)];
        for seed in 100..112u64 {
            let a = render(st, 30.0, 44_100, seed);
            let peak_rms = {
                let e: f32 = a.left.iter().map(|x| x * x).sum::<f32>() / a.left.len() as f32;
                e.sqrt()
            };
            let mp3 = crate::demo::mp3::encode(&a).unwrap();
            let dec = genrescope_core::audio::decode::decode(mp3, Some("mp3")).unwrap();
            let mut line = format!("seed {seed} rms {peak_rms:.4}");
            for off in [0.0, 8.0, 16.0] {
                let y = dec.window(22_050, off, Some(14.0)).unwrap();
                let fs = genrescope_core::compute(&y, &cfg, &[Feature::SpectralCentroid, Feature::ZeroCrossingRate]).unwrap();
                let c = fs.get2(Feature::SpectralCentroid).unwrap().mean().unwrap();
                let z = fs.get2(Feature::ZeroCrossingRate).unwrap().mean().unwrap();
                line += &format!(" | {c:.0} {z:.3}");
            }
            eprintln!("{line}");
        }
    }

    #[test]
    fn timing() {
        for style in Style::ALL {
            let t = std::time::Instant::now();
            let s = render(style, 30.0, 44_100, 1);
            eprintln!("{style:?}: {:?} {}", t.elapsed(), s.left.len());
        }
    }
}
