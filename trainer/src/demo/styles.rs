//! Eight synthesised music styles, one per FMA top-level genre, for the demo dataset.
//!
//! The styles differ in tempo and metre, rhythm, timbre and harmony, and each is stationary:
//! any 14-second window shows all of its traits. Inside a style, tracks vary with the seed:
//! tempo ±6 %, key ±1 semitone, voice gains, patterns and note choices. Drums are tuned to
//! the key. Samples are made with exactly rounded operations only (arithmetic, `sqrt`,
//! rounding, casts); sines and powers come from the polynomials below, not the platform's
//! libm, so a seed gives the same bits on every machine.

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
    let mut mix = Mix::new(seconds, sample_rate, seed ^ salt);
    match style {
        Style::Electronic => electronic(&mut mix),
        Style::Experimental => experimental(&mut mix),
        Style::Folk => folk(&mut mix),
        Style::HipHop => hip_hop(&mut mix),
        Style::Instrumental => instrumental(&mut mix),
        Style::International => international(&mut mix),
        Style::Pop => pop(&mut mix),
        Style::Rock => rock(&mut mix),
    }
    mix.finish()
}

// ---- Deterministic math -----------------------------------------------------------------

/// `sin(2π·x)` for `x` in turns, by an odd polynomial (error below 4e-6).
fn sin_turns(x: f32) -> f32 {
    // Subtract the nearest whole turn (a cast truncates; `floor` may be a libm call).
    let x = x - (x + 0.5f32.copysign(x)) as i64 as f32;
    let y = std::f32::consts::TAU * x.min(0.5 - x).max(-0.5 - x);
    let y2 = y * y;
    y * (1.0 + y2 * (-1.0 / 6.0 + y2 * (1.0 / 120.0 + y2 * (-1.0 / 5040.0 + y2 / 362_880.0))))
}

/// `2^x`, by range reduction and a Taylor series in f64.
fn exp2(x: f32) -> f32 {
    let x = f64::from(x.clamp(-120.0, 120.0));
    let (k, z) = (x.floor(), (x - x.floor()) * std::f64::consts::LN_2);
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for i in 1..=12 {
        term *= z / f64::from(i);
        sum += term;
    }
    (sum * f64::from_bits(((k as i64 + 1023) as u64) << 52)) as f32
}

/// The frequency of a MIDI note (A4 = 69 = 440 Hz).
fn hz(midi: i32) -> f32 {
    440.0 * exp2((midi - 69) as f32 / 12.0)
}

/// The frequency of `midi` moved by octaves into the octave from `lowest` up.
fn fold(midi: i32, lowest: i32) -> f32 {
    hz(lowest + (midi - lowest).rem_euclid(12))
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

/// Linear fades over `attack` seconds at the start and `release` seconds at the end.
fn fade(out: &mut [f32], sr: f32, attack: f32, release: f32) {
    let (na, nr, n) = ((attack * sr).max(1.0), (release * sr).max(1.0), out.len());
    for (i, v) in out.iter_mut().enumerate() {
        *v *= ((i + 1) as f32 / na).min(1.0) * ((n - i) as f32 / nr).min(1.0);
    }
}

/// The largest magnitude in `v`.
fn peak(v: &[f32]) -> f32 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// Adds `gain · voice` into `out` from sample `at` on.
fn layer(out: &mut [f32], at: usize, gain: f32, voice: &[f32]) {
    let tail = out.iter_mut().skip(at);
    tail.zip(voice).for_each(|(o, v)| *o += gain * v);
}

// ---- Patterns --------------------------------------------------------------------------------

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
    at.iter()
        .enumerate()
        .map(|(k, &i)| (i, next(k) - i))
        .collect()
}

// ---- The mix: a stereo bus with the track's randomness ---------------------------------------

/// A stereo bus that voices are added into, with the track's random generator.
struct Mix {
    left: Vec<f32>,
    right: Vec<f32>,
    sr: f32,
    sample_rate: u32,
    rng: SplitMix64,
}

impl Mix {
    fn new(seconds: f32, sample_rate: u32, seed: u64) -> Mix {
        let n = (seconds.max(0.0) * sample_rate as f32).round() as usize;
        Mix {
            left: vec![0.0; n],
            right: vec![0.0; n],
            sr: sample_rate as f32,
            sample_rate,
            rng: SplitMix64::new(seed),
        }
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
        let start = (at.max(0.0) * self.sr).round() as usize;
        layer(&mut self.left, start, gain * (1.0 - pan).min(1.0), voice);
        layer(&mut self.right, start, gain * (1.0 + pan).min(1.0), voice);
    }

    /// Adds `voice` at each `x` (full `gain`) and `o` (half) of `pattern`, a step a character.
    fn hits(&mut self, grid: &Grid, pattern: &str, gain: f32, pan: f32, voice: &[f32]) {
        for (i, c) in pattern.chars().enumerate().filter(|(_, c)| *c != '.') {
            let g = if c == 'x' { gain } else { 0.5 * gain };
            self.add(grid.at(i), g, pan, voice);
        }
    }

    /// Peak-normalises to 0.8.
    fn finish(mut self) -> Stereo {
        let peak = peak(&self.left).max(peak(&self.right));
        if peak > 0.0 {
            let gain = 0.8 / peak;
            self.left.iter_mut().for_each(|v| *v *= gain);
            self.right.iter_mut().for_each(|v| *v *= gain);
        }
        let (left, right, sample_rate) = (self.left, self.right, self.sample_rate);
        Stereo {
            left,
            right,
            sample_rate,
        }
    }

