//! Band-limited resampling equal (to float rounding) to `librosa.resample(res_type='soxr_hq')`.
//!
//! librosa's default resampler is python-soxr at its `HQ` recipe (libsoxr 0.1.3, 20-bit
//! precision, linear phase, single-precision engine). This module rebuilds the same filter
//! chain from libsoxr's published design rules, so that outputs agree with soxr to about
//! -130 dB rather than merely "both are good resamplers":
//!
//! * the stage plan of libsoxr's `_soxr_init` (an optional `2:1` cascade, a "pre" FIR stage
//!   with small integer `L/M`, a rational poly-phase "arb" stage, an optional "post" stage),
//! * each stage's Kaiser-windowed-sinc design (`lsx_design_lpf`: pass band to
//!   `1 - 0.05 / to_3dB(120.4 dB)` ≈ 0.9137 of the output Nyquist, stop band from the output
//!   Nyquist, 126.4 dB attenuation plus soxr's per-stage budget),
//! * soxr's time alignment: every stage is zero-phase, so output sample `m` sits at input time
//!   `m * orig / target`, and the signal is seen as zeros beyond both ends (soxr pre-loads its
//!   FIFOs with zeros and flushes with zeros),
//! * soxr's output count `floor(n * target / orig + 0.5)`, after which librosa's `fix_length`
//!   pads with zeros (or trims) to `ceil(n * target / orig)`.
//!
//! The FIR stages run as FFT overlap-save convolutions (the `2:1` stage as a two-phase
//! poly-phase convolution that only computes kept samples); the arb stage is a direct
//! poly-phase filter with a precomputed table. Plans are built once per reduced
//! `(orig, target)` pair and cached.
//!
//! Measured against python-soxr: SNR ≈ 130 dB for every ratio below 4:1 (44.1/48/32/16/8 kHz
//! → 22.05 kHz, 2:1, non-rational ratios, upsampling), on music, noise and clicks, edges
//! included. For ratios `>= 4:1` libsoxr first runs fixed half-band filters (tables, not a
//! design rule); these are replaced here by a Kaiser design whose transition band lies outside
//! the final pass band, which gives ≈ 130 dB on music, 80–100 dB on white noise, and larger
//! differences only in the first and last few samples of very short signals.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use num_complex::Complex32;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use crate::error::{Error, Result};

/// Resamples `y` from `orig_sr` to `target_sr` as
/// `librosa.resample(y, orig_sr=orig_sr, target_sr=target_sr, res_type='soxr_hq')`
/// (`fix=True`, `scale=False`): the output has `ceil(len * target / orig)` samples.
///
/// Equal rates return `y` unchanged; an empty `y` gives an empty output.
pub fn resample(y: &[f32], orig_sr: u32, target_sr: u32) -> Result<Vec<f32>> {
    check_rates(orig_sr, target_sr)?;
    if orig_sr == target_sr || y.is_empty() {
        return Ok(y.to_vec());
    }
    Ok(plan(orig_sr, target_sr).process(y))
}

/// [`resample`] with librosa's `scale=True`: the output is divided by
/// `sqrt(target_sr / orig_sr)`, as `librosa.vqt` does when it halves the rate per octave.
pub fn resample_scaled(y: &[f32], orig_sr: u32, target_sr: u32) -> Result<Vec<f32>> {
    let mut out = resample(y, orig_sr, target_sr)?;
    let norm = (f64::from(target_sr) / f64::from(orig_sr)).sqrt();
    for v in &mut out {
        *v = (f64::from(*v) / norm) as f32;
    }
    Ok(out)
}

/// The number of samples [`resample`] returns for `n` input samples:
/// `ceil(n * target_sr / orig_sr)` as librosa computes it (in double precision).
pub fn output_len(n: usize, orig_sr: u32, target_sr: u32) -> usize {
    if orig_sr == target_sr {
        return n;
    }
    (n as f64 * (f64::from(target_sr) / f64::from(orig_sr))).ceil() as usize
}

fn check_rates(orig_sr: u32, target_sr: u32) -> Result<()> {
    if orig_sr == 0 {
        return Err(Error::invalid("orig_sr", "0 Hz is not a sample rate"));
    }
    if target_sr == 0 {
        return Err(Error::invalid("target_sr", "0 Hz is not a sample rate"));
    }
    let ratio = f64::from(orig_sr) / f64::from(target_sr);
    if !(1.0 / 256.0..=256.0).contains(&ratio) {
        return Err(Error::invalid(
            "target_sr",
            format!("{orig_sr} Hz -> {target_sr} Hz is beyond the supported ratio of 256"),
        ));
    }
    Ok(())
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Plans by reduced `(orig, target)` rate pair.
type PlanCache = Mutex<HashMap<(u32, u32), Arc<Plan>>>;

/// The cached plan for a rate pair (reduced by their gcd).
fn plan(orig_sr: u32, target_sr: u32) -> Arc<Plan> {
    static PLANS: OnceLock<PlanCache> = OnceLock::new();
    let g = gcd(orig_sr, target_sr);
    let key = (orig_sr / g, target_sr / g);
    let cache = PLANS.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(p) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Arc::clone(p);
    }
    let p = Arc::new(Plan::new(key.0, key.1));
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, Arc::clone(&p));
    p
}

