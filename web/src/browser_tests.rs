//! Browser tests (headless Chromium via wasm-bindgen-test): decoding in wasm, the worker
//! protocol, the plot math drawn on a real canvas, and the page's components in a real DOM.
//! The page with its worker, end to end, is tested by Playwright (tests/e2e).
//!
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --profile
//! wasm-release -p genrescope-web --features webgpu --lib` (scripts/e2e.sh)

use std::sync::Arc;

use genrescope_core::audio::Limits;
use genrescope_core::model::bundle::Dataset;
use genrescope_core::model::burn::prelude::Device;
use genrescope_core::model::{Prediction, TrackPrediction};
use genrescope_core::musicnn::cpu::PatchOutput;
use genrescope_core::musicnn::net::{Tagger, Taggram};
use genrescope_core::musicnn::{N_PENULTIMATE, TagModel, TrackAnalysis};
use genrescope_core::plot::render::draw_feature;
use genrescope_core::plot::{Body, FeaturePlot, feature_plot, genre_colour};
use genrescope_core::{Feature, FeatureConfig};
use genrescope_web::analysis::{self, FeatureStats, TrackInfo};
use genrescope_web::backend::{Backend, Preference};
use genrescope_web::canvas::CanvasPainter;
use genrescope_web::components::{
    CANVAS_HEIGHT, CANVAS_WIDTH, FeatureCanvas, Predictions, Tags, describe, plot_size, seek_key,
};
use genrescope_web::error::{ErrorKind, WorkerError};
use genrescope_web::pool;
use genrescope_web::protocol::{self, BundleStatus, Request, Response, Step, Task};
use genrescope_web::state::FeatureView;
use genrescope_web::{App, AppError, Session};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{
    CanvasRenderingContext2d, Element, HtmlCanvasElement, HtmlElement, HtmlInputElement,
};

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
fn decoding_gives_duration_and_format_and_refuses_bad_files_by_name() {
    let decoded = analysis::decode_limited(wav(), "tone.WAV", &analysis::LIMITS).expect("decodes");
    let info = TrackInfo::of(&decoded);
    assert_eq!(info.duration_s, 0.5);
    assert_eq!((info.sample_rate, info.channels), (WAV_RATE, 2));

    let err = analysis::decode_limited(noise(8192), "noise.mp3", &analysis::LIMITS)
        .expect_err("not audio");
    assert!(matches!(err, AppError::Decode { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("could not decode \"noise.mp3\": "),
        "{err}"
    );

    let err =
        analysis::decode_limited(Vec::new(), "empty.mp3", &analysis::LIMITS).expect_err("empty");
    assert!(
        err.to_string().contains("\"empty.mp3\" holds no audio"),
        "{err}"
    );

    // Longer than the limit: refused once decoding passes it.
    let short = Limits {
        max_seconds: 0.1,
        ..analysis::LIMITS
    };
    let err = analysis::decode_limited(wav(), "long.wav", &short).expect_err("too long");
    assert!(matches!(err, AppError::TooLong { .. }), "{err:?}");
    assert!(
        err.to_string().contains("\"long.wav\" runs longer than"),
        "{err}"
    );
    // More samples than the cap (a high rate reaches it first): named in samples.
    let few = Limits {
        max_samples: 1_000,
        ..analysis::LIMITS
    };
    let err = analysis::decode_limited(wav(), "hires.wav", &few).expect_err("too many samples");
    assert!(
        err.to_string()
            .starts_with("\"hires.wav\" is more audio than the page decodes: at"),
        "{err}"
    );
}

#[wasm_bindgen_test]
fn requests_and_responses_survive_the_trip_with_their_payloads() {
    // A request with the file's bytes.
    let bytes: Vec<u8> = (0..=255).collect();
    let request = Request::Analyse {
        run: 7,
        name: "a \"song\".mp3".into(),
    };
    let enc = protocol::encode(&request, Some(protocol::byte_buffer(&bytes))).unwrap();
    assert_eq!(
        enc.transfer.length(),
        1,
        "the bytes are transferred, not copied"
    );
    let (back, data) = protocol::decode::<Request>(&enc.message).unwrap();
    assert_eq!(back, request);
    assert_eq!(protocol::bytes(&data.unwrap()), bytes);

    // A feature with its values, bit for bit.
    let values: Vec<f32> = vec![0.0, -1.5, f32::MIN_POSITIVE, 3.25e7, f32::NAN];
    let response = Response::Feature {
        run: 3,
        feature: Feature::Mel,
        shape: vec![1, 5],
    };
    let enc = protocol::encode(&response, Some(protocol::f32_buffer(&values))).unwrap();
    let (back, data) = protocol::decode::<Response>(&enc.message).unwrap();
    assert_eq!(back, response);
    assert_eq!(back.run(), 3);
    let got = protocol::f32_values(&data.unwrap()).unwrap();
    assert_eq!(
        got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        values.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );

    // Messages without a payload, and the prediction of a track.
    let prediction = Prediction {
        models: vec![(Feature::Rms, vec![0.25, 0.75])],
        ensemble: vec![0.25, 0.75],
    };
    for response in [
        Response::Ready,
        Response::Progress {
            run: 1,
            step: Step::Predicting,
            done: 2,
            total: 4,
        },
        Response::Bundle {
            run: 1,
            status: BundleStatus::Missing {
                error: AppError::Fetch {
                    url: "models/manifest.json".into(),
                    reason: "HTTP 404".into(),
                }
                .into(),
            },
        },
        Response::Bundle {
            run: 1,
            status: BundleStatus::Loaded {
                classes: vec!["Rock".into(), "Folk".into()],
                features: vec![Feature::Mel, Feature::Mfcc],
                window_seconds: 14.0,
                backend: Backend {
                    name: Backend::WEBGPU.into(),
                    note: "WebGPU on google swiftshader (software)".into(),
                },
                dataset: Some(Dataset {
                    name: "genrescope demo-data".into(),
                    tracks: 240,
                    synthesised: true,
                }),
            },
        },
        Response::Plan {
            run: 1,
            windows: 3,
            patches: 10,
        },
        Response::Windows {
            run: 1,
            first: 2,
            sample_rate: 22050,
            windows: vec![(0, 10, prediction.clone())],
        },
        Response::Patches {
            run: 1,
            first: 4,
            model: TagModel::Msd,
            rows: vec![vec![0.5; 50], vec![0.25; 50]],
            penultimate: vec![vec![-1.5; 200], vec![2.0; 200]],
            backend: Backend::flex("the browser offers no WebGPU adapter"),
        },
        Response::Idle { run: 1 },
        Response::TagsMissing {
            run: 1,
            error: WorkerError::new(ErrorKind::Fetch, "musicnn/msd_musicnn.bpk: HTTP 404"),
        },
        Response::Failed {
            run: 2,
            error: WorkerError::new(ErrorKind::Internal, "a worker stopped"),
        },
    ] {
        let enc = protocol::encode(&response, None).unwrap();
        assert_eq!(enc.transfer.length(), 0);
        let (back, data) = protocol::decode::<Response>(&enc.message).unwrap();
        assert_eq!(back, response);
        assert!(data.is_none());
    }

    // A worker's error reaches the page with its kind, its file and its words.
    let decoding =
        analysis::decode_limited(noise(8192), "noise.mp3", &analysis::LIMITS).expect_err("noise");
    let enc = protocol::encode(
        &Response::Failed {
            run: 5,
            error: WorkerError::from(&decoding),
        },
        None,
    )
    .unwrap();
    let Response::Failed { run, error } = protocol::decode::<Response>(&enc.message).unwrap().0
    else {
        panic!("not a failure");
    };
    assert_eq!(run, 5);
    assert_eq!(error.kind, ErrorKind::Decode);
    assert_eq!(error.file.as_deref(), Some("noise.mp3"));
    let shown = AppError::from(error);
    assert_eq!(shown.kind(), ErrorKind::Decode);
    assert_eq!(shown.to_string(), decoding.to_string());

    // The pool's requests.
    for request in [
        Request::Task {
            run: 2,
            task: Task::Windows {
                first: 1,
                end: 2,
                musicnn: vec![],
            },
        },
        Request::Task {
            run: 2,
            task: Task::Windows {
                first: 0,
                end: 3,
                musicnn: vec![TrackAnalysis {
                    model: Some(TagModel::Msd),
                    penultimate: vec![vec![0.125; 200]; 2],
                    tags: vec![vec![0.5; 50]; 2],
                }],
            },
        },
        Request::Task {
            run: 2,
            task: Task::Features {
                features: vec![Feature::ChromaCqt, Feature::Rms],
            },
        },
        Request::Task {
            run: 2,
            task: Task::Patches { first: 3, end: 7 },
        },
    ] {
        let enc = protocol::encode(&request, None).unwrap();
        assert_eq!(
            protocol::decode::<Request>(&enc.message).unwrap().0,
            request
        );
    }

    // Not a message of ours: an error, not a panic.
    assert!(protocol::decode::<Response>(&wasm_bindgen::JsValue::from_str("hello")).is_err());
    let odd = js_sys::Object::new();
    js_sys::Reflect::set(&odd, &"json".into(), &"{\"kind\":\"nope\"}".into()).unwrap();
    assert!(protocol::decode::<Response>(&odd.into()).is_err());
    assert!(protocol::f32_values(&js_sys::ArrayBuffer::new(6)).is_err());
}

#[wasm_bindgen_test]
fn the_pool_hands_out_every_window_feature_and_patch_once() {
    for (windows, patches, workers) in [(3, 10, 2), (1, 1, 4), (0, 5, 3), (7, 0, 1), (85, 200, 4)] {
        let tasks = pool::tasks(windows, patches, workers);
        let (mut w, mut p, mut f) = (vec![0; windows], vec![0; patches], Vec::new());
        for t in &tasks {
            match t {
                Task::Windows { first, end, .. } => (*first..*end).for_each(|i| w[i] += 1),
                Task::Patches { first, end } => (*first..*end).for_each(|i| p[i] += 1),
                Task::Features { features } => f.extend(features.iter().copied()),
            }
        }
        assert!(
            w.iter().chain(&p).all(|&n| n == 1),
            "{windows} {patches} {workers}"
        );
        f.sort_by_key(|x| Feature::LIBROSA.iter().position(|y| y == x));
        assert_eq!(f, Feature::LIBROSA.to_vec());
        // The first genre and the first tags are what people wait for.
        let first = |t: &Task| {
            matches!(
                t,
                Task::Windows { first: 0, .. } | Task::Patches { first: 0, .. }
            )
        };
        let leading = usize::from(windows > 0) + usize::from(patches > 0);
        assert!(tasks[..leading].iter().all(first), "{tasks:?}");
        // Windows that read MusiCNN's run come later, in one share per worker, each with it.
        let run = TrackAnalysis::default();
        let shares = pool::window_tasks(windows, std::slice::from_ref(&run), workers);
        let mut w = vec![0; windows];
        for t in &shares {
            let Task::Windows {
                first,
                end,
                musicnn,
            } = t
            else {
                panic!("{t:?}")
            };
            assert_eq!(musicnn, std::slice::from_ref(&run));
            (*first..*end).for_each(|i| w[i] += 1);
        }
        assert!(w.iter().all(|&n| n == 1), "{windows} {workers}: {shares:?}");
        assert!(shares.len() <= workers, "{shares:?}");
    }
}

/// Every feature of a 1 s chirp.
fn chirp_features() -> genrescope_core::FeatureSet {
    let y: Vec<f32> = (0..22050)
        .map(|i| {
            let t = i as f32 / 22050.0;
            (std::f32::consts::TAU * (200.0 + 800.0 * t) * t).sin() * 0.5
        })
        .collect();
    genrescope_core::compute(&y, &FeatureConfig::default(), Feature::LIBROSA).unwrap()
}

fn canvas(width: u32, height: u32) -> HtmlCanvasElement {
    let c: HtmlCanvasElement = document()
        .create_element("canvas")
        .unwrap()
        .unchecked_into();
    c.set_width(width);
    c.set_height(height);
    c
}

/// The mel spectrogram of [`chirp_features`], laid out as the page draws it.
fn chirp_mel_plot() -> FeaturePlot {
    let set = chirp_features();
    feature_plot(
        Feature::Mel,
        set.get(Feature::Mel).unwrap(),
        &FeatureConfig::default(),
    )
    .unwrap()
}

#[wasm_bindgen_test]
fn a_heat_map_drawn_on_a_canvas_has_the_colour_maps_pixels() {
    let plot = chirp_mel_plot();
    let c = canvas(CANVAS_WIDTH, CANVAS_HEIGHT);
    let mut painter = CanvasPainter::new(&c).unwrap();
    let r = draw_feature(&mut painter, &plot).unwrap();
    let Body::Heatmap(hm) = &plot.body else {
        panic!("mel is a heat map")
    };
    let (w, h) = (r.width() as usize, r.height() as usize);
    let want = hm.rgba(w, h);
    let ctx: CanvasRenderingContext2d = c.get_context("2d").unwrap().unwrap().unchecked_into();
    let got = ctx
        .get_image_data(f64::from(r.x0), f64::from(r.y0), w as f64, h as f64)
        .unwrap()
        .data()
        .0;
    assert_eq!(got.len(), want.len());
    // The plotting rectangle holds exactly the core's raster (the axes are drawn outside it).
    let differing = got.iter().zip(&want).filter(|(a, b)| a != b).count();
    assert_eq!(differing, 0, "{differing} of {} bytes differ", want.len());
    // And the axes' labels are drawn: dark pixels left of the rectangle.
    let left = ctx
        .get_image_data(0.0, f64::from(r.y0), f64::from(r.x0 - 10), h as f64)
        .unwrap()
        .data()
        .0;
    assert!(
        left.chunks(4).any(|p| p[0] < 100 && p[3] == 255),
        "no tick labels"
    );
}

#[wasm_bindgen_test]
fn a_heat_map_drawn_at_twice_the_pixel_density_holds_each_raster_pixel_as_a_block() {
    let plot = chirp_mel_plot();
    let c = canvas(1, 1);
    let size = plot_size(360.0);
    let r = draw_feature(&mut CanvasPainter::scaled(&c, size, 2.0).unwrap(), &plot).unwrap();
    // The layout is in drawing pixels; the canvas holds 2 × 2 of its own for each.
    assert_eq!((c.width(), c.height()), (2 * size.0, 2 * size.1));
    assert!(r.x1 < size.0 as i32 && r.y1 < size.1 as i32);
    let Body::Heatmap(hm) = &plot.body else {
        panic!("mel is a heat map")
    };
    let (w, h) = (r.width() as usize, r.height() as usize);
    let want = hm.rgba(w, h);
    let ctx: CanvasRenderingContext2d = c.get_context("2d").unwrap().unwrap().unchecked_into();
    let got = ctx
        .get_image_data(
            f64::from(2 * r.x0),
            f64::from(2 * r.y0),
            2.0 * w as f64,
            2.0 * h as f64,
        )
        .unwrap()
        .data()
        .0;
    let mut differing = 0;
    for y in 0..2 * h {
        for x in 0..2 * w {
            let (a, b) = ((y * 2 * w + x) * 4, ((y / 2) * w + x / 2) * 4);
            differing += usize::from(got[a..a + 4] != want[b..b + 4]);
        }
    }
    assert_eq!(
        differing,
        0,
        "{differing} of {} canvas pixels differ",
        4 * w * h
    );
}

#[wasm_bindgen_test]
fn keys_seek_a_plot_within_the_track() {
    assert_eq!(seek_key("ArrowRight", 3.0, 0.0..16.0, 1.0), Some(4.0));
    assert_eq!(seek_key("ArrowLeft", 0.5, 0.0..16.0, 1.0), Some(0.0));
    assert_eq!(seek_key("PageUp", 14.0, 0.0..16.0, 1.0), Some(16.0));
    assert_eq!(seek_key("PageDown", 10.0, 0.0..16.0, 1.0), Some(6.0));
    assert_eq!(seek_key("Home", 10.0, 0.0..16.0, 1.0), Some(0.0));
    assert_eq!(seek_key("End", 1.0, 0.0..16.0, 1.0), Some(16.0));
    assert_eq!(seek_key("a", 1.0, 0.0..16.0, 1.0), None);
    assert_eq!(
        seek_key("Tab", 1.0, 0.0..16.0, 1.0),
        None,
        "Tab must leave the plot"
    );
}

#[wasm_bindgen_test]
fn a_plot_is_as_wide_as_it_is_shown_and_says_its_figures_in_words() {
    assert_eq!(plot_size(286.0), (286, 220));
    assert_eq!(plot_size(508.4), (508, 254));
    assert_eq!(plot_size(880.0), (880, 320));
    assert_eq!(
        plot_size(0.0),
        (CANVAS_WIDTH, CANVAS_HEIGHT),
        "not laid out yet"
    );
    assert_eq!(plot_size(f64::NAN), (CANVAS_WIDTH, CANVAS_HEIGHT));
    let stats = FeatureStats {
        name: "mel",
        shape: vec![128, 345],
        min: -80.0,
        mean: -41.234_567,
        max: 0.000_012_5,
        probes: Vec::new(),
    };
    assert_eq!(
        describe("Mel spectrogram (dB)", &stats),
        "Mel spectrogram (dB): 128 × 345 values, from -80.000 to 1.2500e-5, mean -41.235."
    );
}

#[wasm_bindgen_test]
fn every_feature_draws_on_a_canvas_without_error() {
    let set = chirp_features();
    for (feature, array) in &set.entries {
        let plot = feature_plot(*feature, array, &FeatureConfig::default()).unwrap();
        let c = canvas(CANVAS_WIDTH, CANVAS_HEIGHT);
        let r = draw_feature(&mut CanvasPainter::new(&c).unwrap(), &plot).unwrap();
        assert!(r.x0 > 0 && r.x1 < CANVAS_WIDTH as i32, "{feature}");
        let ctx: CanvasRenderingContext2d = c.get_context("2d").unwrap().unwrap().unchecked_into();
        let px = ctx
            .get_image_data(
                f64::from(r.x0),
                f64::from(r.y0),
                f64::from(r.width()),
                f64::from(r.height()),
            )
            .unwrap()
            .data()
            .0;
        // Something is drawn in the plotting rectangle: a heat map fills it, a line inks at
        // least one pixel per column.
        let inked = px
            .chunks(4)
            .filter(|p| p[0] < 250 || p[1] < 250 || p[2] < 250)
            .count();
        let all = px.len() / 4;
        match plot.body {
            Body::Heatmap(_) => assert!(
                inked * 10 > all * 9,
                "{feature}: {inked} of {all} pixels drawn"
            ),
            Body::Line(_) => assert!(
                inked >= r.width() as usize,
                "{feature}: {inked} of {all} pixels drawn"
            ),
        }
    }
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

fn attr(element: &Element, name: &str) -> String {
    element.get_attribute(name).unwrap_or_default()
}

#[wasm_bindgen_test]
async fn a_feature_canvas_carries_its_name_and_statistics() {
    let set = chirp_features();
    let array = set.get(Feature::Mfcc).unwrap().clone();
    let stats = FeatureStats::of("mfcc", &array);
    let view = FeatureView {
        plot: Arc::new(feature_plot(Feature::Mfcc, &array, &FeatureConfig::default()).unwrap()),
        stats: Arc::new(stats.clone()),
    };
    let root = container();
    let _mounted = leptos::mount::mount_to(root.clone(), move || {
        provide_context(Session::new());
        view! { <FeatureCanvas view=view /> }
    });
    let canvas = select(&root, "canvas[data-feature=\"mfcc\"]").expect("the canvas");
    let parsed = js_sys::JSON::parse(&attr(&canvas, "data-stats")).unwrap();
    let get = |k: &str| js_sys::Reflect::get(&parsed, &k.into()).unwrap();
    assert_eq!(get("min").as_f64().unwrap(), stats.min);
    assert_eq!(get("max").as_f64().unwrap(), stats.max);
    let shape: js_sys::Array = get("shape").unchecked_into();
    assert_eq!(
        shape
            .to_vec()
            .iter()
            .map(|v| v.as_f64().unwrap() as usize)
            .collect::<Vec<_>>(),
        array.shape()
    );
    let probes: js_sys::Array = get("probes").unchecked_into();
    assert_eq!(probes.length() as usize, analysis::PROBES);
    // MFCCs run over time: the canvas seeks.
    assert!(canvas.class_list().contains("seekable"));
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
            .contains("Drop an audio file")
    );
    let error = select(&root, "#error").expect("#error");
    assert!(error.has_attribute("hidden"));
    assert!(select(&root, "#duration").is_none());
    assert!(
        select(&root, "#predictions").is_none(),
        "nothing to predict yet"
    );
    assert!(select(&root, "#features").is_some());
}

/// The computed background colour of `element`, as the browser writes it (`rgb(r, g, b)`).
fn background(element: &Element) -> String {
    let style = js_sys::Reflect::get(element, &"style".into()).unwrap();
    js_sys::Reflect::get(&style, &"backgroundColor".into())
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn a_genre_has_one_colour_in_predictions_and_in_tags() {
    // The bundle lists Rock first; FMA's genres (which MusiCNN's tags name) list it eighth.
    // Coloured by place, `#timeline` drew Rock in tab20's first colour and `#tag-timeline` in
    // its eighth; coloured by name, both draw it in the eighth.
    let rock = Prediction {
        models: vec![(Feature::Mel, vec![0.9, 0.1])],
        ensemble: vec![0.9, 0.1],
    };
    let mut patch = vec![0.0f32; 50];
    let at = TagModel::Msd
        .tags()
        .iter()
        .position(|t| *t == "rock")
        .unwrap();
    patch[at] = 0.9;
    let root = container();
    let _mounted = leptos::mount::mount_to(root.clone(), move || {
        let session = Session::new();
        session.file_name.set(Some("rock.mp3".into()));
        session.track.set(Some(TrackInfo {
            duration_s: 3.0,
            sample_rate: 16000,
            channels: 1,
            skipped_packets: 0,
            truncated: false,
        }));
        session.bundle.set(Some(BundleStatus::Loaded {
            classes: vec!["Rock".into(), "Electronic".into()],
            features: vec![Feature::Mel],
            window_seconds: 3.0,
            backend: Backend::flex("a test"),
            dataset: None,
        }));
        session.prediction.set(Some(Arc::new(TrackPrediction {
            sample_rate: 16000,
            windows: vec![(0, 48000, rock.clone())],
            mean: rock,
        })));
        session.prediction_complete.set(true);
        session
            .tags
            .set(Some(Arc::new(Taggram::of(TagModel::Msd, vec![patch]))));
        session.tags_complete.set(true);
        provide_context(session);
        view! {
            <Predictions />
            <Tags />
        }
    });
    let genre =
        select(&root, "#timeline .segment[data-genre=\"Rock\"]").expect("Rock in #timeline");
    let tag = select(&root, "#tag-timeline .segment[data-genre=\"Rock\"]")
        .expect("Rock in #tag-timeline");
    let [r, g, b] = genre_colour("Rock");
    assert_eq!(background(&tag), format!("rgb({r}, {g}, {b})"));
    assert_eq!(
        background(&genre),
        background(&tag),
        "Rock is drawn in two colours"
    );
}

#[wasm_bindgen_test]
fn a_bundle_trained_on_synthesised_music_says_so_before_its_genre() {
    for synthesised in [true, false] {
        let root = container();
        let _mounted = leptos::mount::mount_to(root.clone(), move || {
            let session = Session::new();
            session.bundle.set(Some(BundleStatus::Loaded {
                classes: vec!["Rock".into(), "Folk".into()],
                features: vec![Feature::Musicnn],
                window_seconds: 14.0,
                backend: Backend::flex("a test"),
                dataset: Some(Dataset {
                    name: if synthesised {
                        "genrescope demo-data"
                    } else {
                        "music"
                    }
                    .into(),
                    tracks: 240,
                    synthesised,
                }),
            }));
            let p = Prediction {
                models: vec![(Feature::Musicnn, vec![0.8, 0.2])],
                ensemble: vec![0.8, 0.2],
            };
            session.prediction.set(Some(Arc::new(TrackPrediction {
                sample_rate: 22050,
                windows: vec![(0, 14 * 22050, p.clone())],
                mean: p,
            })));
            provide_context(session);
            view! { <Predictions /> }
        });
        let note = select(&root, "#predictions h2 + #dataset").expect("#dataset after the title");
        let text = note.text_content().unwrap_or_default();
        assert_eq!(
            note.get_attribute("data-synthesised").as_deref(),
            Some(if synthesised { "true" } else { "false" })
        );
        if synthesised {
            assert!(text.contains("240 synthesised demo tracks"), "{text}");
            assert!(text.contains("not on real music"), "{text}");
        } else {
            assert_eq!(text, "Trained on 240 tracks of music.");
        }
        let model = select(&root, "#predictions tr[data-model=\"musicnn\"]").expect("the head");
        assert!(model.text_content().unwrap_or_default().contains("Rock"));
    }
}

/// The values of a little-endian, C-order `.npy` of `<i2` or `<f4` (what the MusiCNN
/// references hold), with its shape.
fn npy(bytes: &[u8]) -> (Vec<usize>, Vec<f32>) {
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
    assert!(header.contains("'fortran_order': False"), "{header}");
    let shape_text = header
        .split("'shape': (")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap();
    let shape: Vec<usize> = shape_text
        .split(',')
        .filter_map(|d| d.trim().parse().ok())
        .collect();
    let data = &bytes[10 + header_len..];
    let values = if header.contains("'<i2'") {
        data.chunks_exact(2)
            .map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])) / 32768.0)
            .collect()
    } else {
        assert!(header.contains("'<f4'"), "{header}");
        data.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    };
    (shape, values)
}

