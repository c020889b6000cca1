//! Small bridges to browser APIs: reading a chosen file, letting the page repaint.

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::AppError;

/// The bytes of a file the user chose.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, AppError> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| AppError::Read {
            file: file.name(),
            reason: describe(&e),
        })?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Resolves after the browser has had a chance to paint, so a status set just before a long
/// synchronous computation is visible while it runs.
///
/// Waits for the next animation frame and then a macrotask (paint happens between the two);
/// in a hidden tab, where animation frames are paused, only for the macrotask.
pub async fn yield_to_browser() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hidden = window.document().is_none_or(|d| d.hidden());
    let promise = Promise::new(&mut |resolve, _reject| {
        let timeout_window = window.clone();
        let after_frame = Closure::once_into_js(move || {
            // A failed setTimeout leaves nothing to wait for; resolve at once instead.
            if timeout_window.set_timeout_with_callback(&resolve).is_err() {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            }
        });
        let scheduled = if hidden {
            window.set_timeout_with_callback(after_frame.unchecked_ref())
        } else {
            window.request_animation_frame(after_frame.unchecked_ref())
        };
        if scheduled.is_err() {
            let _ = after_frame
                .unchecked_ref::<js_sys::Function>()
                .call0(&JsValue::UNDEFINED);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// A readable message from a JavaScript exception or value.
pub fn describe(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}