// ---------------------------------------------------------------------------------------------
// libsoxr's filter design (filter.c), reproduced for numerical compatibility.
// ---------------------------------------------------------------------------------------------

const MULT32: f64 = 65536.0 * 65536.0;
/// Precision of soxr's `HQ` recipe in bits.
const HQ_BITS: f64 = 20.0;

fn linear_to_db(x: f64) -> f64 {
    x.log10() * 20.0
}

/// Modified Bessel function of the first kind, order 0 (power series; exact to ~1 ulp for
/// the Kaiser betas used here).
fn bessel_i0(x: f64) -> f64 {
    let q = x * x / 4.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut k = 1.0;
    while term > sum * 1e-17 {
        term *= q / (k * k);
        sum += term;
        k += 1.0;
    }
    sum
}

fn sine_phi(x: f64) -> f64 {
    ((2.0517e-07 * x - 1.1303e-04) * x + 0.023154) * x + 0.55924
}

fn sine_pow(x: f64) -> f64 {
    0.5f64.ln() / (x * 0.5).sin().ln()
}

/// `lsx_inv_f_resp`: the normalised frequency at which a filter of attenuation `a` dB has
/// dropped by `drop` dB.
fn inv_f_resp(drop: f64, a: f64) -> f64 {
    let mut x = sine_phi(a);
    let drop = (drop * (std::f64::consts::LN_10 * 0.05)).exp();
    let s = if drop > 0.5 { 1.0 - drop } else { drop };
    x = s.powf(1.0 / sine_pow(x)).asin() / x;
    if drop > 0.5 { x } else { 1.0 - x }
}

/// `lsx_kaiser_beta`.
fn kaiser_beta(att: f64, tr_bw: f64) -> f64 {
    if att >= 60.0 {
        const COEFS: [[f64; 4]; 10] = [
            [-6.784957e-10, 1.02856e-05, 0.1087556, -0.8988365 + 0.001],
            [-6.897885e-10, 1.027433e-05, 0.10876, -0.8994658 + 0.002],
            [-1.000683e-09, 1.030092e-05, 0.1087677, -0.9007898 + 0.003],
            [-3.654474e-10, 1.040631e-05, 0.1087085, -0.8977766 + 0.006],
            [8.106988e-09, 6.983091e-06, 0.1091387, -0.9172048 + 0.015],
            [9.519571e-09, 7.272678e-06, 0.1090068, -0.9140768 + 0.025],
            [-5.626821e-09, 1.342186e-05, 0.1083999, -0.9065452 + 0.05],
            [-9.965946e-08, 5.073548e-05, 0.1040967, -0.7672778 + 0.085],
            [1.604808e-07, -5.856462e-05, 0.1185998, -1.34824 + 0.1],
            [-1.511964e-07, 6.363034e-05, 0.1064627, -0.9876665 + 0.18],
        ];
        let realm = (tr_bw / 0.0005).ln() / 2f64.ln();
        let ri = realm as i32;
        let c0 = &COEFS[ri.clamp(0, 9) as usize];
        let c1 = &COEFS[(ri + 1).clamp(0, 9) as usize];
        let b0 = ((c0[0] * att + c0[1]) * att + c0[2]) * att + c0[3];
        let b1 = ((c1[0] * att + c1[1]) * att + c1[2]) * att + c1[3];
        return b0 + (b1 - b0) * (realm - f64::from(ri));
    }
    if att > 50.0 {
        return 0.1102 * (att - 8.7);
    }
    if att > 20.96 {
        return 0.58417 * (att - 20.96).powf(0.4) + 0.07886 * (att - 20.96);
    }
    0.0
}

/// `lsx_make_lpf`: a Kaiser-windowed sinc of `num_taps` taps, cut-off `fc` (1 = Nyquist).
fn make_lpf(num_taps: usize, fc: f64, beta: f64, rho: f64, scale: f64) -> Vec<f64> {
    let m = num_taps - 1;
    let mut h = vec![0.0; num_taps];
    let mult = scale / bessel_i0(beta);
    let mult1 = 1.0 / (0.5 * m as f64 + rho);
    for i in 0..=m / 2 {
        let z = i as f64 - 0.5 * m as f64;
        let x = z * std::f64::consts::PI;
        let y = z * mult1;
        let mut v = if x != 0.0 { (fc * x).sin() / x } else { fc };
        v *= bessel_i0(beta * (1.0 - y * y).sqrt()) * mult;
        h[i] = v;
        h[m - i] = v;
    }
    h
}