    /// Uniform in `[lo, hi)`.
    fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * 0.5 * (self.rng.next_signed() + 1.0)
    }

    /// A uniformly chosen index below `n`.
    fn index(&mut self, n: usize) -> usize {
        (self.rng.next_u64() % n as u64) as usize
    }

    /// A uniformly chosen element of `items`.
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    /// `n` random gains in `[0.8, 1.2)`: the balance of a track's voices.
    fn gains(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.uniform(0.8, 1.2)).collect()
    }

    /// Seconds per beat for `bpm` varied by ±6 %.
    fn beat(&mut self, bpm: f32) -> f32 {
        60.0 / (bpm * self.uniform(0.94, 1.06))
    }

    /// A key: `home` (MIDI) moved by −1, 0 or +1 semitone.
    fn key(&mut self, home: i32) -> i32 {
        home + self.index(3) as i32 - 1
    }

    /// A random walk of `len` notes over `scale` in steps of at most two degrees.
    fn walk(&mut self, scale: &[i32], len: usize) -> Vec<i32> {
        let mut at = scale.len() / 2;
        let mut step = |_| {
            at = (at + self.index(5)).saturating_sub(2).min(scale.len() - 1);
            scale[at]
        };
        (0..len).map(&mut step).collect()
    }
}

// ---- Voices: each returns one mono note ------------------------------------------------------

impl Mix {
    /// Decaying sine partials `(ratio, amplitude)` of `f` Hz, each with time constant
    /// `tau / ratio` seconds: piano, e-piano, bells, pads. A partial is four interleaved
    /// rotating phasors, each stepping four samples (independent chains, so they pipeline);
    /// their magnitudes are reset every 1024 samples so that rounding cannot make them drift.
    fn partials(&self, f: f32, dur: f32, attack: f32, tau: f32, parts: &[(f32, f32)]) -> Vec<f32> {
        let sr = self.sr;
        let mut out = vec![0.0f32; (dur * sr) as usize];
        for &(ratio, amp) in parts.iter().filter(|p| f * p.0 < 0.45 * sr) {
            let (step, decay) = (f * ratio / sr, |k: f32| decay_coeff(tau / ratio / k, sr));
            // Lane k starts at amp·r^k·e^(2πi·k·step), r^k being the decay over k samples.
            let turn = |k: f32| (sin_turns(k * step + 0.25), sin_turns(k * step));
            let mut target: [f32; 4] = std::array::from_fn(|k| amp * decay(k as f32));
            let mut re: [f32; 4] = std::array::from_fn(|k| target[k] * turn(k as f32).0);
            let mut im: [f32; 4] = std::array::from_fn(|k| target[k] * turn(k as f32).1);
            let (c, s) = (decay(4.0) * turn(4.0).0, decay(4.0) * turn(4.0).1);
            let block = decay(1024.0);
            for chunk in out.chunks_mut(1024) {
                for quad in chunk.chunks_mut(4) {
                    quad.iter_mut().zip(&im).for_each(|(v, i)| *v += i);
                    for k in 0..4 {
                        (re[k], im[k]) = (re[k] * c - im[k] * s, re[k] * s + im[k] * c);
                    }
                }
                for k in 0..4 {
                    target[k] *= block;
                    let scale = target[k] / (re[k] * re[k] + im[k] * im[k]).sqrt().max(1e-30);
                    (re[k], im[k]) = (re[k] * scale, im[k] * scale);
                }
            }
        }
        fade(&mut out, sr, attack, 0.01);
        out
    }

    /// A sine with harmonics (`amps[k]` at `k + 1` times the pitch) whose pitch glides
    /// exponentially from `f0` to `f1` (time constant `glide`), decaying with time constant
    /// `decay`: kicks, tabla, sub-bass, glissandi.
    fn sweep(&self, f0: f32, f1: f32, glide: f32, decay: f32, dur: f32, amps: &[f32]) -> Vec<f32> {
        let (g, d) = (decay_coeff(glide, self.sr), decay_coeff(decay, self.sr));
        let (mut diff, mut env, mut phase) = (f0 - f1, 1.0f32, 0.0f32);
        let mut out = vec![0.0f32; (dur * self.sr) as usize];
        for v in out.iter_mut() {
            let f = (f1 + diff) / self.sr;
            phase += f;
            phase -= if phase >= 1.0 { 1.0 } else { 0.0 };
            for (k, a) in (1..).zip(amps) {
                if k as f32 * f < 0.45 {
                    *v += env * a * sin_turns(k as f32 * phase);
                }
            }
            (diff, env) = (diff * g, env * d);
        }
        fade(&mut out, self.sr, 0.001, 0.005);
        out
    }

    /// White noise through a two-pole high-pass (`hp` Hz) and a one-pole low-pass (`lp` Hz),
    /// decaying with time constant `decay`: hats, snares, claps, cymbals, bursts.
    fn noise(&mut self, dur: f32, decay: f32, hp: f32, lp: f32) -> Vec<f32> {
        let (ah, al) = (lp_coeff(hp, self.sr), lp_coeff(lp, self.sr));
        let d = decay_coeff(decay, self.sr);
        let (mut low1, mut low2, mut y, mut env) = (0.0f32, 0.0f32, 0.0f32, 1.0f32);
        let mut out = vec![0.0f32; (dur * self.sr) as usize];
        for v in out.iter_mut() {
            let x = self.rng.next_signed();
            low1 += ah * (x - low1);
            low2 += ah * (x - low1 - low2);
            y += al * (x - low1 - low2 - y);
            (*v, env) = (env * y, env * d);
        }
        fade(&mut out, self.sr, 0.0005, 0.005);
        out
    }

