//! Step 3 of discovery: ctodash's own cluster in the data directory, started on
//! demand (the cluster itself lives in [`crate::db::cluster`]).

use super::connect::connect;
use super::database::ensure_database;
use super::errors::DiscoveryError;
use super::urls::display_url;
use super::{Discovered, EXPLICIT_CONNECT_TIMEOUT, MAINTENANCE_DB, Source, Target};
use crate::db::cluster::{self, Cluster};
use sqlx::Connection;
use std::path::Path;

pub(super) async fn private(
    data_dir: &Path,
    target: Target<'_>,
) -> Result<Discovered, DiscoveryError> {
    let mut cluster = Cluster::new(data_dir)?;
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
            ensure_database(&mut conn, name, cluster::SUPERUSER)
                .await
                .map_err(fail)?;
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
