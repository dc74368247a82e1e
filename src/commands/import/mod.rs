//! Placeholder until implemented.
use crate::cli::ImportCommand;
use crate::config::Config;
use color_eyre::eyre::{Result, eyre};

pub async fn run(_cfg: &Config, _cmd: &ImportCommand) -> Result<()> {
    Err(eyre!("`import` is not implemented yet"))
}