/// `lsx_design_lpf`. `num_taps == 0` estimates the length; `k > 0` is a number of phases,
/// `k < 0` makes the length `1 (mod -k)`. Returns the taps (unless `fn_ < 0`, a dry run) and
/// the length.
fn design_lpf(
    fp: f64,
    fs: f64,
    fn_: f64,
    att: f64,
    num_taps: usize,
    k: i32,
    beta: f64,
) -> (Vec<f64>, usize) {
    let phases = k.max(1);
    let modulo = (-k).max(1);
    let rho = if phases == 1 {
        0.5
    } else if att < 120.0 {
        0.63
    } else {
        0.75
    };
    let fp = fp / fn_.abs();
    let mut fs = fs / fn_.abs();
    let mut tr_bw = 0.5 * (fs - fp);
    tr_bw /= f64::from(phases);
    fs /= f64::from(phases);
    tr_bw = tr_bw.min(0.5 * fs);
    let fc = fs - tr_bw;
    // lsx_kaiser_params
    let beta = if beta < 0.0 {
        kaiser_beta(att, tr_bw * 0.5 / fc)
    } else {
        beta
    };
    let a = if att < 60.0 {
        (att - 7.95) / (2.285 * std::f64::consts::PI * 2.0)
    } else {
        ((0.0007528358 - 1.577737e-05 * beta) * beta + 0.6248022) * beta + 0.06186902
    };
    let mut n = if num_taps == 0 {
        (a / tr_bw + 1.0).ceil() as i64
    } else {
        num_taps as i64
    };
    if num_taps == 0 {
        let (p, md) = (i64::from(phases), i64::from(modulo));
        n = if phases > 1 {
            n / p * p + p - 1
        } else {
            (n + md - 2) / md * md + 1
        };
    }
    let n = n as usize;
    if fn_ < 0.0 {
        return (Vec::new(), n);
    }
    (make_lpf(n, fc, beta, rho, f64::from(phases)), n)
}

// ---------------------------------------------------------------------------------------------
// The stage plan (cr.c `_soxr_init`) for the HQ recipe.
// ---------------------------------------------------------------------------------------------

struct StagePlan {
    shr: u32,
    pre_l: i32,
    pre_m: i32,
    arb_l: i32,
    arb_m: f64,
    post_l: i32,
    post_m: i32,
    upsample: bool,
    rational: bool,
    mode: i32,
}

/// The stage decomposition of soxr's `_soxr_init` for `io_ratio = in_rate / out_rate`.
fn stage_plan(io_ratio: f64) -> StagePlan {
    let bits1 = HQ_BITS.min(33.0);
    let mode = (bits1.ceil() as i32 - 6) / 4;
    let mut arb_m = io_ratio;
    let (mut pre_l, mut pre_m, mut shr, mut arb_l, mut post_l, mut post_m) =
        (1i32, 1i32, 0u32, 1i32, 1i32, 1i32);
    let (mut upsample, mut rational) = (false, false);
    // `while (!n++)` in soxr: one pass, repeated once more if a post stage was introduced.
    let mut again = true;
    while again {
        again = false;
        let max_l = 2048;
        let mut epsilon = 0.0;
        upsample = arb_m < 1.0;
        let mut i = (0.5 * arb_m) as i32;
        shr = 0;
        loop {
            i >>= 1;
            if i == 0 {
                break;
            }
            arb_m *= 0.5;
            shr += 1;
        }
        pre_m = i32::from(upsample || (arb_m > 1.5 && arb_m < 2.0));
        post_m = 1 + i32::from(arb_m > 1.0 && pre_m != 0);
        arb_m /= f64::from(post_m);
        pre_l = 1 + i32::from(pre_m == 0 && arb_m < 2.0) + i32::from(upsample && mode != 0);
        arb_m *= f64::from(pre_l);
        let frac = arb_m - f64::from(arb_m as i32);
        if frac != 0.0 {
            epsilon = ((frac * MULT32 + 0.5).floor() / (frac * MULT32) - 1.0).abs();
        }
        rational = frac == 0.0;
        let mut i = 1;
        while i <= max_l && !rational {
            let d = frac * f64::from(i);
            let tr = (d + 0.5) as i32;
            rational = (f64::from(tr) / d - 1.0).abs() <= epsilon;
            if rational {
                if tr == i {
                    arb_m = arb_m.ceil();
                    let x = i32::from(arb_m > 3.0);
                    shr += x as u32;
                    arb_m /= f64::from(1 + x);
                } else {
                    arb_m = f64::from(i * (arb_m as i32) + tr);
                    arb_l = i;
                }
            }
            i += 1;
        }
        let mut l = pre_l * arb_l;
        let mut m = (arb_m * f64::from(post_m)) as i32;
        let x = (l | m) & 1;
        if x == 0 {
            l >>= 1;
            m >>= 1;
        }
        let d = f64::from(pre_l * arb_l) / arb_m;
        if post_l == 1 && d > 4.0 && d != 5.0 {
            post_l = 4;
            let mut i = (d / 16.0) as i32;
            loop {
                i >>= 1;
                if !(i != 0 && post_l < 256) {
                    break;
                }
                post_l <<= 1;
            }
            arb_m = arb_m * f64::from(post_l) / f64::from(arb_l) / f64::from(pre_l);
            arb_l = 1;
            again = true;
        } else if rational && (l.max(m) < 5 || l * m < 6) {
            pre_l = l;
            pre_m = m;
            arb_m = 1.0;
            arb_l = 1;
            post_m = 1;
        }
    }
    StagePlan {
        shr,
        pre_l,
        pre_m,
        arb_l,
        arb_m,
        post_l,
        post_m,
        upsample,
        rational,
        mode,
    }
}

