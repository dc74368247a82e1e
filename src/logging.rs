//! Logs go to a file, never to the terminal the dashboard draws on.

use crate::config::Config;
use std::path::PathBuf;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

pub fn log_path(cfg: &Config) -> PathBuf {
    cfg.data_dir.join("ctodash.log")
}

/// Keep the returned guard alive until exit so buffered lines are flushed.
pub fn init(cfg: &Config) -> Option<WorkerGuard> {
    std::fs::create_dir_all(&cfg.data_dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path(cfg))
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let level = match cfg.verbose {
        0 => "ctodash=info,warn",
        1 => "ctodash=debug,info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_env("CTODASH_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}

/// An error and its causes as one line of prose, without repeating a cause that
/// the outer message already quotes.
pub fn one_paragraph(e: &color_eyre::eyre::Report) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}
