//! ctodash's private PostgreSQL cluster: the last resort of discovery, built from
//! the system's PostgreSQL binaries in the data directory.
//!
//! Layout of `<data_dir>`:
//! - `pgdata/`       the cluster (`initdb -U ctodash_admin -A trust -E UTF8`)
//! - `run/`          its unix socket directory (mode 0700: only the owner connects)
//! - `port`          the port number, which names the socket (`.s.PGSQL.<port>`)
//! - `postgres.log`  the server log
//! - `cluster.lock`  held (flock) while one process initialises or starts the cluster
//!
//! The cluster listens on its private socket only (`listen_addresses = ''`), so it
//! never collides with another server's TCP port and no other local user can log
//! in, even though authentication is `trust`. `initdb` and `pg_ctl` refuse to run
//! as root: as root they run as the `postgres` system user through `runuser`, and
//! `pgdata`, `run` and the log are handed to that user.
//!
//! Files: `binaries` (finding the PostgreSQL installation), `lifecycle`
//! (initdb, start, status, stop, the lock), `root` (running as the `postgres`
//! user when ctodash is root), `process` (running the PostgreSQL programs),
//! `standby` (a hot standby of another cluster, for tests and the benchmark).

mod binaries;
mod lifecycle;
mod process;
mod root;
mod standby;

pub use binaries::{PgBinaries, find_binaries};
pub use root::running_as_root;

use super::discover::DiscoveryError;
use sqlx::postgres::PgConnectOptions;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The cluster's superuser (local trust authentication).
pub const SUPERUSER: &str = "ctodash_admin";
/// The default port, i.e. the default socket name `.s.PGSQL.54329`.
pub const DEFAULT_PORT: u16 = 54329;
/// The system user that runs the cluster when ctodash runs as root.
pub const ROOT_RUNS_AS: &str = "postgres";

const LOCK_WAIT: Duration = Duration::from_secs(180);
const INITDB_TIMEOUT: Duration = Duration::from_secs(180);
const START_TIMEOUT_SECS: u64 = 60;
/// `sun_path` is 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH: usize = 107;

/// A private cluster in a data directory. Cheap to build; nothing runs until
/// [`Cluster::ensure_running`].
#[derive(Debug, Clone)]
pub struct Cluster {
    data_dir: PathBuf,
    port: u16,
    bins: PgBinaries,
    /// `Some(user)` when commands must run as another user (we are root).
    run_as: Option<String>,
}

impl Cluster {
    /// Locates the binaries (matching the cluster's version if it exists) and the
    /// port (`<data_dir>/port`, else [`DEFAULT_PORT`]).
    pub fn new(data_dir: impl Into<PathBuf>) -> Result<Cluster, DiscoveryError> {
        let data_dir: PathBuf = data_dir.into();
        let data_dir = if data_dir.is_absolute() {
            data_dir
        } else {
            std::env::current_dir()
                .map(|d| d.join(&data_dir))
                .unwrap_or(data_dir)
        };
        let existing_major = fs::read_to_string(data_dir.join("pgdata").join("PG_VERSION"))
            .ok()
            .and_then(|v| v.trim().split('.').next().and_then(|m| m.parse().ok()));
        let bins = find_binaries(existing_major).map_err(|problem| DiscoveryError::PrivateCluster {
            data_dir: data_dir.clone(),
            fix: match existing_major {
                Some(v) => format!(
                    "Install PostgreSQL {v} (e.g. `apt-get install postgresql-{v}`) or remove {} \
                     to let ctodash create a new cluster.",
                    data_dir.display()
                ),
                None => "Install PostgreSQL (e.g. `apt-get install postgresql`), or set \
                         DATABASE_URL to an existing database."
                    .to_string(),
            },
            problem,
        })?;
        let port = fs::read_to_string(data_dir.join("port"))
            .ok()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(DEFAULT_PORT);
        let run_as = running_as_root().then(|| ROOT_RUNS_AS.to_string());
        Ok(Cluster {
            data_dir,
            port,
            bins,
            run_as,
        })
    }

    /// Uses another port (i.e. socket name); remembered in `<data_dir>/port` on start.
    pub fn with_port(mut self, port: u16) -> Cluster {
        self.port = port;
        self
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
    pub fn pgdata(&self) -> PathBuf {
        self.data_dir.join("pgdata")
    }
    pub fn socket_dir(&self) -> PathBuf {
        self.data_dir.join("run")
    }
    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("postgres.log")
    }
    pub fn port(&self) -> u16 {
        self.port
    }
    pub fn binaries(&self) -> &PgBinaries {
        &self.bins
    }

    /// Connection options for `database` on this cluster (its socket, as the superuser).
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new_without_pgpass()
            .socket(self.socket_dir())
            .port(self.port)
            .username(SUPERUSER)
            .database(database)
    }

    fn error(&self, problem: impl Into<String>, fix: impl Into<String>) -> DiscoveryError {
        DiscoveryError::PrivateCluster {
            data_dir: self.data_dir.clone(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }

    fn io_error(&self, what: &str, path: &Path, e: io::Error) -> DiscoveryError {
        self.error(
            format!("could not {what} {}: {e}", path.display()),
            "Set CTODASH_DATA_DIR to a directory ctodash may write to, or set DATABASE_URL to \
             an existing database.",
        )
    }

    fn fix_see_log(&self) -> String {
        format!(
            "See {} for details; remove {} to start afresh (this deletes its data), or set \
             DATABASE_URL to an existing database.",
            self.log_file().display(),
            self.data_dir.display()
        )
    }
}