    /// A plucked string (Karplus–Strong with a fractional delay): `bright` in (0, 1] colours
    /// the initial noise burst, `decay` is the time constant of the fundamental.
    fn pluck(&mut self, freq: f32, dur: f32, bright: f32, decay: f32) -> Vec<f32> {
        let period = (self.sr / freq - 0.5).max(2.0);
        let (whole, frac) = (period as usize, period.fract());
        let loss = exp2(-std::f32::consts::LOG2_E / (decay * freq));
        let n = (dur * self.sr) as usize;
        let mut out = vec![0.0f32; n.max(whole + 2)];
        let mut y = 0.0f32;
        for v in &mut out[..whole + 2] {
            y += bright * (self.rng.next_signed() - y);
            *v = y;
        }
        for i in whole + 2..out.len() {
            let back = |k: usize| out[i - k] * (1.0 - frac) + out[i - k - 1] * frac;
            out[i] = loss * 0.5 * (back(whole) + back(whole + 1));
        }
        out.truncate(n);
        fade(&mut out, self.sr, 0.0005, 0.02);
        out
    }

    /// A kick drum: a sine falling fast from `top` Hz to the key's `tonic` in the octave
    /// above 41 Hz, with a click.
    fn kick(&mut self, top: f32, tonic: i32, decay: f32) -> Vec<f32> {
        let mut out = self.sweep(top, fold(tonic, 28), 0.006, decay, 4.0 * decay, &[1.0, 0.1]);
        layer(&mut out, 0, 0.3, &self.noise(0.01, 0.002, 1500.0, 8000.0));
        out
    }

    /// A snare: band-limited noise over a short tone on the key's fifth.
    fn snare(&mut self, tonic: i32, decay: f32, lp: f32) -> Vec<f32> {
        let tone = fold(tonic + 7, 51);
        let mut out = self.noise(5.0 * decay, decay, 300.0, lp);
        let body = self.sweep(1.3 * tone, tone, 0.01, 0.6 * decay, 3.0 * decay, &[1.0]);
        layer(&mut out, 0, 0.5, &body);
        out
    }

    /// A hand clap: three quick noise bursts and a tail.
    fn clap(&mut self) -> Vec<f32> {
        let mut out = self.noise(0.25, 0.06, 900.0, 7000.0);
        for k in 1..3 {
            let burst = self.noise(0.012, 0.004, 900.0, 7000.0);
            layer(&mut out, k * self.sr as usize / 90, 1.5, &burst);
        }
        out
    }
}

/// Oscillator shapes of [`Synth`], band-limited by polyBLEP so that they hardly alias.
#[derive(Clone, Copy, Default)]
enum Wave {
    #[default]
    Saw,
    Square,
}

/// A subtractive-synth voice: an oscillator per note (doubled `detune` apart when
/// `detune > 1`), saturation (`drive`), a two-pole low-pass at `cutoff` Hz that opens by
/// `sweep` Hz at the onset, an attack/exponential-decay envelope and vibrato (relative).
#[derive(Clone, Copy, Default)]
struct Synth {
    wave: Wave,
    decay: f32,
    cutoff: f32,
    sweep: f32,
    attack: f32,
    detune: f32,
    drive: f32,
    vibrato: f32,
}

impl Synth {
    /// A voice with a 5 ms attack and no detune, drive or vibrato.
    fn new(wave: Wave, decay: f32, cutoff: f32, sweep: f32) -> Synth {
        let mut s = Synth::default();
        (s.wave, s.decay, s.cutoff, s.sweep, s.attack) = (wave, decay, cutoff, sweep, 0.005);
        s
    }

    /// `dur` seconds of the chord `notes` (MIDI).
    fn play(&self, sr: f32, notes: &[i32], dur: f32) -> Vec<f32> {
        let mut incs: Vec<f32> = notes.iter().map(|&m| hz(m) / sr).collect();
        if self.detune > 1.0 {
            incs.extend(notes.iter().map(|&m| hz(m) * self.detune / sr));
        }
        let mut phases = vec![0.0f32; incs.len()];
        let d = decay_coeff(self.decay, sr);
        let fd = decay_coeff(0.4 * self.decay, sr);
        let (mut env, mut fenv, mut lp1, mut lp2) = (1.0f32, 1.0f32, 0.0f32, 0.0f32);
        let mut out = vec![0.0f32; (dur * sr) as usize];
        for (i, v) in out.iter_mut().enumerate() {
            let mut bend = 1.0;
            if self.vibrato > 0.0 {
                bend += self.vibrato * sin_turns(5.5 * i as f32 / sr);
            }
            let mut x = 0.0;
            for (p, &inc) in phases.iter_mut().zip(&incs) {
                let dt = inc * bend;
                *p += dt;
                *p -= if *p >= 1.0 { 1.0 } else { 0.0 };
                // PolyBLEP: a polynomial residual rounds off each step of the wave.
                let blep = |t: f32| match t {
                    t if t < dt => -(t / dt - 1.0) * (t / dt - 1.0),
                    t if t > 1.0 - dt => ((t - 1.0) / dt + 1.0) * ((t - 1.0) / dt + 1.0),
                    _ => 0.0,
                };
                x += match self.wave {
                    Wave::Saw => 2.0 * *p - 1.0 - blep(*p),
                    Wave::Square if *p < 0.5 => 1.0 + blep(*p) - blep(*p + 0.5),
                    Wave::Square => -1.0 + blep(*p) - blep(*p - 0.5),
                };
            }
            if self.drive > 0.0 {
                x = soft_clip(self.drive * x);
            }
            let a = lp_coeff(self.cutoff + self.sweep * fenv, sr);
            lp1 += a * (x - lp1);
            lp2 += a * (lp1 - lp2);
            (*v, env, fenv) = (env * lp2, env * d, fenv * fd);
        }
        fade(&mut out, sr, self.attack, 0.01);
        out
    }
}

