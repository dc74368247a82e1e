//! A hot standby of another private cluster, made the way a DBA makes one:
//! `pg_basebackup -R` over the primary's socket, then started like any cluster
//! ([`Cluster::ensure_running`] finds `PG_VERSION` and skips `initdb`).

use super::Cluster;
use super::process::tail;
use crate::db::discover::DiscoveryError;
use std::time::Duration;

const BASEBACKUP_TIMEOUT: Duration = Duration::from_secs(120);

impl Cluster {
    /// Fills this (not yet initialised) cluster with a base backup of the running
    /// `primary`, configured to stream from it (`standby.signal` and
    /// `primary_conninfo`, written by `-R`). `hot_standby` is on by default, so
    /// once started it answers read-only queries.
    pub async fn init_as_standby_of(&self, primary: &Cluster) -> Result<(), DiscoveryError> {
        let pgdata = self.pgdata();
        if pgdata.join("PG_VERSION").is_file() {
            return Err(self.error(
                format!("{} already holds a cluster", pgdata.display()),
                format!(
                    "Remove {} to make a new standby there.",
                    self.data_dir().display()
                ),
            ));
        }
        std::fs::create_dir_all(self.data_dir())
            .map_err(|e| self.io_error("create", self.data_dir(), e))?;
        self.private_dir(&pgdata)?;
        self.private_dir(&self.socket_dir())?;
        let mut cmd = self.command("pg_basebackup");
        cmd.arg("-h")
            .arg(primary.socket_dir())
            .args(["-p", &primary.port().to_string()])
            .args(["-U", super::SUPERUSER])
            .arg("-D")
            .arg(&pgdata)
            // Write the standby's configuration; stream WAL during the copy;
            // checkpoint at once instead of spreading it out; skip the
            // manifest's checksums and the final fsync (these standbys serve
            // tests and benchmarks, and start with fsync off anyway).
            .args([
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-manifest",
                "--no-sync",
            ]);
        let out = self.run(cmd, BASEBACKUP_TIMEOUT, "pg_basebackup").await?;
        if out.status.success() {
            Ok(())
        } else {
            Err(self.error(
                format!("pg_basebackup failed: {}", tail(&out.stderr, 3)),
                format!(
                    "Check that the primary in {} is running and allows replication \
                     connections (pg_hba.conf), then remove {} and try again.",
                    primary.data_dir().display(),
                    self.data_dir().display()
                ),
            ))
        }
    }
}
