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

use super::discover::DiscoveryError;
use sqlx::postgres::PgConnectOptions;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};
use tokio::process::Command;

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

/// Whether the effective user id is 0.
pub fn running_as_root() -> bool {
    effective_uid() == Some(0)
}

fn effective_uid() -> Option<u32> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// uid and gid of a system user, from `/etc/passwd` or `id`.
fn user_ids(user: &str) -> Option<(u32, u32)> {
    if let Ok(passwd) = fs::read_to_string("/etc/passwd") {
        for line in passwd.lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() > 3 && f[0] == user {
                return Some((f[2].parse().ok()?, f[3].parse().ok()?));
            }
        }
    }
    let id = |flag: &str| -> Option<u32> {
        let out = std::process::Command::new("id")
            .arg(flag)
            .arg(user)
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    Some((id("-u")?, id("-g")?))
}

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
    async fn running_port(&self) -> Result<Option<u16>, DiscoveryError> {
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

    fn fix_see_log(&self) -> String {
        format!(
            "See {} for details; remove {} to start afresh (this deletes its data), or set \
             DATABASE_URL to an existing database.",
            self.log_file().display(),
            self.data_dir.display()
        )
    }

    /// Creates `dir` (mode 0700) and, as root, hands it to the cluster's user.
    fn private_dir(&self, dir: &Path) -> Result<(), DiscoveryError> {
        fs::create_dir_all(dir).map_err(|e| self.io_error("create", dir, e))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| self.io_error("set permissions on", dir, e))?;
        self.give_away(dir)
    }

    fn give_away(&self, path: &Path) -> Result<(), DiscoveryError> {
        let Some(user) = &self.run_as else {
            return Ok(());
        };
        let Some((uid, gid)) = user_ids(user) else {
            return Err(self.error(
                format!(
                    "ctodash runs as root, PostgreSQL refuses to run as root, and there is no \
                     `{user}` system user to run it as"
                ),
                "Install PostgreSQL from the distribution (it creates that user), run ctodash \
                 as a normal user, or set DATABASE_URL to an existing database.",
            ));
        };
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .map_err(|e| self.io_error("change the owner of", path, e))
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

    /// A PostgreSQL program of this installation, run as the cluster's user.
    fn command(&self, program: &str) -> Command {
        let exe = self.bins.dir.join(program);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(exe);
                c
            }
            None => Command::new(exe),
        };
        // A readable working directory (root's cwd may be closed to `postgres`),
        // and no stray libpq settings.
        cmd.current_dir(&self.data_dir);
        for var in [
            "PGDATA",
            "PGPORT",
            "PGHOST",
            "PGHOSTADDR",
            "PGUSER",
            "PGDATABASE",
            "PGOPTIONS",
        ] {
            cmd.env_remove(var);
        }
        cmd
    }

    async fn run(
        &self,
        mut cmd: Command,
        limit: Duration,
        what: &str,
    ) -> Result<Output, DiscoveryError> {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        tracing::debug!(?cmd, "running");
        let child = cmd.spawn().map_err(|e| {
            self.error(
                format!("could not run {what}: {e}"),
                "Check the PostgreSQL installation (and that `runuser` exists when running as \
                 root), or set DATABASE_URL to an existing database.",
            )
        })?;
        match tokio::time::timeout(limit, child.wait_with_output()).await {
            Ok(Ok(out)) => Ok(out),
            Ok(Err(e)) => Err(self.error(format!("{what} failed: {e}"), self.fix_see_log())),
            Err(_) => Err(self.error(
                format!("{what} did not finish within {} s", limit.as_secs()),
                self.fix_see_log(),
            )),
        }
    }
}

/// The last `n` non-empty lines of some output, joined into one line.
fn tail(bytes: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines[lines.len().saturating_sub(n)..].join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_joins_last_lines() {
        assert_eq!(tail(b"a\n\nb\nc\n", 2), "b c");
        assert_eq!(tail(b"", 2), "");
    }
}
