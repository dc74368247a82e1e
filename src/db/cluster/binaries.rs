//! Finding the system's PostgreSQL binaries (`initdb`, `pg_ctl`, `postgres`)
//! and their major version.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// A PostgreSQL installation's binary directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgBinaries {
    pub dir: PathBuf,
    pub major: u32,
}

/// Finds `initdb`, `pg_ctl` and `postgres`: on `PATH` first, else the highest
/// version under `/usr/lib/postgresql/*/bin` (Debian), `/usr/pgsql-*/bin` (RHEL)
/// or `/usr/local/pgsql/bin`. With `want_major`, only that major version will do.
pub fn find_binaries(want_major: Option<u32>) -> Result<PgBinaries, String> {
    let mut path_dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    path_dirs.retain(|d| d.is_absolute());
    let mut versioned: Vec<PathBuf> = Vec::new();
    for (parent, prefix, suffix) in [
        ("/usr/lib/postgresql", "", "bin"),
        ("/usr", "pgsql-", "bin"),
    ] {
        if let Ok(entries) = fs::read_dir(parent) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with(prefix)
                    && name[prefix.len()..]
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_digit())
                {
                    versioned.push(e.path().join(suffix));
                }
            }
        }
    }
    versioned.push(PathBuf::from("/usr/local/pgsql/bin"));

    let mut found: Vec<(bool, PgBinaries)> = Vec::new();
    for (on_path, dir) in path_dirs
        .into_iter()
        .map(|d| (true, d))
        .chain(versioned.into_iter().map(|d| (false, d)))
    {
        if !["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|p| dir.join(p).is_file())
        {
            continue;
        }
        // Resolve `/usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb`.
        let dir = dir
            .join("pg_ctl")
            .canonicalize()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .filter(|d| ["initdb", "postgres"].iter().all(|p| d.join(p).is_file()))
            .unwrap_or(dir);
        if found.iter().any(|(_, b)| b.dir == dir) {
            continue;
        }
        if let Some(major) = major_version(&dir) {
            found.push((on_path, PgBinaries { dir, major }));
        }
    }
    tracing::debug!(?found, "PostgreSQL binaries");
    if let Some(want) = want_major {
        return found
            .into_iter()
            .map(|(_, b)| b)
            .find(|b| b.major == want)
            .ok_or_else(|| {
                format!(
                    "the cluster was created by PostgreSQL {want}, whose binaries are not installed"
                )
            });
    }
    if let Some(i) = found.iter().position(|(on_path, _)| *on_path) {
        return Ok(found.swap_remove(i).1);
    }
    found
        .into_iter()
        .map(|(_, b)| b)
        .max_by_key(|b| b.major)
        .ok_or_else(|| {
            "no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or in \
         /usr/lib/postgresql/*/bin"
                .to_string()
        })
}

/// `pg_ctl (PostgreSQL) 15.20 (Debian ...)` → 15.
fn major_version(dir: &Path) -> Option<u32> {
    let out = std::process::Command::new(dir.join("pg_ctl"))
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text
        .split("(PostgreSQL)")
        .nth(1)?
        .split_whitespace()
        .next()?;
    version
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}
