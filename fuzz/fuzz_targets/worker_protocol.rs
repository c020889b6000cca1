//! The page's worker protocol: any sequence of requests a page could post, handled by the
//! worker's engine (`genrescope_web::engine`, natively) as the worker handles them, holding
//! the seeds' demo bundle and MusiCNN's MSD weights, or not when their load failed. Every
//! request is answered, a bad one with a `Failed` response naming what was wrong; none panics
//! the worker.
//!
//! An input's first byte says which loads failed (bit 0: the genre models', bit 1: MusiCNN's,
//! as when the site has no bundle or a fetch failed); the rest is requests separated by
//! [`NEXT`], each the message's `json`, then, after a 0x00 byte (never in JSON text), its
//! `data` (a file's bytes, a signal's `f32`s).
#![no_main]
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use genrescope_core::model::Bundle;
use genrescope_core::model::burn::tensor::try_read_sync;
use genrescope_core::musicnn::TagModel;
use genrescope_core::musicnn::net::Tagger;
use genrescope_web::backend::Choice;
use genrescope_web::engine::{Engine, Host, Load, Loaded};
use genrescope_web::error::AppError;
use genrescope_web::protocol::{self, Request, Response};
use libfuzzer_sys::fuzz_target;

/// The demo bundle a pipeline run made (`scripts/fuzz.sh seeds`), as the page serves one.
const BUNDLE: &[u8] = include_bytes!("../corpus/bundle/seed-demo");
const MSD: &[u8] = include_bytes!("../../models/musicnn/msd_musicnn.bpk");

/// A worker whose models loaded on flex, keeping what it posts.
struct Worker {
    bundle: Load<Bundle>,
    tagger: Load<Tagger>,
    /// What the worker has when a load failed: a fetch's error.
    failed: Load<Bundle>,
    failed_tagger: Load<Tagger>,
    /// The input's first byte.
    fails: Cell<u8>,
    posted: RefCell<Vec<Response>>,
}

impl Worker {
    fn new() -> Self {
        let files = genrescope_fuzz::unpack(BUNDLE);
        let read = |name: &str| {
            let file = files.iter().find(|(n, _)| n == name);
            Ok(file.expect("the seed bundle has its files").1.to_vec())
        };
        let on = || Choice::flex("the fuzz target");
        let manifest =
            String::from_utf8_lossy(read("manifest.json").unwrap().as_slice()).into_owned();
        let device = on().device;
        let bundle = Bundle::load(&manifest, read, &device).expect("the seed bundle loads");
        let tagger = Tagger::load(TagModel::Msd, MSD.to_vec(), &device).expect("MSD loads");
        Worker {
            bundle: Rc::new(Ok(Loaded {
                model: bundle,
                on: on(),
            })),
            tagger: Rc::new(Ok(Loaded {
                model: tagger,
                on: on(),
            })),
            failed: Rc::new(Err(fetch_failed("models/manifest.json"))),
            failed_tagger: Rc::new(Err(fetch_failed("musicnn/msd_musicnn.bpk"))),
            fails: Cell::new(0),
            posted: RefCell::default(),
        }
    }
}

/// A fetch the server answered with 404.
fn fetch_failed(url: &str) -> AppError {
    AppError::Fetch {
        url: url.into(),
        reason: "HTTP 404".into(),
    }
}

impl Host for Worker {
    fn post(&self, response: &Response, data: Option<&[f32]>) {
        // What the worker would post must encode (finite values: JSON has no NaN).
        let json = serde_json::to_string(response).expect("a response encodes");
        let back: Response = protocol::parse(&json).expect("a response decodes");
        if let Response::Feature { shape, .. } = &back {
            let n: usize = shape.iter().product();
            assert_eq!(Some(n), data.map(<[f32]>::len), "{json}");
        }
        self.posted.borrow_mut().push(back);
    }

    async fn bundle(&self, _waiting: impl Fn()) -> Load<Bundle> {
        let load = if self.fails.get() & 1 != 0 {
            &self.failed
        } else {
            &self.bundle
        };
        load.clone()
    }

    async fn tagger(&self) -> Load<Tagger> {
        let failed = self.fails.get() & 2 != 0;
        if failed {
            &self.failed_tagger
        } else {
            &self.tagger
        }
        .clone()
    }
}

/// Between two requests: 0xFF is never in JSON text, and the six bytes together are improbable
/// in a file's or a signal's bytes.
const NEXT: &[u8] = b"\xffNEXT\xff";

/// The requests of an input.
fn requests(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let now = rest?;
        match now.windows(NEXT.len()).position(|w| w == NEXT) {
            Some(at) => {
                rest = Some(&now[at + NEXT.len()..]);
                Some(&now[..at])
            }
            None => rest.take(),
        }
    })
}

thread_local! {
    static WORKER: Worker = Worker::new();
}

fuzz_target!(|data: &[u8]| {
    let Some((&fails, data)) = data.split_first() else {
        return;
    };
    WORKER.with(|worker| {
        worker.fails.set(fails);
        let engine = Engine::new("");
        for message in requests(data) {
            let (json, payload) = match message.iter().position(|&b| b == 0) {
                Some(at) => (&message[..at], Some(message[at + 1..].to_vec())),
                None => (message, None),
            };
            let Ok(json) = std::str::from_utf8(json) else {
                continue;
            };
            let Ok(request) = protocol::parse::<Request>(json) else {
                continue;
            };
            let signal = matches!(request, Request::Signal { .. });
            worker.posted.borrow_mut().clear();
            let handled = try_read_sync(engine.handle(worker, request, payload));
            assert!(handled.is_some(), "a request on flex is answered at once");
            // Every request but a signal ends with Idle, and only there.
            let posted = worker.posted.borrow();
            let idle = posted
                .iter()
                .filter(|r| matches!(r, Response::Idle { .. }))
                .count();
            assert_eq!(idle, usize::from(!signal), "{posted:?}");
        }
    });
});
