//! Step 3 of discovery: ctodash's own cluster in the data directory, started on
//! demand (the cluster itself lives in [`crate::db::cluster`]).

use super::connect::connect;
use super::database::{ensure_database, existing_database};
use super::errors::DiscoveryError;
use super::urls::display_url;
use super::{Discovered, EXPLICIT_CONNECT_TIMEOUT, MAINTENANCE_DB, Source, Target};
use crate::db::cluster::{self, Cluster};
use sqlx::Connection;
use std::path::Path;

/// `create`: whether a missing cluster or database may be created (never in a
/// read-only session, which only starts a cluster that already exists).
pub(super) async fn private(
    data_dir: &Path,
    target: Target<'_>,
    create: bool,
) -> Result<Discovered, DiscoveryError> {
    let mut cluster = Cluster::new(data_dir)?;
    if !create && !cluster.pgdata().join("PG_VERSION").is_file() {
        return Err(DiscoveryError::PrivateCluster {
            data_dir: data_dir.to_path_buf(),
            problem: "there is none yet, and a read-only session does not create one".into(),
            fix: "Run ctodash once without --read-only to create it, or set DATABASE_URL to an \
                  existing database."
                .into(),
        });
    }
    cluster.ensure_running().await?;
    let fail = |problem: String| DiscoveryError::PrivateCluster {
        data_dir: data_dir.to_path_buf(),
        problem,
        fix: format!(
            "See {} for the server's log, or remove {} to start afresh.",
            cluster.log_file().display(),
            data_dir.display()
        ),
    };
    let server = cluster.connect_options(MAINTENANCE_DB);
    let mut conn = connect(&server, EXPLICIT_CONNECT_TIMEOUT)
        .await
        .map_err(|f| {
            fail(format!(
                "the cluster started but does not accept logins ({f})"
            ))
        })?;
    let options = match target {
        Target::Server => server,
        Target::Database(name) => {
            let ready = if create {
                ensure_database(&mut conn, name, cluster::SUPERUSER).await
            } else {
                existing_database(&mut conn, name).await
            };
            ready.map_err(fail)?;
            cluster.connect_options(name)
        }
    };
    let _ = conn.close().await;
    Ok(Discovered {
        display: display_url(&options),
        options,
        source: Source::PrivateCluster {
            data_dir: data_dir.to_path_buf(),
        },
        owned: true,
    })
}
