//! Logs go to a file, never to the terminal the dashboard draws on. Every
//! line passes through [`crate::redact`] on its way there, so no event,
//! field or error (whoever wrote it, sqlx included) puts a password in the file.

use crate::config::Config;
use std::io::{self, Write};
use std::path::PathBuf;
use tracing_appender::non_blocking::{NonBlocking, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

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
        .with_writer(Redacting(writer))
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}

/// The log file's writer: each event (tracing formats one event into one
/// buffer and writes it with one `write_all`) is redacted as a whole.
#[derive(Clone)]
struct Redacting(NonBlocking);

impl<'a> MakeWriter<'a> for Redacting {
    type Writer = Redacting;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Write for Redacting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(crate::redact::redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// An error and its causes as one line of prose, without repeating a cause that
/// the outer message already quotes; with secrets masked and control
/// characters made harmless, since errors quote what users and servers wrote.
pub fn one_paragraph(e: &color_eyre::eyre::Report) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    let text = crate::redact::redact(&text);
    crate::text_safety::one_line(&text).into_owned()
}