// ---------------------------------------------------------------------------------------------
// Execution.
// ---------------------------------------------------------------------------------------------

/// FFT overlap-save convolution of one or more inputs with one filter each, summed:
/// `out[k] = Σ_p (h_p * x_p)[k + offset]`, inputs being zero outside their slices.
struct Ols {
    taps: usize,
    len: usize,
    spectra: Vec<Vec<Complex32>>,
    fwd: Arc<dyn RealToComplex<f32>>,
    inv: Arc<dyn ComplexToReal<f32>>,
}

impl Ols {
    fn new(filters: &[Vec<f64>]) -> Ols {
        let taps = filters.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let len = (taps.next_power_of_two() * 8).max(256);
        let mut planner64 = RealFftPlanner::<f64>::new();
        let f64fwd = planner64.plan_fft_forward(len);
        let spectra = filters
            .iter()
            .map(|h| {
                let mut buf = f64fwd.make_input_vec();
                buf[..h.len()].copy_from_slice(h);
                let mut spec = f64fwd.make_output_vec();
                f64fwd
                    .process(&mut buf, &mut spec)
                    .expect("fft sizes match");
                spec.iter()
                    .map(|c| Complex32::new((c.re / len as f64) as f32, (c.im / len as f64) as f32))
                    .collect()
            })
            .collect();
        let mut planner = RealFftPlanner::<f32>::new();
        Ols {
            taps,
            len,
            spectra,
            fwd: planner.plan_fft_forward(len),
            inv: planner.plan_fft_inverse(len),
        }
    }

    #[inline(always)]
    fn run(&self, inputs: &[&[f32]], offset: usize, out: &mut [f32]) {
        let (n, d) = (self.taps, self.len);
        let step = d - n + 1;
        let mut buf = self.fwd.make_input_vec();
        let mut spec = self.fwd.make_output_vec();
        let mut acc = self.fwd.make_output_vec();
        let mut scratch =
            vec![Complex32::default(); self.fwd.get_scratch_len().max(self.inv.get_scratch_len())];
        let mut j0 = offset as isize;
        for chunk in out.chunks_mut(step) {
            let start = j0 - (n as isize - 1);
            let mut any = false;
            for (p, x) in inputs.iter().enumerate() {
                let lo = start.max(0);
                let hi = (start + d as isize).min(x.len() as isize);
                if hi <= lo {
                    continue;
                }
                buf.fill(0.0);
                let (lo, hi) = (lo as usize, hi as usize);
                let at = (lo as isize - start) as usize;
                buf[at..at + (hi - lo)].copy_from_slice(&x[lo..hi]);
                self.fwd
                    .process_with_scratch(&mut buf, &mut spec, &mut scratch)
                    .expect("fft sizes match");
                let h = &self.spectra[p];
                if any {
                    for ((a, s), h) in acc.iter_mut().zip(&spec).zip(h) {
                        *a += s * h;
                    }
                } else {
                    for ((a, s), h) in acc.iter_mut().zip(&spec).zip(h) {
                        *a = s * h;
                    }
                    any = true;
                }
            }
            if any {
                acc[0].im = 0.0;
                let last = acc.len() - 1;
                acc[last].im = 0.0;
                self.inv
                    .process_with_scratch(&mut acc, &mut buf, &mut scratch)
                    .expect("fft sizes match");
                chunk.copy_from_slice(&buf[n - 1..n - 1 + chunk.len()]);
            } else {
                chunk.fill(0.0);
            }
            j0 += step as isize;
        }
    }
}

/// A zero-phase FIR stage (soxr's DFT stage): `out[m] = Σ_n x[n] h[pp + m·M − n·L]`.
struct FirStage {
    l: usize,
    m: usize,
    taps: usize,
    kind: FirKind,
}

enum FirKind {
    /// `L = M = 1`.
    Plain(Ols),
    /// `L = 1, M = 2`, as two half-rate phases.
    Decimate2(Ols),
    /// Anything else: zero-stuff by `L`, filter, keep every `M`-th sample.
    General(Ols),
}

