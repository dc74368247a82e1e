//! Placeholder until implemented.
use crate::config::Config;
use color_eyre::eyre::{Result, eyre};

pub async fn run(_cfg: &Config, _args: &impl std::fmt::Debug) -> Result<()> {
    Err(eyre!("`projects` is not implemented yet"))
}
