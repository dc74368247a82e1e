//! Zero-set-up database discovery, used by every command and by the test harness.
//!
//! Order of attempts:
//! 1. an explicit URL (`--database-url` / `DATABASE_URL`, merged by the caller) —
//!    used as given, never silently replaced by something else;
//! 2. a local server found the way libpq would (`PGHOST`, `PGPORT`, `PGUSER`,
//!    `PGPASSWORD`, the usual socket directories, then `127.0.0.1`), creating the
//!    target database there when allowed;
//! 3. a private cluster in the data directory, started from the system's
//!    PostgreSQL binaries (see [`super::cluster`]).
//!
//! Every error is one paragraph that names the problem and the fix.
//!
//! Files: `errors` (the error type and its messages), `explicit` (step 1),
//! `local` (step 2), `private` (step 3), `database` (creating the target
//! database), `connect` (connecting and classifying failures), `urls` (URLs and
//! endpoint labels for messages).

mod connect;
mod database;
mod errors;
mod explicit;
mod local;
mod private;
mod urls;

/// Also used to connect to a replica, whose failures get their own messages.
pub(crate) use connect::{Failure, connect as connect_classified};
pub use database::{ensure_database, quote_ident};
pub use errors::{Attempt, DiscoveryError};
pub use local::os_user;
pub use urls::{display_url, redact_url};

use super::cluster;
use super::edit::read_only_options;
use errors::{attempt, cluster_reason, start_hint};
use explicit::explicit;
use local::local;
use private::private;
use sqlx::postgres::PgConnectOptions;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Comment put on every database ctodash creates; `owned` is true only for those.
pub const OWNERSHIP_MARKER: &str = "created by ctodash";
/// The expected form of a database URL, shown in error messages.
pub const URL_FORM: &str = "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE";
/// The maintenance database used for server-level connections.
pub const MAINTENANCE_DB: &str = "postgres";

/// How long a local candidate may take to answer before it is skipped.
const LOCAL_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long an explicitly configured server may take to answer.
const EXPLICIT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Socket directories tried when `PGHOST` is not set.
const SOCKET_DIRS: [&str; 3] = ["/var/run/postgresql", "/run/postgresql", "/tmp"];

#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// `--database-url` or `DATABASE_URL`, already merged by the caller. Blank means unset.
    pub explicit_url: Option<String>,
    /// The target database (default `ctodash`). Not taken from `PGDATABASE`.
    pub database: String,
    /// Whether ctodash may start its own cluster in `data_dir` as a last resort.
    pub allow_private_cluster: bool,
    /// Where a private cluster may live.
    pub data_dir: PathBuf,
    /// `--read-only`: every session made from the result refuses to write
    /// (`default_transaction_read_only`), and discovery creates nothing (no
    /// database, no private cluster) on the way.
    pub read_only: bool,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions {
            explicit_url: None,
            database: "ctodash".to_string(),
            allow_private_cluster: true,
            data_dir: default_data_dir(),
            read_only: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--database-url` / `DATABASE_URL`.
    Explicit,
    /// A server that was already running on this machine.
    LocalServer { description: String },
    /// ctodash's own cluster in `data_dir`.
    PrivateCluster { data_dir: PathBuf },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Explicit => f.write_str("the configured database URL"),
            Source::LocalServer { description } => write!(f, "local server ({description})"),
            Source::PrivateCluster { data_dir } => {
                write!(f, "private cluster in {}", data_dir.display())
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Discovered {
    /// Options pointing at the target database (or at `postgres` for
    /// [`discover_server`]), with the user always set explicitly.
    pub options: PgConnectOptions,
    pub source: Source,
    /// The program created this database (or cluster) itself.
    pub owned: bool,
    /// URL-like, password redacted, for logs and headers.
    pub display: String,
}

/// Where a private cluster lives by default: `$CTODASH_DATA_DIR` if set; as root
/// `/var/lib/ctodash` (root's home is not reachable by the `postgres` user);
/// otherwise the platform data directory (`~/.local/share/ctodash` on Linux).
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CTODASH_DATA_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    if cluster::running_as_root() {
        return PathBuf::from("/var/lib/ctodash");
    }
    directories::ProjectDirs::from("", "", "ctodash")
        .map(|p| p.data_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join(format!("ctodash-{}", os_user())))
}

/// Finds (or creates) the target database `opts.database`.
pub async fn discover(opts: &DiscoverOptions) -> Result<Discovered, DiscoveryError> {
    find(opts, Target::Database(&opts.database), true).await
}

/// [`discover`] for a caller that connects at once with [`open_pool`]: an
/// explicit URL is not tried on a connection of its own (a command opens one
/// connection, not a probe and then its own); [`open_pool`] reports its
/// failures in the same words.
pub async fn locate(opts: &DiscoverOptions) -> Result<Discovered, DiscoveryError> {
    find(opts, Target::Database(&opts.database), false).await
}

/// The pool a command works on, from what [`locate`] found: its first
/// connection is made at once, and a failure to make it is told as
/// discovery tells it.
pub async fn open_pool(
    found: &Discovered,
    pool: sqlx::postgres::PgPoolOptions,
) -> Result<sqlx::PgPool, DiscoveryError> {
    connect::connect_pool(pool, &found.options, EXPLICIT_CONNECT_TIMEOUT)
        .await
        .map_err(|why| explicit::failure_error(&found.options, why))
}

/// For tests and admin tasks: options for a server-level connection (maintenance
/// database `postgres`) found the same way. Never creates a database.
pub async fn discover_server(opts: &DiscoverOptions) -> Result<Discovered, DiscoveryError> {
    find(opts, Target::Server, true).await
}

#[derive(Debug, Clone, Copy)]
enum Target<'a> {
    Database(&'a str),
    Server,
}

async fn find(
    opts: &DiscoverOptions,
    target: Target<'_>,
    probe: bool,
) -> Result<Discovered, DiscoveryError> {
    let mut found = find_any(opts, target, probe).await?;
    if opts.read_only {
        // The one place read-only is enforced: every pool and connection any
        // command makes from these options refuses writes (SQLSTATE 25006).
        found.options = read_only_options(found.options);
    }
    Ok(found)
}

async fn find_any(
    opts: &DiscoverOptions,
    target: Target<'_>,
    probe: bool,
) -> Result<Discovered, DiscoveryError> {
    if let Some(url) = opts
        .explicit_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        return explicit(url, target, &opts.database, probe).await;
    }
    let mut attempts = Vec::new();
    match local(target, !opts.read_only, &mut attempts).await {
        Ok(found) => return Ok(found),
        Err(()) => tracing::debug!("no usable local PostgreSQL server"),
    }
    let cluster_note;
    if opts.allow_private_cluster {
        match private(&opts.data_dir, target, !opts.read_only).await {
            Ok(found) => return Ok(found),
            Err(e) => attempts.push(attempt(
                format!("private cluster in {}", opts.data_dir.display()),
                cluster_reason(&e),
            )),
        }
        cluster_note = "so ctodash can start a private one".to_string();
    } else {
        cluster_note = "and allow ctodash to start a private cluster".to_string();
        attempts.push(attempt("private cluster", "not allowed by the caller"));
    }
    Err(DiscoveryError::NothingFound {
        attempts,
        start_hint: start_hint(),
        cluster_note,
    })
}
