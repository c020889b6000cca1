//! `genrescope`: the native trainer and single-track tools.

mod cli;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;

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
