//! The analysis worker's entry point: panic hook, then the message handler.

fn main() {
    console_error_panic_hook::set_once();
    genrescope_web::worker::start();
}
