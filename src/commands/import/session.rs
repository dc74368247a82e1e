//! What every import does around its rows: read the input, check the
//! session may write, name the importing user, and report how it went.

use super::ImportReport;
use crate::cli::DataFormat;
use crate::config::Config;
use crate::db;
use crate::db::session::ReadOnlyRefusal;
use color_eyre::eyre::{Result, WrapErr, eyre};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::io::Read;
use uuid::Uuid;

/// Reads a file, or standard input for "-".
pub fn read_input(path: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path == "-" {
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .wrap_err("cannot read standard input")?;
    } else {
        bytes = std::fs::read(path).map_err(|e| {
            eyre!("cannot read {path}: {e}. Check the path and that you may read the file.")
        })?;
    }
    Ok(bytes)
}

/// A dry run only reads, so it is allowed in a read-only session.
pub(crate) fn refuse_read_only(cfg: &Config, dry_run: bool) -> Result<()> {
    if cfg.read_only && !dry_run {
        let mut refusal = ReadOnlyRefusal::command("import", "ctodash import");
        refusal
            .fix
            .push_str(", or add --dry-run to only validate the file");
        return Err(refusal.into());
    }
    Ok(())
}

/// The importing user (for history rows and `created_by`), when one is configured.
pub(crate) async fn resolve_actor(cfg: &Config, pool: &PgPool) -> Result<Option<Uuid>> {
    let Some(email) = cfg.user.as_deref().filter(|e| !e.trim().is_empty()) else {
        return Ok(None);
    };
    let mut conn = pool.acquire().await?;
    match db::users::find_by_email(&mut conn, email).await? {
        Some(me) => Ok(Some(me.id)),
        None => Err(eyre!(
            "the user {email:?} (from --user, CTODASH_USER or the config file) is not in the \
             users table; imports record their changes in that user's name. Fix the email or \
             leave it unset."
        )),
    }
}

/// Prints the report and turns it into the process's exit code (see the module
/// documentation).
pub(crate) async fn finish(report: &ImportReport, format: DataFormat, pool: PgPool) -> Result<()> {
    let fatal = report.fatal.clone();
    match format {
        DataFormat::Json => println!("{}", serde_json::to_string_pretty(report)?),
        DataFormat::Csv => print!("{}", report.csv()),
        DataFormat::Table if fatal.is_none() => print!("{}", report.table()),
        DataFormat::Table => {
            for w in &report.warnings {
                eprintln!("warning: {}", crate::text_safety::one_line(w));
            }
        }
    }
    pool.close().await;
    match (report.exit_code(), fatal) {
        (0, _) => Ok(()),
        (1, Some(f)) => Err(eyre!("{f}")),
        (code, _) => Err(crate::commands::Finished { code }.into()),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
