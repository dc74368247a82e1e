//! The non-interactive subcommands, for people, scripts and cron.

pub mod bugs;
pub mod doctor;
pub mod grants;
pub mod import;
pub mod kpis;
pub mod migrate;
pub mod output;
pub mod projects;
pub mod seed;
pub mod snapshot;

/// A command that ran to its end and already said what went wrong (an import
/// that skipped bad rows, say) but must still end with a non-zero `code`.
/// `main` turns it into the exit code without printing an error line, and the
/// process shuts down normally, so the log file is flushed.
#[derive(Debug, thiserror::Error)]
#[error("finished with exit code {code}")]
pub struct Finished {
    pub code: u8,
}
