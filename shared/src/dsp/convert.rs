//! Decibel conversions (`librosa.amplitude_to_db`, `librosa.power_to_db`).
use ndarray::{Array2, ArrayView2};

/// `librosa.amplitude_to_db(S, ref=np.max, top_db=top_db)`.
pub fn amplitude_to_db(s: ArrayView2<f32>, top_db: f32) -> Array2<f32> {
    let _ = (s, top_db);
    unimplemented!("helper H1")
}

/// `librosa.power_to_db(S, ref=np.max, top_db=top_db)`.
pub fn power_to_db(s: ArrayView2<f32>, top_db: f32) -> Array2<f32> {
    let _ = (s, top_db);
    unimplemented!("helper H1")
}
