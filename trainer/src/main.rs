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
    // One line naming the stage, then the file, track or object and what is wrong.
    let stage = cli.command.name();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("genrescope {stage}: {err:#}");
            ExitCode::from(2)
        }
    }
}