impl FirStage {
    /// `h` must be odd-length and symmetric (`pp = (len - 1) / 2`), already scaled by `L`.
    fn new(h: Vec<f64>, l: usize, m: usize) -> FirStage {
        let taps = h.len();
        let kind = if l == 1 && m == 1 {
            FirKind::Plain(Ols::new(&[h]))
        } else if l == 1 && m == 2 && taps % 4 == 1 {
            let even: Vec<f64> = h.iter().step_by(2).copied().collect();
            let mut odd = vec![0.0];
            odd.extend(h.iter().skip(1).step_by(2).copied());
            FirKind::Decimate2(Ols::new(&[even, odd]))
        } else {
            FirKind::General(Ols::new(&[h]))
        };
        FirStage { l, m, taps, kind }
    }

    #[inline(always)]
    fn run(&self, x: &[f32]) -> Vec<f32> {
        if x.is_empty() {
            return Vec::new();
        }
        let pp = (self.taps - 1) / 2;
        let count = ((x.len() - 1) * self.l + pp) / self.m + 1;
        let mut out = vec![0.0f32; count];
        match &self.kind {
            FirKind::Plain(ols) => ols.run(&[x], pp, &mut out),
            FirKind::Decimate2(ols) => {
                let even: Vec<f32> = x.iter().step_by(2).copied().collect();
                let odd: Vec<f32> = x.iter().skip(1).step_by(2).copied().collect();
                ols.run(&[&even, &odd], pp / 2, &mut out);
            }
            FirKind::General(ols) => {
                let mut u = vec![0.0f32; x.len() * self.l];
                for (i, &v) in x.iter().enumerate() {
                    u[i * self.l] = v;
                }
                let mut full = vec![0.0f32; (count - 1) * self.m + 1];
                ols.run(&[&u], pp, &mut full);
                for (o, v) in out.iter_mut().zip(full.iter().step_by(self.m)) {
                    *o = *v;
                }
            }
        }
        out
    }
}

/// soxr's poly-phase "arb" stage.
struct PolyStage {
    /// Taps per phase.
    nc: usize,
    kind: PolyKind,
}

enum PolyKind {
    /// Exact rational stepping (`vpoly0`): output `m` at `at0 + m·step` in units of `1/l`.
    Rational {
        l: u64,
        step: u64,
        at0: u64,
        table: Vec<f32>,
    },
    /// 32.32 fixed-point stepping with coefficients interpolated between `2^phase_bits`
    /// phases (`vpoly1..3`, `stdPrecCore`).
    Interpolated {
        phase_bits: u32,
        order: usize,
        step: u64,
        at0: u64,
        table: Vec<f32>,
    },
}

impl PolyStage {
    #[inline(always)]
    fn run(&self, s: &[f32]) -> Vec<f32> {
        if s.is_empty() {
            return Vec::new();
        }
        let nc = self.nc;
        let width = nc.next_multiple_of(8);
        let pre = (nc - 1) >> 1;
        // Zero-extended input: padded index `div + t` holds signal sample `div - pre + t`.
        let mut padded = vec![0.0f32; pre + s.len() + width + 1];
        padded[pre..pre + s.len()].copy_from_slice(s);
        // Only positions whose window still overlaps the signal can be non-zero.
        let last = (s.len() - 1 + pre) as u64;
        let mut out = Vec::new();
        match &self.kind {
            PolyKind::Rational {
                l,
                step,
                at0,
                table,
            } => {
                // at = div * l + rem, advanced by step = step_div * l + step_rem.
                let (mut div, mut rem) = (at0 / l, at0 % l);
                let (step_div, step_rem) = (step / l, step % l);
                out.reserve(((last + 1) * l / step) as usize + 1);
                while div <= last {
                    let row = &table[rem as usize * width..][..width];
                    let d = div as usize;
                    out.push(dot(row, &padded[d..d + width]));
                    div += step_div;
                    rem += step_rem;
                    if rem >= *l {
                        rem -= l;
                        div += 1;
                    }
                }
            }
            PolyKind::Interpolated {
                phase_bits,
                order,
                step,
                at0,
                table,
            } => {
                let stride = order + 1;
                let mut row = vec![0.0f32; width];
                let mut at = *at0;
                while (at >> 32) <= last {
                    let div = (at >> 32) as usize;
                    let frac = at as u32;
                    let phase = (frac >> (32 - phase_bits)) as usize;
                    let x = (f64::from(frac << phase_bits) * (1.0 / MULT32)) as f32;
                    let coefs = &table[phase * nc * stride..][..nc * stride];
                    for (r, c) in row.iter_mut().zip(coefs.chunks_exact(stride)) {
                        *r = c.iter().rev().fold(0.0f32, |acc, &v| acc * x + v);
                    }
                    out.push(dot(&row, &padded[div..div + width]));
                    at += step;
                }
            }
        }
        out
    }
}

/// A dot product of two equal-length slices whose length is a multiple of 8, with eight
/// independent accumulators (vectorisable).
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    for (ca, cb) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for k in 0..8 {
            acc[k] += ca[k] * cb[k];
        }
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

enum Stage {
    Fir(FirStage),
    Poly(PolyStage),
}

