//! A private primary and a hot standby of it, started from the system's
//! PostgreSQL binaries for tests and the benchmark: the primary is `initdb`ed
//! (trust, `wal_level = replica` by default) and gets a migrated `ctodash`
//! database; the standby is `pg_basebackup -R` of it, started with hot standby.
//! Both listen only on unix sockets in their own directories under the temp
//! directory, so they never collide with another server or with each other.
//!
//! A watchdog process stops both servers and removes their directory when the
//! process that started them exits, however it exits (test binaries never run
//! destructors of statics).

use crate::db::cluster::{Cluster, ROOT_RUNS_AS, running_as_root};
use crate::db::discover::{DiscoveryError, quote_ident};
use crate::db::migrate::MIGRATOR;
use crate::db::replica::{Lsn, primary_lsn_after_commit, wait_for_replay};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// The database created on the primary (and so present on the standby).
pub const DATABASE: &str = "ctodash";
const PRIMARY_PORT: u16 = 54341;
const STANDBY_PORT: u16 = 54342;

/// A running primary and its streaming hot standby.
#[derive(Debug, Clone)]
pub struct ReplicaPair {
    pub primary: Cluster,
    pub standby: Cluster,
    root: PathBuf,
}

impl ReplicaPair {
    /// Starts a new pair in a fresh directory (about 3 s on two cores) and
    /// creates and migrates [`DATABASE`] on the primary.
    pub async fn start() -> Result<ReplicaPair, DiscoveryError> {
        let root = scratch_root("replica");
        let mut primary = Cluster::new(root.join("primary"))?.with_port(PRIMARY_PORT);
        primary.ensure_running().await?;
        let mut standby = Cluster::new(root.join("standby"))?.with_port(STANDBY_PORT);
        let pair = ReplicaPair {
            primary: primary.clone(),
            standby: standby.clone(),
            root,
        };
        watch_over(
            std::process::id(),
            &[&pair.standby, &pair.primary],
            &pair.root,
        );
        configure(&primary, "")
            .await
            .map_err(|e| setup_error(&pair.root, format!("configuring the primary: {e}")))?;
        create_and_migrate(&primary)
            .await
            .map_err(|e| setup_error(&pair.root, format!("preparing the primary: {e}")))?;
        standby.init_as_standby_of(&primary).await?;
        standby.ensure_running().await?;
        Ok(ReplicaPair { standby, ..pair })
    }

    pub fn primary_options(&self) -> PgConnectOptions {
        self.primary.connect_options(DATABASE)
    }
    pub fn standby_options(&self) -> PgConnectOptions {
        self.standby.connect_options(DATABASE)
    }
    /// A URL for `--database-url`.
    pub fn primary_url(&self) -> String {
        socket_url(&self.primary)
    }
    /// A URL for `--replica-url`.
    pub fn standby_url(&self) -> String {
        socket_url(&self.standby)
    }
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Waits until the standby has replayed everything committed on the
    /// primary so far; false if it did not within `limit`.
    pub async fn sync(&self, limit: Duration) -> sqlx::Result<bool> {
        let lsn: Lsn = {
            let mut p = PgConnection::connect_with(&self.primary_options()).await?;
            let lsn = primary_lsn_after_commit(&mut p).await?;
            p.close().await.ok();
            lsn
        };
        let mut s = PgConnection::connect_with(&self.standby_options()).await?;
        let caught_up = wait_for_replay(&mut s, lsn, limit).await?;
        s.close().await.ok();
        Ok(caught_up)
    }

    /// Stops both servers (the standby first) and removes their directory.
    pub async fn stop(&self) -> Result<(), DiscoveryError> {
        self.standby.stop().await?;
        self.primary.stop().await?;
        std::fs::remove_dir_all(&self.root).ok();
        Ok(())
    }
}

/// Spawns `sh` in its own process group (so Ctrl-C on the tests does not
/// take it down first) to stop `clusters` (in that order) once `pid` has
/// gone, and remove `root`.
pub(super) fn watch_over(pid: u32, clusters: &[&Cluster], root: &Path) {
    use std::os::unix::process::CommandExt;
    let pg_ctl = |c: &Cluster| {
        let exe = shell_quote(&c.binaries().dir.join("pg_ctl"));
        let stop = format!(
            "{exe} stop -D {} -m immediate -w -t 30 >/dev/null 2>&1",
            shell_quote(&c.pgdata())
        );
        if running_as_root() {
            format!("runuser -u {ROOT_RUNS_AS} -- {stop}")
        } else {
            stop
        }
    };
    // The pid alone could be reused by then: watch its start time too.
    let started =
        |pid: &str| format!("$(sed 's/.*) //' /proc/{pid}/stat 2>/dev/null | cut -d' ' -f20)");
    let alive = match std::fs::read_to_string("/proc/self/stat") {
        Ok(stat) => {
            let start = stat
                .rsplit_once(") ")
                .and_then(|(_, rest)| rest.split(' ').nth(19))
                .unwrap_or("");
            format!("[ \"{}\" = \"{start}\" ]", started(&pid.to_string()))
        }
        Err(_) => format!("kill -0 {pid} 2>/dev/null"),
    };
    let stops: Vec<String> = clusters.iter().map(|c| pg_ctl(c)).collect();
    let script = format!(
        "while {alive}; do sleep 1; done; {}; rm -rf {}",
        stops.join("; "),
        shell_quote(root)
    );
    let spawned = std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no watchdog for the test clusters; stop them by hand");
    }
}

/// A fresh directory for private test clusters.
pub(super) fn scratch_root(kind: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "ctodash-{kind}-{}-{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    ))
}

/// Test data need not survive a crash: without fsync, checkpoints and the base
/// backup are cheaper, and the standby (which inherits the setting) skips
/// syncing its whole data directory before recovery, seconds on a busy disk.
/// `extra` lines go into postgresql.conf too (settings that need a restart
/// take effect only after one).
pub(super) async fn configure(
    primary: &Cluster,
    extra: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(primary.pgdata().join("postgresql.conf"))?
        .write_all(
            format!("\n# ctodash test cluster\nfsync = off\nfull_page_writes = off\n{extra}\n")
                .as_bytes(),
        )?;
    let mut conn = PgConnection::connect_with(&primary.connect_options("postgres")).await?;
    sqlx::query("SELECT pg_reload_conf()")
        .execute(&mut conn)
        .await?;
    conn.close().await.ok();
    Ok(())
}

pub(super) async fn create_and_migrate(
    primary: &Cluster,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = PgConnection::connect_with(&primary.connect_options("postgres")).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {}",
        quote_ident(DATABASE)
    )))
    .execute(&mut conn)
    .await?;
    conn.close().await.ok();
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(primary.connect_options(DATABASE))
        .await?;
    MIGRATOR.run(&pool).await?;
    pool.close().await;
    Ok(())
}

pub(super) fn socket_url(c: &Cluster) -> String {
    let o = c.connect_options(DATABASE);
    format!(
        "postgres://{}@localhost:{}/{DATABASE}?host={}",
        o.get_username(),
        c.port(),
        c.socket_dir().display()
    )
}

fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

pub(super) fn setup_error(root: &Path, problem: String) -> DiscoveryError {
    DiscoveryError::PrivateCluster {
        data_dir: root.to_path_buf(),
        problem,
        fix: "See postgres.log in the primary's directory.".into(),
    }
}
