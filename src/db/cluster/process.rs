//! Running the installation's programs as the cluster's user, with a clean
//! libpq environment and a time limit, and condensing their output for errors.

use super::Cluster;
use crate::db::discover::DiscoveryError;
use std::process::{Output, Stdio};
use std::time::Duration;
use tokio::process::Command;

impl Cluster {
    /// A PostgreSQL program of this installation, run as the cluster's user.
    pub(super) fn command(&self, program: &str) -> Command {
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

    pub(super) async fn run(
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
pub(super) fn tail(bytes: &[u8], n: usize) -> String {
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
