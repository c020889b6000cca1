//! `genrescope`: the native trainer and single-track tools.

use std::process::ExitCode;

use clap::Parser;
use genrescope::{cli, commands};

// glibc's malloc returns large freed arrays to the kernel at once, so every track would pay
// again for fresh pages (about a quarter of the feature time); mimalloc keeps them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("genrescope: {err:#}");
            ExitCode::from(2)
        }
    }
}