// ---- The styles ------------------------------------------------------------------------------

/// House in C minor: i–VI–III–VII, kick on every beat, open hats off the beat, rolling saw
/// bass and a bright square arpeggio in sixteenths over a soft saw pad.
fn electronic(mix: &mut Mix) {
    let (sr, beat, tonic, g) = (mix.sr, mix.beat(128.0), mix.key(48), mix.gains(4));
    let chords = [[0, 3, 7], [-4, 0, 3], [3, 7, 10], [-2, 2, 5]];
    let order = mix.pick(&[[0, 1, 2, 3], [0, 3, 1, 3], [0, 1, 3, 2]]);
    let arp_order: Vec<usize> = (0..8).map(|_| mix.index(6)).collect();
    let claps = mix.pick(&["....x.......x...", ""]);
    let (kick, clap) = (mix.kick(160.0, tonic, 0.16), mix.clap());
    let open = mix.noise(0.3, 0.07, 8000.0, 16000.0);
    let closed = mix.noise(0.06, 0.015, 9000.0, 16000.0);
    let mut bass = Synth::new(Wave::Saw, 0.12, 250.0, 1500.0);
    let arp = Synth::new(Wave::Square, 0.09, mix.uniform(6000.0, 8000.0), 5000.0);
    let mut pad = Synth::new(Wave::Saw, 6.0, 1500.0, 0.0);
    (bass.detune, pad.detune, pad.attack) = (1.006, 1.008, 0.3);
    for bar in 0..mix.bars(4.0 * beat) {
        let chord = chords[order[bar % 4]];
        let grid = Grid(bar as f32 * 4.0 * beat, beat / 4.0, 0.0);
        mix.hits(&grid, "x...x...x...x...", g[0], 0.0, &kick);
        mix.hits(&grid, "..x...x...x...x.", 1.0, 0.3, &open);
        mix.hits(&grid, ".x.x.x.x.x.x.x.x", 0.4, -0.4, &closed);
        mix.hits(&grid, claps, 0.3, 0.1, &clap);
        let v = pad.play(sr, &chord.map(|c| tonic + 12 + c), 4.0 * beat);
        mix.add(grid.at(0), 0.07 * g[1], 0.0, &v);
        for s in 0..16 {
            let k = arp_order[s % 8];
            let note = tonic + 12 + chord[k % 3] + 12 * (k / 3) as i32;
            let v = arp.play(sr, &[note], beat / 4.0);
            mix.add(grid.at(s), 0.3 * g[2], [-0.5, 0.5][s % 2], &v);
            if s % 4 != 0 {
                let octave = if s % 4 == 2 { 12 } else { 0 };
                let v = bass.play(sr, &[tonic - 12 + chord[0] + octave], beat / 4.0);
                mix.add(grid.at(s), 0.25 * g[3], 0.0, &v);
            }
        }
    }
}

/// No pulse: a dense, irregular stream of bells with inharmonic partials at free pitches,
/// glissandi, band-limited noise bursts and grain clouds, over a beating low drone and a
/// breath of high noise, all under slow random swells.
fn experimental(mix: &mut Mix) {
    let (len, base) = (mix.seconds(), mix.uniform(45.0, 70.0));
    let drone = [(1.0, 1.0), (1.51, 0.6), (2.23, 0.4), (3.07, 0.25)];
    let bells = [[2.76, 5.40, 8.93], [1.41, 3.73, 6.17], [2.32, 4.25, 6.63]];
    let v = mix.partials(base, len, 2.0, 1e5, &drone);
    mix.add(0.0, 0.05, -0.2, &v);
    let v = mix.partials(base * 1.007, len, 3.0, 1e5, &drone[..2]);
    mix.add(0.0, 0.05, 0.3, &v);
    let v = mix.noise(len, 1e5, 3000.0, 9000.0);
    mix.add(0.0, 0.1, 0.0, &v);
    let (mut t, mut k) = (0.0, 0);
    while t < len {
        let (level, pan) = (mix.uniform(0.5, 1.0), mix.uniform(-0.8, 0.8));
        let (f, dur) = (220.0 * exp2(mix.uniform(0.0, 3.0)), mix.uniform(0.2, 1.0));
        let mut voice = match k % 4 {
            0 => {
                let r = mix.pick(&bells);
                let parts = [(1.0, 1.0), (r[0], 0.6), (r[1], 0.4), (r[2], 0.3)];
                mix.partials(f, 1.5 * dur, 0.002, dur, &parts)
            }
            1 => {
                let to = f * exp2(mix.uniform(-2.5, 2.5));
                mix.sweep(f, to, 0.4 * dur, dur, dur, &[1.0, 0.0, 0.3])
            }
            2 => {
                let decay = dur * mix.uniform(0.1, 2.0);
                let lp = f * exp2(mix.uniform(-0.5, 2.0));
                mix.noise(dur / 2.0, decay, f / 2.0, lp)
            }
            _ => {
                let mut cloud = vec![0.0f32; (dur * mix.sr) as usize + 1];
                for _ in 0..24 {
                    let pitch = f * exp2(mix.uniform(-1.0, 2.0));
                    let grain = mix.partials(pitch, 0.02, 0.005, 0.01, &[(1.0, 1.0)]);
                    let at = mix.index(cloud.len());
                    layer(&mut cloud, at, 1.0, &grain);
                }
                cloud
            }
        };
        let swell = dur * mix.uniform(0.0, 0.3);
        fade(&mut voice, mix.sr, swell, 0.01);
        mix.add(t, level * level, pan, &voice);
        let gap = mix.uniform(0.0, 1.0);
        (t, k) = (t + 0.05 + 0.3 * gap * gap, k + 1);
    }
    // Slow swells: a random level in [0.4, 1] every 1.5 s, linearly joined.
    let n = (1.5 * mix.sr) as usize;
    let (mut from, mut to) = (1.0, mix.uniform(0.4, 1.0));
    for i in 0..mix.left.len() {
        if i % n == 0 {
            (from, to) = (to, mix.uniform(0.4, 1.0));
        }
        let g = from + (to - from) * (i % n) as f32 / n as f32;
        (mix.left[i], mix.right[i]) = (mix.left[i] * g, mix.right[i] * g);
    }
}

