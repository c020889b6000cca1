//! The analysis worker built with WebGPU (cargo feature `webgpu`): the same worker as
//! `genrescope-worker`, with burn-wgpu on the browser's WebGPU as well as flex.

fn main() {
    console_error_panic_hook::set_once();
    genrescope_web::worker::start();
}
