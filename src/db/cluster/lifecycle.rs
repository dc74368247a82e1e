//! The cluster's life: initialise (`initdb`), start, check and stop it with
//! `pg_ctl`, under a per-data-dir lock so concurrent processes agree.

use super::process::tail;
use super::{Cluster, INITDB_TIMEOUT, LOCK_WAIT, MAX_SOCKET_PATH, START_TIMEOUT_SECS, SUPERUSER};
use crate::db::discover::DiscoveryError;
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};
use tokio::process::Command;

impl Cluster {
    /// Initialises the cluster if needed and starts it if it is not running.
    /// Safe to call from several processes at once: one does the work under
    /// `<data_dir>/cluster.lock`, the others wait and then find it running.
    pub async fn ensure_running(&mut self) -> Result<(), DiscoveryError> {
        let socket = self.socket_dir().join(format!(".s.PGSQL.{}", self.port));
        if socket.as_os_str().len() > MAX_SOCKET_PATH {
            return Err(self.error(
                format!(
                    "its socket path {} is too long for a unix socket",
                    socket.display()
                ),
                "Set CTODASH_DATA_DIR to a shorter path (e.g. /var/lib/ctodash).",
            ));
        }
        fs::create_dir_all(&self.data_dir)
            .map_err(|e| self.io_error("create", &self.data_dir, e))?;
        let _lock = self.lock().await?;
        if !self.pgdata().join("PG_VERSION").is_file() {
            self.init().await?;
        }
        match self.running_port().await? {
            Some(port) => {
                tracing::debug!(port, dir = %self.data_dir.display(), "private cluster already running");
                self.port = port;
            }
            None => self.start().await?,
        }
        Ok(())
    }

    /// Whether the cluster's server is running.
    pub async fn is_running(&self) -> Result<bool, DiscoveryError> {
        Ok(self.running_port().await?.is_some())
    }

    /// `pg_ctl status`; when running, the port from `postmaster.pid`.
    pub async fn running_port(&self) -> Result<Option<u16>, DiscoveryError> {
        if !self.pgdata().join("PG_VERSION").is_file() {
            return Ok(None);
        }
        let mut cmd = self.command("pg_ctl");
        cmd.arg("status").arg("-D").arg(self.pgdata());
        let out = self
            .run(cmd, Duration::from_secs(30), "pg_ctl status")
            .await?;
        match out.status.code() {
            Some(0) => {}
            Some(3) => return Ok(None),
            _ => {
                return Err(self.error(
                    format!("`pg_ctl status` failed: {}", tail(&out.stderr, 2)),
                    self.fix_see_log(),
                ));
            }
        }
        // postmaster.pid: pid, data dir, start time, port, socket dir, ...
        let pid_file = fs::read_to_string(self.pgdata().join("postmaster.pid")).unwrap_or_default();
        let port = pid_file
            .lines()
            .nth(3)
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(self.port);
        Ok(Some(port))
    }

    async fn init(&self) -> Result<(), DiscoveryError> {
        let pgdata = self.pgdata();
        if pgdata.is_dir()
            && fs::read_dir(&pgdata)
                .map(|mut d| d.next().is_some())
                .unwrap_or(false)
        {
            return Err(self.error(
                format!(
                    "{} is not empty but holds no cluster (no PG_VERSION)",
                    pgdata.display()
                ),
                format!(
                    "Remove {} (an unfinished initdb leaves it behind) and try again.",
                    pgdata.display()
                ),
            ));
        }
        // The data dir itself must be traversable by the cluster's user.
        if self.run_as.is_some() {
            let mode = fs::metadata(&self.data_dir)
                .map(|m| m.permissions().mode())
                .unwrap_or(0);
            if mode & 0o005 != 0o005 {
                let _ =
                    fs::set_permissions(&self.data_dir, fs::Permissions::from_mode(mode | 0o755));
            }
        }
        if let Some(user) = &self.run_as {
            let mut probe = Command::new("runuser");
            probe
                .args(["-u", user, "--", "test", "-x"])
                .arg(&self.data_dir);
            let ok = self
                .run(probe, Duration::from_secs(10), "runuser")
                .await
                .map(|o| o.status.success())
                .unwrap_or(false);
            if !ok {
                return Err(self.error(
                    format!(
                        "the `{user}` system user cannot reach {}",
                        self.data_dir.display()
                    ),
                    format!(
                        "Set CTODASH_DATA_DIR to a directory `{user}` can reach (e.g. \
                         /var/lib/ctodash; root's home directory is private)."
                    ),
                ));
            }
        }
        self.private_dir(&pgdata)?;
        self.private_dir(&self.socket_dir())?;
        tracing::info!(dir = %pgdata.display(), version = self.bins.major, "initialising private PostgreSQL cluster");
        // Byte-order collation (fast, predictable) with UTF-8 character classes;
        // fall back to plain C where C.UTF-8 does not exist.
        let mut last = None;
        for locale in [
            &["--lc-collate=C", "--lc-ctype=C.UTF-8"][..],
            &["--locale=C"][..],
        ] {
            let mut cmd = self.command("initdb");
            cmd.arg("-D")
                .arg(&pgdata)
                .args(["-U", SUPERUSER, "-A", "trust", "-E", "UTF8"])
                .args(locale);
            if self.bins.major >= 14 {
                cmd.arg("--no-instructions");
            }
            let out = self.run(cmd, INITDB_TIMEOUT, "initdb").await?;
            if out.status.success() {
                return Ok(());
            }
            tracing::debug!(stderr = %String::from_utf8_lossy(&out.stderr), "initdb failed");
            last = Some(out);
            // initdb cleans up after itself, but make sure the next try starts empty.
            if pgdata.join("PG_VERSION").exists() {
                break;
            }
            self.private_dir(&pgdata)?;
        }
        let detail = last.map(|o| tail(&o.stderr, 3)).unwrap_or_default();
        Err(self.error(
            format!("initdb failed: {detail}"),
            format!(
                "Remove {} and try again, or set DATABASE_URL to an existing database.",
                pgdata.display()
            ),
        ))
    }