/// The largest difference between `got`'s patches and the TensorFlow original's activations
/// for the committed loud-chords signal (two patches).
fn worst_against_tensorflow(got: &Taggram) -> f32 {
    let (shape, want) = npy(include_bytes!(
        "../../shared/tests/reference/musicnn/loud_chords.msd.npy"
    ));
    assert_eq!(shape, [2, 50]);
    assert_eq!(got.patches.len(), 2);
    got.patches
        .concat()
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max)
}

/// The largest difference between the penultimate layer (`bn_dense`) of the committed
/// loud-chords signal's two patches and the TensorFlow graph's.
fn worst_penultimate_against_tensorflow(got: &[PatchOutput]) -> f32 {
    let (shape, want) = npy(include_bytes!(
        "../../shared/tests/reference/musicnn/loud_chords.msd.penultimate.npy"
    ));
    assert_eq!(shape, [2, N_PENULTIMATE]);
    assert_eq!(got.len(), 2);
    got.iter()
        .flat_map(|o| o.penultimate.iter())
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max)
}

fn loud_chords_patches() -> Vec<ndarray::Array2<f32>> {
    let mel = genrescope_core::musicnn::log_mel(&loud_chords()).unwrap();
    genrescope_core::musicnn::patches(mel.view())
}

fn loud_chords() -> Vec<f32> {
    npy(include_bytes!(
        "../../shared/tests/reference/musicnn/loud_chords.pcm.npy"
    ))
    .1
}

