//! The discovery error type, whose every message is one paragraph naming the
//! problem and the fix, and the attempt list it reports.

use super::{URL_FORM, cluster};
use std::fmt;
use std::path::PathBuf;

/// One thing discovery tried and why it did not work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub what: String,
    pub why: String,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.what, self.why)
    }
}

pub(super) fn attempt(what: impl Into<String>, why: impl Into<String>) -> Attempt {
    let a = Attempt {
        what: what.into(),
        why: why.into(),
    };
    tracing::debug!(what = %a.what, why = %a.why, "database discovery attempt failed");
    a
}

struct AttemptList<'a>(&'a [Attempt]);

impl fmt::Display for AttemptList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("nothing");
        }
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error(
        "The database URL `{url}` is not valid: {problem}. Expected the form {URL_FORM} \
         (e.g. postgres://me@localhost:5432/ctodash). Fix --database-url / DATABASE_URL, \
         or unset it to let ctodash find or start a database by itself."
    )]
    BadUrl { url: String, problem: String },

    #[error(
        "PostgreSQL at {target} refused the login for user `{user}`: {detail}. Check the user \
         name and password in --database-url / DATABASE_URL ({URL_FORM}) and the server's \
         pg_hba.conf, or unset DATABASE_URL to let ctodash find or start a database by itself."
    )]
    AuthFailed {
        target: String,
        user: String,
        detail: String,
    },

    #[error(
        "The PostgreSQL server at {target} is reachable, but the database `{database}` does \
         not exist. Create it with `createdb {database}` or point --database-url / \
         DATABASE_URL at an existing database (then run `ctodash migrate`)."
    )]
    DatabaseMissing { target: String, database: String },

    #[error(
        "No PostgreSQL server is reachable at {target} ({reason}). Start it (e.g. \
         `{start_hint}` or `systemctl start postgresql`), correct the host and port in \
         --database-url / DATABASE_URL, or unset DATABASE_URL to let ctodash find a local \
         server or start its own."
    )]
    Unreachable {
        target: String,
        reason: String,
        start_hint: String,
    },

    #[error(
        "Connecting to PostgreSQL at {target} failed: {detail}. Check --database-url / \
         DATABASE_URL, or unset it to let ctodash find or start a database by itself."
    )]
    ConnectFailed { target: String, detail: String },

    /// No free connection slot: a state to wait out, not an outage.
    #[error(transparent)]
    Full(crate::db::capacity::FullError),

    #[error(
        "ctodash could not use its private PostgreSQL cluster in {}: {problem}. {fix}",
        data_dir.display()
    )]
    PrivateCluster {
        data_dir: PathBuf,
        problem: String,
        fix: String,
    },

    #[error(
        "ctodash found no PostgreSQL database to use. Tried: {}. To fix it, set \
         DATABASE_URL (or pass --database-url) to {URL_FORM}, start the local server \
         (e.g. `{start_hint}`), or install PostgreSQL (e.g. `apt-get install postgresql`) \
         {cluster_note}.",
        AttemptList(attempts)
    )]
    NothingFound {
        attempts: Vec<Attempt>,
        start_hint: String,
        cluster_note: String,
    },
}

/// The short reason of a private-cluster error, for the attempt list.
pub(super) fn cluster_reason(e: &DiscoveryError) -> String {
    match e {
        DiscoveryError::PrivateCluster { problem, fix, .. } => {
            let fix = fix.trim_end_matches('.');
            let mut chars = fix.chars();
            let fix: String = match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => String::new(),
            };
            format!("{problem}; fix: {fix}")
        }
        other => other.to_string(),
    }
}

/// How to start the distribution's server, with the installed major version if known.
pub(super) fn start_hint() -> String {
    let major = cluster::find_binaries(None).map(|b| b.major).unwrap_or(15);
    format!("pg_ctlcluster {major} main start")
}