/// A fingerpicked guitar waltz in C major (I, IV, V, vi): a bass note then triad arpeggio
/// in eighths per 3/4 bar, a fiddle tune on major pentatonic and a soft stomp on one.
fn folk(mix: &mut Mix) {
    let (sr, beat, tonic, g) = (mix.sr, mix.beat(100.0), mix.key(60), mix.gains(2));
    let chords: [[i32; 3]; 4] = [[0, 4, 7], [5, 9, 0], [-5, -1, 2], [-3, 0, 4]];
    let order = mix.pick(&[[0, 1, 0, 2], [0, 3, 1, 2], [0, 2, 1, 0]]);
    let pattern = mix.pick(&[[0, 1, 2, 3, 2, 1], [0, 2, 1, 3, 1, 2], [0, 1, 3, 2, 3, 1]]);
    let stomp = mix.sweep(120.0, 70.0, 0.02, 0.05, 0.25, &[1.0]);
    let mut fiddle = Synth::new(Wave::Saw, 3.0, 1200.0, 0.0);
    (fiddle.attack, fiddle.vibrato) = (0.08, 0.006);
    let tune = mix.walk(&[0, 2, 4, 7, 9, 12, 14, 16, 19], 8);
    for bar in 0..mix.bars(3.0 * beat) {
        let chord = chords[order[bar % 4]];
        let grid = Grid(bar as f32 * 3.0 * beat, beat / 2.0, 0.0);
        let mut upper = chord.map(|n| n.rem_euclid(12));
        upper.sort_unstable();
        for (e, &p) in pattern.iter().enumerate() {
            let (note, vel) = match p {
                0 => (tonic - 12 + chord[0], 2.0),
                _ => (tonic + upper[p - 1], 0.6),
            };
            let v = mix.pluck(hz(note), 1.8, 0.12, 1.2);
            let at = grid.at(e) + mix.uniform(0.0, 0.012);
            mix.add(at, 0.6 * g[0] * vel, 0.3 * p as f32 - 0.45, &v);
        }
        mix.add(grid.at(0), 0.25, 0.0, &stomp);
        let v = fiddle.play(sr, &[tonic + 12 + tune[bar % 8]], 2.0 * beat);
        mix.add(grid.at(2), 0.15 * g[1], 0.2, &v);
    }
}

/// Boom-bap in A minor: swung sixteenths, a deep kick with an 808-like sub-bass, a loud
/// snare on two and four, soft hats and sparse dark e-piano minor-7th stabs.
fn hip_hop(mix: &mut Mix) {
    let (beat, tonic, g) = (mix.beat(86.0), mix.key(45), mix.gains(4));
    let swing = mix.uniform(0.03, 0.06) * beat;
    let chords = [[0, 3, 7, 10], [5, 8, 12, 15], [-4, 0, 3, 7]];
    let order = mix.pick(&[[0, 0, 1, 1], [0, 0, 2, 2], [0, 1, 0, 2]]);
    let kicks = mix.pick(&["x......x..x.....", "x..x......x.....", "x.......x.xx...."]);
    let stabs = mix.pick(&["x.....x.........", "...x.......x....", "x......x......x."]);
    let (kick, snare) = (mix.kick(120.0, tonic, 0.3), mix.snare(tonic, 0.09, 5000.0));
    let hat = mix.noise(0.05, 0.015, 5000.0, 9000.0);
    let epiano = [(1.0, 1.0), (2.0, 0.3), (3.0, 0.08)];
    for bar in 0..mix.bars(4.0 * beat) {
        let chord = chords[order[bar % 4]];
        let grid = Grid(bar as f32 * 4.0 * beat, beat / 4.0, swing);
        mix.hits(&grid, kicks, g[0], 0.0, &kick);
        mix.hits(&grid, "....x.......x...", g[1], 0.05, &snare);
        mix.hits(&grid, "o.o.o.o.o.o.o.ox", 0.25, 0.4, &hat);
        let sub = hz(tonic - 12 + chord[0]);
        for (s, steps) in onsets(kicks) {
            let dur = steps as f32 * beat / 4.0;
            let v = mix.sweep(1.06 * sub, sub, 0.02, 0.8, dur, &[1.0, 0.25]);
            mix.add(grid.at(s), 0.6 * g[2], 0.0, &v);
        }
        for (s, _) in onsets(stabs) {
            for (i, c) in chord.iter().enumerate() {
                let v = mix.partials(hz(tonic + 12 + c), 0.7, 0.004, 0.5, &epiano);
                mix.add(grid.at(s), 0.2 * g[3], 0.3 * i as f32 - 0.45, &v);
            }
        }
    }
}