const MSD_WEIGHTS: &[u8] = include_bytes!("../../models/musicnn/msd_musicnn.bpk");

/// MusiCNN in wasm on flex, against the TensorFlow original's activations for the committed
/// loud-chords signal (two patches), within the 1e-3.
#[wasm_bindgen_test]
fn musicnn_in_wasm_equals_the_tensorflow_original() {
    let tagger = Tagger::load(TagModel::Msd, MSD_WEIGHTS.to_vec(), &Device::flex()).unwrap();
    let mut calls = 0;
    let got = tagger
        .tag_with_progress(&loud_chords(), |so_far, total| {
            calls += 1;
            assert_eq!(total, 2);
            assert_eq!(so_far.patches.len(), calls, "the first patch comes alone");
        })
        .unwrap();
    assert_eq!(calls, 2);
    let worst = worst_against_tensorflow(&got);
    assert!(worst <= 1e-3, "max |Δ| = {worst}");
    // The penultimate layer the `musicnn` head reads, from the same pass.
    let outputs = tagger.patch_outputs(&loud_chords_patches()).unwrap();
    let worst = worst_penultimate_against_tensorflow(&outputs);
    assert!(worst <= 1e-3, "penultimate max |Δ| = {worst}");
    // And the weights of the other network are refused by name.
    assert!(
        Tagger::load(TagModel::Mtt, b"junk".to_vec(), &Device::flex())
            .unwrap_err()
            .to_string()
            .contains("mtt_musicnn.bpk")
    );
}

