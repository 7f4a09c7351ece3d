//! The `pycvm` command line: a thin layer over the library.

mod cli;

/// mimalloc: measured faster than glibc malloc for pycvm's many small
/// objects (marshal decoding allocates two blocks per object).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse_from(cli::normalize_args(std::env::args_os().collect()));
    match cli::dispatch(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("pycvm: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
