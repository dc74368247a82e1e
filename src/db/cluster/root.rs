//! Running as root: PostgreSQL refuses it, so the cluster's files are handed to
//! the `postgres` system user, whose ids are looked up here.

use super::Cluster;
use crate::db::discover::DiscoveryError;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

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

impl Cluster {
    /// Creates `dir` (mode 0700) and, as root, hands it to the cluster's user.
    pub(super) fn private_dir(&self, dir: &Path) -> Result<(), DiscoveryError> {
        fs::create_dir_all(dir).map_err(|e| self.io_error("create", dir, e))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| self.io_error("set permissions on", dir, e))?;
        self.give_away(dir)
    }

    pub(super) fn give_away(&self, path: &Path) -> Result<(), DiscoveryError> {
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
}