impl Stage {
    #[inline(always)]
    fn run(&self, x: &[f32]) -> Vec<f32> {
        match self {
            Stage::Fir(s) => s.run(x),
            Stage::Poly(s) => s.run(x),
        }
    }
}

/// The arbitrary-ratio stage: a polyphase filter, rational when the ratio allows it (soxr's
/// `cr32s` core with its HQ interpolation scalars), after the pre-stage's band `fp1`..`fs1`.
fn arbitrary_stage(sp: &StagePlan, fp1: f64, fs1: f64, att_arb: f64) -> Stage {
    let (mut arb_l, mut arb_m, pre_m) = (sp.arb_l, sp.arb_m, sp.pre_m);
    let upsample = sp.upsample;
    let mode = sp.mode;
    let mut rational = sp.rational;
    let mult = if upsample {
        1.0
    } else {
        arb_m / f64::from(arb_l)
    };
    let (fn_, fs) = if !upsample && pre_m != 0 {
        (2.0 * mult, 3.0 + (fs1 - 1.0).abs())
    } else {
        (
            1.0,
            2.0 - if mode != 0 {
                fp1 + (fs1 - fp1) * 0.7
            } else {
                fs1
            },
        )
    };
    let fp = if mode != 0 {
        fs - (fs - fp1) / (1.0 - inv_f_resp(-0.01, att_arb))
    } else {
        fp1
    };
    // poly_firs[6 * (upsample + !!preM) + mode - !upsample] of the cr32s core: the
    // first-level interpolation scalars of the HQ entries (beta is estimated: -1).
    let idx = 6 * (usize::from(upsample) + usize::from(pre_m != 0)) + mode as usize
        - usize::from(!upsample);
    let scalars: [f64; 3] = match idx {
        2 => [0.0, 12.4, 7.8],
        8 => [0.0, 10.6, 6.75],
        15 => [0.0, 11.0, 7.0],
        _ => [0.0, 12.4, 7.8],
    };
    let orders = [0usize, 1, 2];
    let mut i: i32 = if rational { -1 } else { 0 };
    let (mut phase_bits, mut phases, mut nc, mut order, mut at);
    loop {
        i += 1;
        let iu = i as usize;
        if i > 0 {
            arb_m /= f64::from(arb_l);
            arb_l = 1;
            rational = false;
        }
        phase_bits = (scalars[iu] - mult.ln() / 2f64.ln()).ceil() as i32;
        phases = if rational {
            arb_l as usize
        } else {
            1usize << phase_bits.max(0)
        };
        let phases0 = phases.max(19);
        let (_, n0) = design_lpf(fp, fs, -fn_, att_arb, 0, phases0 as i32, -1.0);
        nc = n0 / phases0 + 1;
        if nc & 1 == 1 && pre_m == 0 {
            nc += 1;
        }
        if nc & 1 == 1 && rational && arb_l & 1 == 1 {
            phases <<= 1;
            arb_l <<= 1;
            arb_m *= 2.0;
        }
        at = f64::from(arb_l) * (0.5 * (nc & 1) as f64);
        order = orders[iu] + usize::from(iu > 0 && mode > 4);
        let nc4 = (nc + 3) & !3;
        let coefs_size = nc4 * phases * (order + 1) * 4;
        if !(iu < 2 && coefs_size / 1000 > 400) {
            break;
        }
    }
    let num_taps = nc * phases - 1;
    let (c, _) = design_lpf(fp, fs, fn_, att_arb, num_taps, phases as i32, -1.0);
    let kind = if rational && order == 0 {
        let table = poly_table(&c, nc, phases, 0, nc.next_multiple_of(8));
        PolyKind::Rational {
            l: arb_l as u64,
            step: arb_m as u64,
            at0: at as u64,
            table,
        }
    } else {
        let table = poly_table(&c, nc, phases, order, nc);
        PolyKind::Interpolated {
            phase_bits: phase_bits as u32,
            order,
            step: (arb_m * MULT32 + 0.5) as u64,
            at0: (at * MULT32 + 0.5) as u64,
            table,
        }
    };
    Stage::Poly(PolyStage { nc, kind })
}

/// A resampling plan for one (reduced) rate pair.
struct Plan {
    io_ratio: f64,
    out_in: f64,
    stages: Vec<Stage>,
}