/// Slow, soft solo piano in A major with major-7th and add-9 chords: a bass note, rolled
/// right-hand chords, a sparse melody and a quiet sustained pad; no drums.
fn instrumental(mix: &mut Mix) {
    let (beat, tonic, g) = (mix.beat(66.0), mix.key(57), mix.gains(3));
    let chords = [
        [0, 4, 7, 11],
        [5, 9, 12, 16],
        [-3, 0, 7, 11],
        [7, 9, 11, 14],
    ];
    let order = mix.pick(&[[0, 1, 2, 3], [0, 2, 1, 3], [0, 1, 0, 3]]);
    let piano = [(1.0, 1.0), (2.002, 0.35), (3.006, 0.1)];
    let roll = mix.uniform(0.025, 0.06);
    for bar in 0..mix.bars(4.0 * beat) {
        let chord = chords[order[bar % 4]];
        let grid = Grid(bar as f32 * 4.0 * beat, beat / 2.0, 0.0);
        let v = mix.partials(hz(tonic - 12 + chord[0]), 4.0 * beat, 0.005, 2.0, &piano);
        mix.add(grid.at(0), 0.45 * g[0], -0.2, &v);
        let again = mix.pick(&[0.0, 0.6]);
        for (i, &c) in chord.iter().enumerate() {
            let (pan, at) = (0.15 * i as f32 - 0.2, i as f32 * roll);
            let v = mix.partials(hz(tonic + c), 3.0 * beat, 0.005, 2.0, &piano);
            mix.add(grid.at(0) + at, 0.25 * g[1], pan, &v);
            mix.add(grid.at(4) + at, 0.25 * g[1] * again, pan, &v);
            let v = mix.partials(hz(tonic + c), 4.0 * beat + 0.5, 1.0, 20.0, &[(1.0, 1.0)]);
            mix.add(grid.at(0), 0.07, 0.0, &v);
        }
        for (e, _) in onsets(mix.pick(&["..x..x..", "..x....x", "...x.x..", "..x.x.x."])) {
            let note = tonic + 12 + mix.pick(&chord);
            let v = mix.partials(hz(note), 2.0 * beat, 0.005, 2.0, &piano);
            mix.add(grid.at(e), 0.2 * g[2], 0.3, &v);
        }
    }
}

/// Rupak-like 7/8 (3+2+2) on tabla-like drums tuned to the tonic, a tanpura drone and a
/// nasal reed melody with vibrato in E♭ phrygian dominant.
fn international(mix: &mut Mix) {
    let (sr, pulse, tonic, g) = (mix.sr, mix.beat(300.0), mix.key(51), mix.gains(2));
    let (sa, low) = (hz(tonic + 12), fold(tonic, 38));
    let na = mix.sweep(1.03 * sa, sa, 0.01, 0.18, 0.6, &[1.0, 0.5, 0.3, 0.15]);
    let tin = mix.sweep(2.0 * sa, 2.0 * sa, 0.01, 0.07, 0.3, &[1.0, 0.3]);
    let ge = mix.sweep(0.94 * low, low, 0.08, 0.3, 0.9, &[1.0, 0.2]);
    let ka = mix.noise(0.06, 0.015, 200.0, 2500.0);
    // Strokes: n na, t tin, g ge, d dha (na + ge), k ka; - and + are quiet na and tin.
    let strokes = mix.pick(&["ttndndn", "dgndntn", "d-ndgnk", "tt+dndn"]);
    let mut reed = Synth::new(Wave::Saw, 3.0, 1100.0, 500.0);
    (reed.attack, reed.detune, reed.vibrato) = (0.03, 1.003, 0.012);
    let phrase = mix.walk(&[-1, 0, 1, 4, 5, 7, 8, 10, 12, 13, 16], 8);
    let melody = mix.pick(&["x..x.x.", "x.xx.x.", "x..xxx.", "x.xx.xx"]);
    let gap = mix.uniform(0.5, 0.7);
    for k in 0..(mix.seconds() / gap) as usize + 1 {
        let mut v = mix.pluck(hz(tonic + [-5, 0, 0, -12][k % 4]), 3.0, 0.9, 2.5);
        v.iter_mut().for_each(|x| *x = soft_clip(2.0 * *x));
        mix.add(k as f32 * gap, 0.3 * g[0], [-0.3, 0.3][k % 2], &v);
    }
    for bar in 0..mix.bars(7.0 * pulse) {
        let grid = Grid(bar as f32 * 7.0 * pulse, pulse, 0.0);
        for (p, c) in strokes.chars().enumerate() {
            let (at, accent) = (grid.at(p), if [0, 3, 5].contains(&p) { 0.6 } else { 0.4 });
            match c {
                'n' | 'd' => mix.add(at, accent, 0.2, &na),
                't' => mix.add(at, accent, 0.2, &tin),
                '-' => mix.add(at, 0.2, 0.2, &na),
                '+' => mix.add(at, 0.2, 0.2, &tin),
                'k' => mix.add(at, 0.4, 0.0, &ka),
                _ => {}
            }
            if c == 'g' || c == 'd' {
                mix.add(at, 1.2 * accent, -0.1, &ge);
            }
        }
        for (i, (e, steps)) in onsets(melody).into_iter().enumerate() {
            let note = tonic + 12 + phrase[(bar % 2) * 4 + i % 4];
            let v = reed.play(sr, &[note], steps as f32 * pulse);
            mix.add(grid.at(e), 0.22 * g[1], -0.25, &v);
        }
    }
}

