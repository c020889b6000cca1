//! Runtime selection of the CPU's vector instructions for the loops the compiler vectorises.
//!
//! The release build targets baseline x86-64 (SSE2, four `f32` lanes) so that one binary runs
//! everywhere. [`vectorized!`](crate::vectorized) runs a function inside one compiled for
//! AVX2 + FMA (eight lanes) when the CPU has them, detected at run time by
//! [pulp](https://docs.rs/pulp), the dispatcher `gemm` uses. Only code inlined into the
//! dispatched function is compiled for it, so the function is `#[inline(always)]` and called
//! directly there (a closure or a function pointer would be a call out of it), as are the
//! helpers its loops call. Without fast-math the compiler neither reorders sums nor fuses
//! multiply-adds, so the results are bit for bit those of the baseline build. In wasm32
//! (simd128 chosen at build time) and on other CPUs the function just runs.

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether [`vectorized!`](crate::vectorized) may use more than the baseline instructions.
static ENABLED: AtomicBool = AtomicBool::new(true);

/// Turns the runtime choice of instructions on or off for the whole process (on by default):
/// for benchmarks of its gain and the test that its results are bit for bit the baseline's.
pub fn set_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

/// Whether the runtime choice of instructions is on ([`set_enabled`]).
#[inline(always)]
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// `vectorized!(body(a, b) as (TypeOfA, TypeOfB) -> Output)`: `body((a, b))` with the widest
/// vector instructions this CPU has (see [`crate::dsp::simd`]). `body` takes its arguments
/// as one tuple and is `#[inline(always)]`; elided lifetimes in the types are written `'_`.
#[macro_export]
#[doc(hidden)]
macro_rules! vectorized {
    ($body:ident($($arg:expr),* $(,)?) as ($($ty:ty),* $(,)?) -> $ret:ty) => {{
        struct Call<A>(A);
        impl pulp::WithSimd for Call<($($ty,)*)> {
            type Output = $ret;
            #[inline(always)]
            fn with_simd<S: pulp::Simd>(self, _: S) -> $ret {
                $body(self.0)
            }
        }
        let args = ($($arg,)*);
        if $crate::dsp::simd::enabled() {
            pulp::Arch::new().dispatch(Call(args))
        } else {
            $body(args)
        }
    }};
}
