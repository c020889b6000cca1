//! Browser tests (headless Chromium via wasm-bindgen-test): decoding in wasm and the page's
//! components in a real DOM.
//!
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown -p genrescope-web`

#![cfg(target_arch = "wasm32")]

use genrescope_core::Feature;
use genrescope_web::analysis::{self, FeatureStats};
use genrescope_web::components::SummaryTable;
use genrescope_web::{App, AppError};
use leptos::prelude::*;
use ndarray::{ArrayD, IxDyn};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

const WAV_RATE: u32 = 8000;
const WAV_FRAMES: usize = 4000;

/// The left and right samples of the test WAV, as i16.
fn tone(i: usize) -> (i16, i16) {
    let t = i as f32 / WAV_RATE as f32;
    let left = (0.5 * (std::f32::consts::TAU * 440.0 * t).sin() * 32767.0) as i16;
    let right = (i as i32 * 7 % 2001 - 1000) as i16;
    (left, right)
}

/// A 16-bit PCM stereo WAV of [`WAV_FRAMES`] frames at [`WAV_RATE`] Hz (0.5 s).
fn wav() -> Vec<u8> {
    let data_len = (WAV_FRAMES * 4) as u32;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&2u16.to_le_bytes()); // channels
    out.extend_from_slice(&WAV_RATE.to_le_bytes());
    out.extend_from_slice(&(WAV_RATE * 4).to_le_bytes()); // byte rate
    out.extend_from_slice(&4u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..WAV_FRAMES {
        let (l, r) = tone(i);
        out.extend_from_slice(&l.to_le_bytes());
        out.extend_from_slice(&r.to_le_bytes());
    }
    out
}

fn noise(n: usize) -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 56) as u8
        })
        .collect()
}

#[wasm_bindgen_test]
fn decodes_a_wav_to_the_mean_of_its_channels() {
    let decoded = genrescope_core::audio::decode(wav(), Some("wav")).expect("decodes");
    assert_eq!(decoded.sample_rate, WAV_RATE);
    assert_eq!(decoded.channels, 2);
    assert_eq!(decoded.samples.len(), WAV_FRAMES);
    for (i, &got) in decoded.samples.iter().enumerate() {
        let (l, r) = tone(i);
        let want = (f32::from(l) / 32768.0 + f32::from(r) / 32768.0) / 2.0;
        assert!((got - want).abs() < 1e-6, "sample {i}: {got} != {want}");
    }
}

#[wasm_bindgen_test]
fn inspect_gives_duration_and_format() {
    let info = analysis::inspect(wav(), "tone.WAV").expect("decodes");
    assert_eq!(info.duration_s, 0.5);
    assert_eq!((info.sample_rate, info.channels), (WAV_RATE, 2));
}

#[wasm_bindgen_test]
fn random_bytes_are_a_decode_error_naming_the_file() {
    let err = analysis::inspect(noise(8192), "noise.mp3").expect_err("not audio");
    assert!(matches!(err, AppError::Decode { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with("could not decode \"noise.mp3\": "),
        "{message}"
    );
}

/// A fresh element in the document to mount into.
fn container() -> HtmlElement {
    let document = document();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

fn select(root: &Element, selector: &str) -> Option<Element> {
    root.query_selector(selector).unwrap()
}

fn select_all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

fn attr(element: &Element, name: &str) -> String {
    element.get_attribute(name).unwrap_or_default()
}

#[wasm_bindgen_test]
fn summary_table_has_one_row_per_feature() {
    let rows: Vec<FeatureStats> = Feature::ALL
        .iter()
        .enumerate()
        .map(|(k, f)| {
            // Values k-1, k, k+1, k+2: min k-1, mean k+0.5, max k+2.
            let k = k as f32;
            let a = ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![k - 1.0, k, k + 1.0, k + 2.0]);
            FeatureStats::of(f.name(), &a.unwrap())
        })
        .collect();
    let root = container();
    let _mounted = leptos::mount::mount_to(root.clone(), move || {
        view! { <SummaryTable rows=Signal::stored(rows) /> }
    });

    let table = select(&root, "table#summary").expect("#summary");
    let trs = select_all(&table, "tbody tr");
    assert_eq!(trs.len(), Feature::ALL.len());
    for (k, (tr, feature)) in trs.iter().zip(Feature::ALL).enumerate() {
        assert_eq!(attr(tr, "data-feature"), feature.name());
        let cell = |class: &str| select(tr, &format!(".{class}")).expect(class);
        assert_eq!(cell("name").text_content().unwrap(), feature.name());
        assert_eq!(cell("shape").text_content().unwrap(), "2 × 2");
        assert_eq!(attr(&cell("shape"), "data-shape"), "2,2");
        let k = k as f64;
        for (class, want) in [("min", k - 1.0), ("mean", k + 0.5), ("max", k + 2.0)] {
            let value: f64 = attr(&cell(class), "data-value").parse().unwrap();
            assert_eq!(value, want, "{feature} {class}");
            let shown = cell(class).text_content().unwrap();
            assert_eq!(shown, analysis::format_number(want));
        }
    }
}

#[wasm_bindgen_test]
fn app_starts_idle_with_its_test_ids() {
    let root = container();
    let _mounted = leptos::mount::mount_to(root.clone(), App);
    let input: HtmlInputElement = select(&root, "#file").expect("#file").unchecked_into();
    assert_eq!(input.type_(), "file");
    let status = select(&root, "#status").expect("#status");
    assert_eq!(attr(&status, "data-state"), "idle");
    assert!(
        status
            .text_content()
            .unwrap()
            .contains("Choose an audio file")
    );
    let error = select(&root, "#error").expect("#error");
    assert!(error.has_attribute("hidden"));
    assert!(select(&root, "#duration").is_none());
    assert!(select(&root, "#summary").is_none());
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// Waits up to `seconds` for `#status` to reach `done` or `failed`, and returns which.
async fn outcome(root: &Element, seconds: u32) -> String {
    let status = select(root, "#status").expect("#status");
    for _ in 0..seconds * 20 {
        let state = attr(&status, "data-state");
        if state == "done" || state == "failed" {
            return state;
        }
        sleep(50).await;
    }
    panic!("no outcome after {seconds} s: {:?}", status.text_content());
}