/// The page's backend choice: WebGPU on the browser's adapter (webdriver.json starts Chromium
/// with `--enable-unsafe-webgpu`, whose adapter is SwiftShader, a software one), and MusiCNN
/// on it equal to the TensorFlow original within 1e-3, read back asynchronously; the
/// synchronous call is refused with a message instead of blocking. (scripts/e2e.sh runs these
/// tests with `--features webgpu`.)
#[cfg(feature = "webgpu")]
#[wasm_bindgen_test]
async fn musicnn_on_webgpu_equals_the_tensorflow_original() {
    // Without ?backend=webgpu a software adapter is passed over for flex.
    let auto = genrescope_web::backend::choose(Preference::Auto).await;
    assert_eq!(auto.backend.name, Backend::FLEX);
    assert!(
        auto.backend.note.contains("software"),
        "{}",
        auto.backend.note
    );
    let flex = genrescope_web::backend::choose(Preference::Flex).await;
    assert_eq!(flex.backend.name, Backend::FLEX);
    let choice = genrescope_web::backend::choose(Preference::WebGpu).await;
    assert!(choice.backend.is_webgpu(), "{}", choice.backend.note);
    assert!(
        choice.backend.note.starts_with("WebGPU on "),
        "{}",
        choice.backend.note
    );
    let tagger = Tagger::load(TagModel::Msd, MSD_WEIGHTS.to_vec(), &choice.device).unwrap();
    let refused = tagger.tag(&loud_chords()).unwrap_err().to_string();
    assert!(refused.contains("_async"), "{refused}");
    let mut calls = 0;
    let got = tagger
        .tag_with_progress_async(&loud_chords(), |_, _| calls += 1)
        .await
        .unwrap();
    assert_eq!(calls, 2);
    let worst = worst_against_tensorflow(&got);
    assert!(worst <= 1e-3, "max |Δ| on WebGPU = {worst}");
    let outputs = tagger
        .patch_outputs_async(&loud_chords_patches())
        .await
        .unwrap();
    let worst = worst_penultimate_against_tensorflow(&outputs);
    assert!(worst <= 1e-3, "penultimate max |Δ| on WebGPU = {worst}");
}

#[wasm_bindgen_test]
fn the_backend_comes_from_the_query() {
    for (query, want) in [
        ("", Preference::Auto),
        ("?backend=flex", Preference::Flex),
        ("?x=1&backend=webgpu", Preference::WebGpu),
        ("?backend=cuda", Preference::Auto),
        ("?nobackend=flex", Preference::Auto),
    ] {
        assert_eq!(Preference::from_query(query), want, "{query}");
    }
    assert_eq!(Backend::flex("why").label(), "flex (CPU)");
}
