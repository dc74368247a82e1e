//! The non-interactive subcommands, for people, scripts and cron.

pub mod bugs;
pub mod cluster;
pub mod completions;
pub mod config;
pub mod doctor;
pub mod grants;
pub mod import;
pub mod kpis;
pub mod migrate;
pub mod output;
pub mod projects;
pub mod seed;
pub mod snapshot;

/// The database a read-only command (`kpis`, `bugs list`, `bugs show`,
/// `projects list`) reads: the replica when one is configured, without ever
/// connecting to the primary, else the primary. One connection is enough.
pub async fn open_for_reading(
    cfg: &crate::config::Config,
) -> color_eyre::Result<crate::db::Database> {
    let read = crate::db::open_for_reading(cfg, 1).await?;
    if let Some(warning) = &read.warning {
        eprintln!("warning: {warning}");
    }
    Ok(read.db)
}

/// A command that ran to its end and already said what went wrong (an import
/// that skipped bad rows, say) but must still end with a non-zero `code`.
/// `main` turns it into the exit code without printing an error line, and the
/// process shuts down normally, so the log file is flushed.
#[derive(Debug, thiserror::Error)]
#[error("finished with exit code {code}")]
pub struct Finished {
    pub code: u8,
}