/// Radio pop in F♯ major: I–V–vi–IV, bright piano chords on the beat, eighth-note bass, kick
/// on one and three, snare and clap on two and four, 16th hats and a repeating square lead.
fn pop(mix: &mut Mix) {
    let (sr, beat, tonic, g) = (mix.sr, mix.beat(110.0), mix.key(54), mix.gains(4));
    let chords = [[0, 4, 7], [-5, -1, 2], [-3, 0, 4], [-7, -3, 0]];
    let kicks = mix.pick(&["x.......x.......", "x.....x.x.......", "x.......x.x....."]);
    let (kick, snare) = (mix.kick(140.0, tonic, 0.12), mix.snare(tonic, 0.07, 9000.0));
    let (clap, hat) = (mix.clap(), mix.noise(0.06, 0.02, 8000.0, 15000.0));
    let piano = [(1.0, 1.0), (2.0, 0.5), (3.0, 0.3), (4.0, 0.2), (5.0, 0.1)];
    let bass = Synth::new(Wave::Saw, 0.3, 500.0, 600.0);
    let mut lead = Synth::new(Wave::Square, 0.8, 5000.0, 3000.0);
    (lead.vibrato, lead.detune) = (0.006, 1.004);
    let rhythms = ["x.xxx.x.", "xxx.xxx.", "x..xx.x.", "x.x.x.xx"];
    let scale = [-1, 0, 2, 4, 7, 9, 11, 12, 14, 16];
    let mut phrase = |_| (mix.pick(&rhythms), mix.walk(&scale, 8));
    let tune: Vec<(&str, Vec<i32>)> = (0..4).map(&mut phrase).collect();
    for bar in 0..mix.bars(4.0 * beat) {
        let chord = chords[bar % 4];
        let grid = Grid(bar as f32 * 4.0 * beat, beat / 4.0, 0.0);
        mix.hits(&grid, kicks, g[0], 0.0, &kick);
        mix.hits(&grid, "....x.......x...", 0.4 * g[1], 0.0, &snare);
        mix.hits(&grid, "....x.......x...", 0.4 * g[1], 0.2, &clap);
        mix.hits(&grid, "xoxoxoxoxoxoxoxo", 0.8, -0.4, &hat);
        let root = bass.play(sr, &[tonic - 12 + chord[0]], beat / 2.0);
        mix.hits(&grid, "x.x.x.x.x.x.x.x.", 0.3, 0.0, &root);
        for (i, c) in chord.iter().enumerate() {
            let v = mix.partials(hz(tonic + 12 + c), beat, 0.003, 0.9, &piano);
            let pan = 0.4 * i as f32 - 0.4;
            mix.hits(&grid, "x...x...x...x...", 0.3 * g[2], pan, &v);
        }
        let (rhythm, notes) = &tune[bar % 4];
        for (i, (e, steps)) in onsets(rhythm).into_iter().enumerate() {
            let v = lead.play(sr, &[tonic + 24 + notes[i]], steps as f32 * beat / 2.0);
            mix.add(grid.at(2 * e), 0.35 * g[3], 0.1, &v);
        }
    }
}