impl Plan {
    fn new(orig: u32, target: u32) -> Plan {
        let io_ratio = f64::from(orig) / f64::from(target);
        let out_in = f64::from(target) / f64::from(orig);
        let sp = stage_plan(io_ratio);
        let (pre_l, pre_m, post_l, post_m) = (sp.pre_l, sp.pre_m, sp.post_l, sp.post_m);
        let (arb_l, arb_m) = (sp.arb_l, sp.arb_m);
        let have_pre = pre_m * pre_l != 1;
        let have_arb = arb_m * f64::from(arb_l) != 1.0;
        let have_post = post_m * post_l != 1;
        let num_stages = sp.shr as usize
            + usize::from(have_pre)
            + usize::from(have_arb)
            + usize::from(have_post);

        let rej = HQ_BITS * linear_to_db(2.0);
        let fp0 = 1.0 - 0.05 / (1.0 - inv_f_resp(-3.0, rej));
        let fs0 = 1.0;
        let mut att = (HQ_BITS.min(33.0) + 1.0) * linear_to_db(2.0);
        let mut att_arb = att;
        let alpha = f64::from(post_m) / (io_ratio * f64::from(post_l));
        let mut n = num_stages;
        if n > 1 {
            if have_arb {
                att += linear_to_db(2.0);
                att_arb = att;
                n -= 1;
            }
            att += linear_to_db(n as f64);
        }

        let mut stages = Vec::new();
        // Halving stages (soxr's fixed half-band filters): pass band up to half of their
        // output Nyquist, which holds every frequency the later stages keep.
        for _ in 0..sp.shr {
            let (h, _) = design_lpf(0.5, 1.5, 2.0, att, 0, -4, -1.0);
            stages.push(Stage::Fir(FirStage::new(h, 1, 2)));
        }
        let (mut fp1, mut fs1) = (fp0, fs0);
        if have_pre {
            let fn1 = if pre_m != 0 {
                f64::from(pre_l.max(pre_m))
            } else {
                arb_m / f64::from(arb_l)
            };
            let (l, m) = (pre_l, pre_m.max(1));
            stages.push(Stage::Fir(dft_stage(fp1, fs1, fn1, att, l, m)));
            fp1 /= fn1;
            fs1 /= fn1;
        }
        if have_arb {
            stages.push(arbitrary_stage(&sp, fp1, fs1, att_arb));
        }
        if have_post {
            let upsample = sp.upsample;
            let fp = fp0 / if upsample { alpha } else { 1.0 };
            let fs = if upsample {
                (2.0 - fs0 / alpha).max(1.0)
            } else {
                fs0
            };
            let fnp = f64::from(post_l.max(post_m));
            stages.push(Stage::Fir(dft_stage(fp, fs, fnp, att, post_l, post_m)));
        }
        Plan {
            io_ratio,
            out_in,
            stages,
        }
    }

    fn process(&self, y: &[f32]) -> Vec<f32> {
        crate::vectorized!(process_body(self, y) as (&Plan, &[f32]) -> Vec<f32>)
    }
}

/// [`Plan::process`]'s body, run by `vectorized!` with the stages inlined into it.
#[inline(always)]
fn process_body((plan, y): (&Plan, &[f32])) -> Vec<f32> {
    {
        let n = y.len();
        let mut cur: Vec<f32> = Vec::new();
        for (i, st) in plan.stages.iter().enumerate() {
            cur = st.run(if i == 0 { y } else { &cur });
        }
        // soxr emits floor(n / io_ratio + 0.5) samples; librosa pads or trims to ceil.
        let produced = (n as f64 / plan.io_ratio + 0.5) as usize;
        let want = (n as f64 * plan.out_in).ceil() as usize;
        cur.truncate(produced.min(want));
        cur.resize(want, 0.0);
        cur
    }
}

/// soxr's `dft_stage_init` filter for a stage with factors `l`/`m`.
fn dft_stage(fp: f64, fs: f64, fn_: f64, att: f64, l: i32, m: i32) -> FirStage {
    let k = if l >= 2 && l & (l - 1) == 0 && fn_ == f64::from(l) {
        l << 1
    } else {
        4
    };
    let (mut h, _) = design_lpf(fp, fs, fn_, att, 0, -k, -1.0);
    for v in &mut h {
        *v *= f64::from(l);
    }
    FirStage::new(h, l as usize, m as usize)
}

