//! One private PostgreSQL server with settings of the test's choosing (a
//! tiny `max_connections`, `log_connections`, `pg_stat_statements`…) and a
//! migrated [`DATABASE`], for tests and the benchmark that must fill a
//! server, or count what reaches it, without disturbing the shared one.
//! Started like the replica pair (see `replica`): unix socket only, its own
//! directory, a watchdog that stops it when the process exits.

use super::replica::{
    configure, create_and_migrate, scratch_root, setup_error, socket_url, watch_over,
};
use crate::db::cluster::Cluster;
use crate::db::discover::DiscoveryError;
use sqlx::postgres::PgConnectOptions;
use std::path::{Path, PathBuf};

pub use super::replica::DATABASE;

const PORT: u16 = 54343;

#[derive(Debug, Clone)]
pub struct PrivateServer {
    pub cluster: Cluster,
    root: PathBuf,
}

impl PrivateServer {
    /// Starts a server whose postgresql.conf ends with `settings` (lines of
    /// `name = value`), restarted once so that every setting applies.
    pub async fn start(settings: &str) -> Result<PrivateServer, DiscoveryError> {
        let root = scratch_root("server");
        let mut cluster = Cluster::new(root.join("server"))?.with_port(PORT);
        cluster.ensure_running().await?;
        watch_over(std::process::id(), &[&cluster], &root);
        configure(&cluster, settings)
            .await
            .map_err(|e| setup_error(&root, format!("configuring the server: {e}")))?;
        cluster.stop().await?;
        cluster.ensure_running().await?;
        create_and_migrate(&cluster)
            .await
            .map_err(|e| setup_error(&root, format!("preparing the server: {e}")))?;
        Ok(PrivateServer { cluster, root })
    }

    /// [`DATABASE`] as the superuser.
    pub fn options(&self) -> PgConnectOptions {
        self.cluster.connect_options(DATABASE)
    }

    /// [`DATABASE`] as `role` (trust authentication: no password).
    pub fn options_as(&self, role: &str) -> PgConnectOptions {
        self.options().username(role)
    }

    /// A URL for `--database-url`, as the superuser.
    pub fn url(&self) -> String {
        socket_url(&self.cluster)
    }

    /// A URL for `--database-url`, as `role`.
    pub fn url_as(&self, role: &str) -> String {
        let superuser = format!("postgres://{}@", self.options().get_username());
        self.url()
            .replacen(&superuser, &format!("postgres://{role}@"), 1)
    }

    /// The server's log (what `log_connections` and `log_statement` write).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.cluster.log_file()).unwrap_or_default()
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stops the server and removes its directory.
    pub async fn stop(&self) -> Result<(), DiscoveryError> {
        self.cluster.stop().await?;
        std::fs::remove_dir_all(&self.root).ok();
        Ok(())
    }
}