/// Hard rock in F♯: eighth-note power chords (root, fifth, octave) through heavy saturation,
/// double-tracked left and right, a driven bass, kick and loud snare, hats and crashes.
fn rock(mix: &mut Mix) {
    let (sr, beat, tonic, g) = (mix.sr, mix.beat(152.0), mix.key(42), mix.gains(3));
    let riff = mix.pick(&[[0, 0, 3, 5], [0, -2, -4, -2], [0, 5, 3, -2]]);
    let kicks = mix.pick(&["x..xx...", "x...xx..", "xx..x..."]);
    let (kick, snare) = (mix.kick(130.0, tonic, 0.1), mix.snare(tonic, 0.12, 11000.0));
    let hat = mix.noise(0.12, 0.04, 7000.0, 16000.0);
    let crash = mix.noise(2.0, 0.6, 6000.0, 16000.0);
    let mut guitar = Synth::new(Wave::Saw, 0.25, 8000.0, 3000.0);
    (guitar.detune, guitar.drive) = (1.007, mix.uniform(3.0, 6.0));
    let mut bass = Synth::new(Wave::Saw, 0.3, 700.0, 0.0);
    bass.drive = 2.0;
    for bar in 0..mix.bars(4.0 * beat) {
        let grid = Grid(bar as f32 * 4.0 * beat, beat / 2.0, 0.0);
        mix.hits(&grid, kicks, 0.9 * g[0], 0.0, &kick);
        mix.hits(&grid, "..x...x.", 0.8 * g[1], 0.0, &snare);
        mix.hits(&grid, "xxxxxxxx", 0.6, 0.3, &hat);
        mix.hits(&grid, ["x", ""][bar % 2], 0.25, -0.3, &crash);
        for half in 0..2 {
            let root = tonic + riff[(bar % 2) * 2 + half];
            let (t, power) = (grid.at(4 * half), [root, root + 7, root + 12]);
            let long = guitar.play(sr, &power, beat / 2.0);
            let short = guitar.play(sr, &power, beat / 3.0);
            for (pan, delay) in [(-0.7, 0.0), (0.7, 0.012)] {
                let strums = Grid(t + delay, beat / 2.0, 0.0);
                mix.hits(&strums, "x.x.", 0.4 * g[2], pan, &long);
                mix.hits(&strums, ".x.x", 0.4 * g[2], pan, &short);
            }
            let v = bass.play(sr, &[root - 12], beat / 2.0);
            mix.hits(&Grid(t, beat / 2.0, 0.0), "xxxx", 0.25, 0.0, &v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genrescope_core::{Feature, FeatureConfig};

    fn mean(v: &[f32]) -> f32 {
        v.iter().sum::<f32>() / v.len() as f32
    }

    fn dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    fn distance2(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
    }

    #[test]
    fn the_polynomial_sine_and_power_are_accurate() {
        for i in -2000..2000 {
            let x = i as f32 * 0.00173;
            let sine = (std::f64::consts::TAU * f64::from(x)).sin() as f32;
            assert!((sin_turns(x) - sine).abs() < 1e-5, "sin at {x} turns");
            let power = 2f64.powf(f64::from(10.0 * x)) as f32;
            assert!((exp2(10.0 * x) / power - 1.0).abs() < 1e-6, "2^(10·{x})");
        }
    }

    #[test]
    fn a_seed_gives_the_same_track_and_another_seed_another() {
        for style in Style::ALL {
            let (a, b) = (render(style, 3.0, 22_050, 7), render(style, 3.0, 22_050, 7));
            assert!(a.left == b.left && a.right == b.right, "{style:?}");
            assert_ne!(render(style, 3.0, 22_050, 8).left, a.left, "{style:?}");
        }
    }

    #[test]
    fn tracks_are_finite_stereo_of_the_right_length_and_peak_at_0_8() {
        for style in Style::ALL {
            for (seconds, sr, n) in [(4.0, 44_100, 176_400), (2.5, 22_050, 55_125)] {
                let a = render(style, seconds, sr, 3);
                assert_eq!((a.left.len(), a.right.len(), a.sample_rate), (n, n, sr));
                let peak = peak(&a.left).max(peak(&a.right));
                assert!((peak - 0.8).abs() < 1e-6, "{style:?}: peak {peak}");
                let finite = a.left.iter().chain(&a.right).all(|v| v.is_finite());
                assert!(finite, "{style:?}");
                assert_ne!(a.left, a.right, "{style:?} is not stereo");
            }
            assert!(render(style, 0.0, 22_050, 1).left.is_empty());
        }
    }

    /// Asserts that nearest-centroid classification of `describe`'s vectors of 14 s mono
    /// windows at 22,050 Hz (standardised per dimension), with each style's centroid the mean
    /// of seeds 1 and 2, puts seed 3 of every style in its own style.
    fn assert_seed_3_is_recognised(describe: impl Fn(&[f32]) -> Vec<f32>) {
        let window = |style, seed| {
            let a = render(style, 14.0, 22_050, seed);
            let mono: Vec<f32> = a
                .left
                .iter()
                .zip(&a.right)
                .map(|(l, r)| (l + r) / 2.0)
                .collect();
            describe(&mono)
        };
        let mut rows = Style::ALL.map(|style| [1, 2, 3].map(|seed| window(style, seed)));
        for d in 0..rows[0][0].len() {
            let column: Vec<f32> = rows.iter().flatten().map(|r| r[d]).collect();
            let m = mean(&column);
            let sd = (distance2(&column, &[m; 24]) / 24.0).sqrt().max(1e-9);
            rows.iter_mut()
                .flatten()
                .for_each(|r| r[d] = (r[d] - m) / sd);
        }
        let centroid = |s: &[Vec<f32>; 3]| -> Vec<f32> {
            s[0].iter().zip(&s[1]).map(|(a, b)| (a + b) / 2.0).collect()
        };
        let centroids: Vec<Vec<f32>> = rows.iter().map(centroid).collect();
        for (style, seeds) in Style::ALL.iter().zip(&rows) {
            let d = |c: &Vec<f32>| distance2(c, &seeds[2]);
            let nearest = (0..8).min_by(|&a, &b| d(&centroids[a]).total_cmp(&d(&centroids[b])));
            let found = Style::ALL[nearest.unwrap()];
            assert_eq!(found, *style, "seed 3 of {style:?} is nearest to {found:?}");
        }
    }

    #[test]
    fn styles_differ_in_band_energies_crossings_and_pulse() {
        // Log shares of energy in five bands (split by one-pole low-passes at 150, 600, 2400
        // and 6000 Hz), log zero-crossing rate, and pulse clarity: the highest
        // autocorrelation of the onset envelope at lags of 0.25–1.5 s.
        assert_seed_3_is_recognised(|y| {
            let cuts = [150.0, 600.0, 2400.0, 6000.0].map(|f| lp_coeff(f, 22_050.0));
            let (mut lows, mut energy) = ([0.0f32; 4], [0.0f32; 5]);
            for &x in y {
                (0..4).for_each(|k| lows[k] += cuts[k] * (x - lows[k]));
                let [a, b, c, d] = lows;
                let bands = [a, b - a, c - b, d - c, x - d];
                (0..5).for_each(|k| energy[k] += bands[k] * bands[k]);
            }
            let total: f32 = energy.iter().sum();
            let mut out: Vec<f32> = energy.iter().map(|e| (e / total + 1e-6).ln()).collect();
            let crossings = y.windows(2).filter(|w| (w[0] < 0.0) != (w[1] < 0.0));
            out.push((crossings.count() as f32 / y.len() as f32).ln());
            let loud: Vec<f32> = y.chunks(256).map(|c| (dot(c, c) + 1e-6).ln()).collect();
            let rise: Vec<f32> = loud.windows(2).map(|w| (w[1] - w[0]).max(0.0)).collect();
            let m = mean(&rise);
            let onset: Vec<f32> = rise.iter().map(|r| r - m).collect();
            let clarity = (22..130).map(|lag| dot(&onset, &onset[lag..]) / dot(&onset, &onset));
            out.push(clarity.fold(f32::MIN, f32::max));
            out
        });
    }

    #[test]
    fn styles_differ_in_mel_spectrum_and_chroma() {
        let cfg = FeatureConfig::default();
        assert_seed_3_is_recognised(|y| {
            let which = [Feature::Mel, Feature::ChromaStft];
            let features = genrescope_core::compute(y, &cfg, &which).unwrap();
            let row_means = |f| -> Vec<f32> {
                let rows = features.get2(f).unwrap();
                rows.rows().into_iter().map(|r| r.mean().unwrap()).collect()
            };
            let mut out: Vec<f32> = row_means(Feature::Mel).chunks(8).map(mean).collect();
            out.extend(row_means(Feature::ChromaStft));
            out
        });
    }
}