/// `prepare_poly_fir_coefs`: `table[phase][tap][power]` with `width >= nc` taps per phase
/// (zeros beyond `nc`), tap `t` multiplying input `div − pre + t`; power 0 is the phase's own
/// coefficient and higher powers interpolate towards the next phase.
fn poly_table(c: &[f64], nc: usize, phases: usize, order: usize, width: usize) -> Vec<f32> {
    let at = |idx: isize| -> f64 {
        if idx >= 0 && (idx as usize) < c.len() {
            c[idx as usize]
        } else {
            0.0
        }
    };
    let stride = order + 1;
    let mut table = vec![0.0f32; phases * width * stride];
    for i in 0..nc {
        for j in 0..phases {
            let pos = (i * phases + j) as isize;
            let (fm1, f0, f1, f2) = (at(pos - 2), at(pos - 1), at(pos), at(pos + 1));
            let (b, cc, d) = match order {
                0 => (0.0, 0.0, 0.0),
                1 => (f1 - f0, 0.0, 0.0),
                2 => {
                    let cc = 0.5 * (f2 + f0) - f1;
                    (f1 - cc - f0, cc, 0.0)
                }
                _ => {
                    let cc = 0.5 * (f1 + fm1) - f0;
                    let d = (1.0 / 6.0) * (f2 - f1 + fm1 - f0 - 4.0 * cc);
                    (f1 - f0 - d - cc, cc, d)
                }
            };
            let t = nc - 1 - i;
            let dst = &mut table[(j * width + t) * stride..][..stride];
            let vals = [f0, b, cc, d];
            for (o, v) in dst.iter_mut().zip(vals) {
                *o = v as f32;
            }
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(n: usize, sr: f64, f: f64, amp: f64) -> Vec<f32> {
        (0..n)
            .map(|i| (amp * (2.0 * std::f64::consts::PI * f * i as f64 / sr).sin()) as f32)
            .collect()
    }

    #[test]
    fn rejects_zero_rates() {
        assert!(matches!(
            resample(&[1.0], 0, 22050),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            resample(&[1.0], 44100, 0),
            Err(Error::InvalidParameter { .. })
        ));
    }

    #[test]
    fn lengths_follow_librosa() {
        for &(n, a, b) in &[
            (1000usize, 44100u32, 22050u32),
            (1001, 44100, 22050),
            (12345, 48000, 22050),
            (7, 16000, 22050),
        ] {
            let x = vec![0.5f32; n];
            let y = resample(&x, a, b).unwrap();
            assert_eq!(y.len(), ((n as f64) * b as f64 / a as f64).ceil() as usize);
        }
        assert_eq!(resample(&[], 44100, 22050).unwrap().len(), 0);
        assert_eq!(
            resample(&[0.25, 0.5], 22050, 22050).unwrap(),
            vec![0.25, 0.5]
        );
    }

    #[test]
    fn pass_band_sine_keeps_amplitude_and_phase() {
        // A 1 kHz sine well inside the pass band must come out as the same sine sampled at
        // the new rate (soxr is zero-phase and delay-compensated).
        for &(a, b) in &[
            (44100u32, 22050u32),
            (48000, 22050),
            (32000, 22050),
            (16000, 22050),
            (2, 1),
        ] {
            let (sa, sb) = if a == 2 {
                (22050.0, 11025.0)
            } else {
                (f64::from(a), f64::from(b))
            };
            let x = sine(
                a as usize / if a == 2 { 1 } else { 10 } + 20000,
                sa,
                1000.0,
                0.8,
            );
            let y = resample(&x, a, b).unwrap();
            let expect = sine(y.len(), sb, 1000.0, 0.8);
            let lo = y.len() / 4;
            let hi = 3 * y.len() / 4;
            let err = (lo..hi)
                .map(|i| (y[i] - expect[i]).abs())
                .fold(0.0f32, f32::max);
            assert!(err < 2e-5, "{a}->{b}: {err}");
        }
    }

    #[test]
    fn stop_band_is_rejected() {
        // 12 kHz is above the 11.025 kHz output Nyquist: it must vanish (< -100 dB).
        let x = sine(44100, 44100.0, 12000.0, 1.0);
        let y = resample(&x, 44100, 22050).unwrap();
        let peak = y[2000..y.len() - 2000]
            .iter()
            .fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(peak < 1e-5, "{peak}");
    }

    #[test]
    fn matches_soxr_reference_values() {
        // librosa.resample(x, orig_sr=..., target_sr=22050, res_type='soxr_hq') of
        // x[i] = sin(0.3 i) + 0.5 cos(1.7 i) * (i % 7 == 0), i < 64, as float32 (librosa 0.11,
        // python-soxr 1.1.0 / libsoxr 0.1.3): the first six and last three samples.
        // For 48 kHz soxr emits round(29.4) = 29 samples and librosa pads a zero to 30.
        let x: Vec<f32> = (0..64)
            .map(|i| {
                let v = f64::from(i);
                ((0.3 * v).sin()
                    + if i % 7 == 0 {
                        0.5 * (1.7 * v).cos()
                    } else {
                        0.0
                    }) as f32
            })
            .collect();
        let cases: [(u32, usize, [f32; 6], [f32; 3]); 2] = [
            (
                44100,
                32,
                [
                    0.27947035, 0.5839803, 0.89119124, 1.0997198, 0.79884934, 0.10200714,
                ],
                [-0.94549286, -0.8243587, -0.05642251],
            ),
            (
                48000,
                30,
                [
                    0.2662601,
                    0.6132682,
                    0.9409952,
                    1.0870768,
                    0.5583502,
                    -0.15638858,
                ],
                [-0.9844572, -0.4826059, 0.0],
            ),
        ];
        for (orig, len, head, tail) in cases {
            let y = resample(&x, orig, 22050).unwrap();
            assert_eq!(y.len(), len);
            let got = y[..6].iter().chain(&y[len - 3..]);
            for (i, (g, w)) in got.zip(head.iter().chain(&tail)).enumerate() {
                assert!((g - w).abs() < 1e-6, "{orig} [{i}] {g} vs {w}");
            }
        }
    }
}
