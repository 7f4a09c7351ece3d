use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct DisArgs {
    pub files: Vec<PathBuf>,
}

pub fn main(_args: DisArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("dis: in progress")
}