/// Chooses a file in `#file` as a user would: sets its files and fires `change`.
fn choose(root: &Element, name: &str, bytes: &[u8]) {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::FilePropertyBag::new();
    options.set_type("audio/wav");
    let file =
        web_sys::File::new_with_u8_array_sequence_and_options(&parts, name, &options).unwrap();
    let transfer = web_sys::DataTransfer::new().unwrap();
    transfer.items().add_with_file(&file).unwrap();
    let input: HtmlInputElement = select(root, "#file").unwrap().unchecked_into();
    input.set_files(transfer.files().as_ref());
    input
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
}

#[wasm_bindgen_test]
async fn app_shows_an_error_for_a_corrupt_file() {
    let root: Element = container().into();
    let _mounted = leptos::mount::mount_to(root.clone().unchecked_into(), App);
    choose(&root, "broken.mp3", &noise(4096));
    assert_eq!(outcome(&root, 10).await, "failed");
    let error = select(&root, "#error").unwrap();
    assert!(!error.has_attribute("hidden"));
    let message = error.text_content().unwrap();
    assert!(
        message.starts_with("could not decode \"broken.mp3\""),
        "{message}"
    );
    assert!(select(&root, "#duration").is_none());
}

#[wasm_bindgen_test]
async fn app_analyses_a_chosen_wav() {
    let root: Element = container().into();
    let _mounted = leptos::mount::mount_to(root.clone().unchecked_into(), App);
    choose(&root, "tone.wav", &wav());
    let state = outcome(&root, 30).await;
    let error = select(&root, "#error").unwrap().text_content();
    let duration = select(&root, "#duration").expect("#duration");
    assert_eq!(attr(&duration, "data-seconds"), "0.5");
    assert_eq!(state, "done", "#error: {error:?}");
    let rows = select_all(&root, "#summary tbody tr[data-feature]");
    assert_eq!(rows.len(), Feature::ALL.len());
}
