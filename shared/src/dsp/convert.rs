//! Decibel conversions (`librosa.amplitude_to_db`, `librosa.power_to_db`).
use ndarray::{Array2, ArrayView2};

/// librosa's default `amin` of `power_to_db`.
pub const POWER_AMIN: f32 = 1e-10;

/// librosa's default `amin` of `amplitude_to_db`; it applies `amin**2` to the squared magnitude.
pub const AMPLITUDE_AMIN: f64 = 1e-5;

/// What a dB conversion is relative to (`ref` of `librosa.power_to_db`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DbRef {
    /// `ref=np.max`: the largest value of the input.
    Max,
    /// A fixed reference value, e.g. `ref=1.0`.
    Value(f32),
}

/// `librosa.amplitude_to_db(S, ref=np.max, top_db=top_db)`.
///
/// All-zero input gives all zeros, as in librosa (both the values and the reference are
/// clamped to `amin`).
pub fn amplitude_to_db(s: ArrayView2<f32>, top_db: f32) -> Array2<f32> {
    crate::vectorized!(amplitude_to_db_body(s, top_db) as (ArrayView2<'_, f32>, f32) -> Array2<f32>)
}

/// [`amplitude_to_db`]'s body, run by `vectorized!`.
#[inline(always)]
fn amplitude_to_db_body((s, top_db): (ArrayView2<f32>, f32)) -> Array2<f32> {
    // librosa squares in float32 and converts with ref=max(|S|)**2, amin=1e-5**2.
    let s = s.as_standard_layout();
    let src = s.as_slice().expect("standard layout is contiguous");
    let max_abs = max_abs(src);
    let amin = (AMPLITUDE_AMIN * AMPLITUDE_AMIN) as f32;
    let out = db_impl(
        src,
        true,
        max_abs * max_abs,
        max_abs * max_abs,
        amin,
        Some(top_db),
    );
    Array2::from_shape_vec(s.raw_dim(), out).expect("same number of elements")
}

/// `librosa.power_to_db(S, ref=np.max, top_db=top_db)`.
///
/// All-zero input gives all zeros, as in librosa.
pub fn power_to_db(s: ArrayView2<f32>, top_db: f32) -> Array2<f32> {
    power_to_db_with(s, DbRef::Max, POWER_AMIN, Some(top_db))
}

/// `librosa.power_to_db(S, ref=reference, amin=amin, top_db=top_db)`, computed in `float32`
/// as librosa does for `float32` input: `10 log10(max(amin, S)) - 10 log10(max(amin, ref))`,
/// then clipped from below at `max - top_db`. `S` is a power, so non-negative.
pub fn power_to_db_with(
    s: ArrayView2<f32>,
    reference: DbRef,
    amin: f32,
    top_db: Option<f32>,
) -> Array2<f32> {
    crate::vectorized!(power_to_db_with_body(s, reference, amin, top_db) as (ArrayView2<'_, f32>, DbRef, f32, Option<f32>) -> Array2<f32>)
}

/// [`power_to_db_with`]'s body, run by `vectorized!`.
#[inline(always)]
fn power_to_db_with_body(
    (s, reference, amin, top_db): (ArrayView2<f32>, DbRef, f32, Option<f32>),
) -> Array2<f32> {
    let s = s.as_standard_layout();
    let src = s.as_slice().expect("standard layout is contiguous");
    let max_abs = max_abs(src);
    let ref_power = match reference {
        DbRef::Max => max_abs,
        DbRef::Value(v) => v.abs(),
    };
    let out = db_impl(src, false, ref_power, max_abs, amin, top_db);
    Array2::from_shape_vec(s.raw_dim(), out).expect("same number of elements")
}

/// The largest `|v|` (0 for no values).
#[inline(always)]
pub(crate) fn max_abs(src: &[f32]) -> f32 {
    // Eight independent lanes, so the loop vectorises.
    let mut lanes = [0.0f32; 8];
    let chunks = src.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (l, &v) in lanes.iter_mut().zip(c) {
            *l = l.max(v.abs());
        }
    }
    rest.iter()
        .chain(&lanes)
        .fold(0.0f32, |m, &v| m.max(v.abs()))
}

/// The dB conversion of every value of `src` (squared first if `square`), with the largest
/// (squared) value `max_power` known in advance.
#[inline(always)]
fn db_impl(
    src: &[f32],
    square: bool,
    ref_power: f32,
    max_power: f32,
    amin: f32,
    top_db: Option<f32>,
) -> Vec<f32> {
    // Each step rounds to float32 as numpy does: log10, times 10, minus the reference.
    let offset = 10.0 * log10_f32(amin.max(ref_power));
    // The conversion is monotonic, so the largest dB value is that of the largest input.
    let floor = top_db.map_or(f32::NEG_INFINITY, |t| {
        (10.0 * log10_f32(amin.max(max_power)) - offset) - t
    });
    let fast = amin >= f32::MIN_POSITIVE && max_power.is_finite();
    match (square, fast) {
        // Every clamped value is a positive normal number: the branch-free logarithm applies.
        (true, true) => map_values(src, |v| {
            (10.0 * log10_normal(amin.max(v * v)) - offset).max(floor)
        }),
        (false, true) => map_values(src, |v| {
            (10.0 * log10_normal(amin.max(v)) - offset).max(floor)
        }),
        (true, false) => map_values(src, |v| {
            (10.0 * log10_f32(amin.max(v * v)) - offset).max(floor)
        }),
        (false, false) => map_values(src, |v| (10.0 * log10_f32(amin.max(v)) - offset).max(floor)),
    }
}

/// `f` of every value, in a loop that inlines (and so vectorises) where it is called.
#[inline(always)]
fn map_values(src: &[f32], f: impl Fn(f32) -> f32) -> Vec<f32> {
    let mut out = vec![0.0f32; src.len()];
    for (o, &v) in out.iter_mut().zip(src) {
        *o = f(v);
    }
    out
}

/// `log10(x)` rounded to `f32`, for any `x`.
#[inline(always)]
fn log10_f32(x: f32) -> f32 {
    if x >= f32::MIN_POSITIVE && x.is_finite() {
        log10_normal(x)
    } else {
        x.log10()
    }
}

/// `log10(x)` for a positive normal `f32`, within 2 ulp of the exact value. It has no
/// branches and no calls and works in `f32`, so loops over it vectorise four lanes wide.
#[inline(always)]
fn log10_normal(x: f32) -> f32 {
    // log10(2) split so that e * LOG10_2_HI is exact for |e| < 2^10.
    const LOG10_2_HI: f32 = 1233.0 / 4096.0;
    const LOG10_2_LO: f32 = (std::f64::consts::LOG10_2 - 1233.0 / 4096.0) as f32;
    const LOG10_E: f32 = std::f32::consts::LOG10_E;
    let bits = x.to_bits();
    let mantissa = bits & 0x007F_FFFF;
    // x = m * 2^e with m in [sqrt(1/2), sqrt(2)).
    let above_sqrt2 = mantissa > 0x0035_04F3;
    let m = f32::from_bits(
        mantissa
            | if above_sqrt2 {
                0x3F00_0000
            } else {
                0x3F80_0000
            },
    );
    let e = ((bits >> 23) as i32 - 127 + i32::from(above_sqrt2)) as f32;
    // ln(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172: the series to s^9 is exact to
    // 3e-9 relative.
    let s = (m - 1.0) / (m + 1.0);
    let z = s * s;
    let series = z * (1.0 / 3.0 + z * (1.0 / 5.0 + z * (1.0 / 7.0 + z * (1.0 / 9.0))));
    let ln_m = 2.0 * s + 2.0 * s * series;
    e * LOG10_2_HI + (ln_m * LOG10_E + e * LOG10_2_LO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn power_to_db_matches_librosa() {
        // librosa.power_to_db(np.array([[1, 0.5, 1e-3], [0, 2, 1e-12]], np.float32), ref=np.max)
        let s = array![[1.0f32, 0.5, 1e-3], [0.0, 2.0, 1e-12]];
        let db = power_to_db(s.view(), 80.0);
        let expected = array![
            [-3.010_300_2, -6.020_600_3, -33.010_303],
            [-80.0, 0.0, -80.0]
        ];
        for (a, e) in db.iter().zip(&expected) {
            assert!((a - e).abs() < 1e-4, "{a} vs {e}");
        }
    }

    #[test]
    fn power_to_db_with_unit_ref_and_amin() {
        // 10*log10(max(1e-10, x)) - 0, clipped at max - 80.
        let s = array![[1.0f32, 100.0], [0.0, 1e-3]];
        let db = power_to_db_with(s.view(), DbRef::Value(1.0), POWER_AMIN, Some(80.0));
        let expected = array![[0.0f32, 20.0], [-60.0, -30.0]];
        for (a, e) in db.iter().zip(&expected) {
            assert!((a - e).abs() < 1e-4, "{a} vs {e}");
        }
        let db = power_to_db_with(s.view(), DbRef::Value(1.0), POWER_AMIN, None);
        assert!((db[[1, 0]] + 100.0).abs() < 1e-4);
    }

    #[test]
    fn amplitude_to_db_matches_librosa() {
        // librosa.amplitude_to_db(np.array([[3, 0.3], [0, 3e-4]], np.float32), ref=np.max)
        let s = array![[3.0f32, 0.3], [0.0, 3e-4]];
        let db = amplitude_to_db(s.view(), 80.0);
        let expected = array![[0.0f32, -20.0], [-80.0, -80.0]];
        for (a, e) in db.iter().zip(&expected) {
            assert!((a - e).abs() < 1e-4, "{a} vs {e}");
        }
        let db = amplitude_to_db(s.view(), 200.0);
        assert!((db[[1, 0]] + 109.542_43).abs() < 1e-3, "{}", db[[1, 0]]);
    }

    #[test]
    fn fast_log10_is_within_two_ulp() {
        let mut x = f32::MIN_POSITIVE;
        while x < 3e38 {
            for y in [
                x,
                // Around the switch of the mantissa range at sqrt(2).
                x * f32::from_bits(std::f32::consts::SQRT_2.to_bits() - 1),
                x * f32::from_bits(std::f32::consts::SQRT_2.to_bits() + 1),
                x * 1.000_001,
                x * 0.999_999,
                x * 1.1,
                x * 1.9,
            ] {
                let exact = f64::from(y).log10();
                let got = f64::from(log10_normal(y));
                // An ulp of the result, or of 1e-7 near log10 = 0.
                let ulp = f64::from(f32::EPSILON) * exact.abs().max(1e-7);
                assert!((got - exact).abs() <= 2.0 * ulp, "{y}: {got} vs {exact}");
            }
            x *= 1.37;
        }
        // Densely over the mantissa, at a few exponents.
        for scale in [2f32.powi(-33), 0.5, 1.0, 2f32.powi(20)] {
            for i in 0..20_000 {
                let y = scale * (1.0 + i as f32 / 20_000.0);
                let exact = f64::from(y).log10();
                let got = f64::from(log10_normal(y));
                let ulp = f64::from(f32::EPSILON) * exact.abs().max(1e-7);
                assert!((got - exact).abs() <= 2.0 * ulp, "{y}: {got} vs {exact}");
            }
        }
        assert_eq!(log10_normal(1.0), 0.0);
        assert_eq!(log10_normal(1000.0), 3.0);
        assert_eq!(log10_f32(0.0), f32::NEG_INFINITY);
    }

    #[test]
    fn silence_gives_zeros_like_librosa() {
        let s = Array2::<f32>::zeros((4, 3));
        assert!(amplitude_to_db(s.view(), 80.0).iter().all(|&v| v == 0.0));
        assert!(power_to_db(s.view(), 80.0).iter().all(|&v| v == 0.0));
    }
}
