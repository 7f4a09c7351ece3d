use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct InspectArgs {
    pub files: Vec<PathBuf>,
}

pub fn main(_args: InspectArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("inspect: in progress")
}