    async fn start(&mut self) -> Result<(), DiscoveryError> {
        let log = self.log_file();
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|e| self.io_error("create", &log, e))?;
        self.give_away(&log)?;
        self.private_dir(&self.socket_dir())?;
        let port_file = self.data_dir.join("port");
        fs::write(&port_file, format!("{}\n", self.port))
            .map_err(|e| self.io_error("write", &port_file, e))?;
        // pg_ctl hands -o to /bin/sh: single-quote the socket directory.
        let socket_dir = self.socket_dir().to_string_lossy().replace('\'', r"'\''");
        let server_opts = format!("-h '' -k '{socket_dir}' -p {}", self.port);
        tracing::info!(dir = %self.data_dir.display(), port = self.port, "starting private PostgreSQL cluster");
        let mut cmd = self.command("pg_ctl");
        cmd.arg("start")
            .arg("-w")
            .args(["-t", &START_TIMEOUT_SECS.to_string()])
            .arg("-D")
            .arg(self.pgdata())
            .arg("-l")
            .arg(&log)
            .arg("-o")
            .arg(server_opts);
        let out = self
            .run(
                cmd,
                Duration::from_secs(START_TIMEOUT_SECS + 10),
                "pg_ctl start",
            )
            .await?;
        if !out.status.success() {
            let log_tail = fs::read(&log).map(|l| tail(&l, 3)).unwrap_or_default();
            return Err(self.error(
                format!(
                    "`pg_ctl start` failed: {} {}",
                    tail(&out.stderr, 2),
                    log_tail
                )
                .trim_end()
                .to_string(),
                self.fix_see_log(),
            ));
        }
        Ok(())
    }

    /// Stops the server (`pg_ctl stop -m fast`); fine if it is not running.
    pub async fn stop(&self) -> Result<(), DiscoveryError> {
        if !self.is_running().await? {
            return Ok(());
        }
        let mut cmd = self.command("pg_ctl");
        cmd.arg("stop")
            .arg("-w")
            .args(["-m", "fast"])
            .arg("-D")
            .arg(self.pgdata());
        let out = self
            .run(cmd, Duration::from_secs(70), "pg_ctl stop")
            .await?;
        if out.status.success() {
            Ok(())
        } else {
            Err(self.error(
                format!("`pg_ctl stop` failed: {}", tail(&out.stderr, 2)),
                self.fix_see_log(),
            ))
        }
    }

    /// Waits for the per-data-dir lock (released when the file is dropped or the
    /// process dies).
    async fn lock(&self) -> Result<File, DiscoveryError> {
        let path = self.data_dir.join("cluster.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| self.io_error("open", &path, e))?;
        let deadline = Instant::now() + LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(self.error(
                        format!(
                            "another process has held {} for {} s",
                            path.display(),
                            LOCK_WAIT.as_secs()
                        ),
                        "Wait for the other ctodash process to finish, or stop it.",
                    ));
                }
                Err(fs::TryLockError::Error(e)) => return Err(self.io_error("lock", &path, e)),
            }
        }
    }
}
