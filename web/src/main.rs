//! The page's entry point: panic hook, then mount.

fn main() {
    genrescope_web::install_panic_hook();
    leptos::mount::mount_to_body(genrescope_web::App);
}
