//! A whole team on one database (issue 11): many dashboards — the real
//! startup, worker, pool and listener code, headless — and what they hold.
//! They run against the private primary of tests/common/replica.rs, so that
//! filling it never starves the shared test server.

#[path = "common/replica.rs"]
mod replica_common;

use ctodash::config::Config;
use ctodash::db::listen::ListenConfig;
use ctodash::db::timeouts::Timeouts;
use ctodash::runtime::{Headless, spawn_headless};
use replica_common::{pair, primary};
use std::collections::HashMap;
use std::time::Duration;

pub fn viewer_config(database_url: String, application_name: String) -> Config {
    Config {
        database_url: Some(database_url),
        replica_url: None,
        user: None,
        read_only: false,
        data_dir: std::env::temp_dir().join("ctodash-team-unused"),
        refresh: Duration::from_secs(2),
        pool_size: 3,
        application_name,
        verbose: 0,
        source: None,
        timeouts: Timeouts::DASHBOARD,
    }
}

async fn connections_by_name(prefix: &str) -> HashMap<String, i64> {
    let mut p = primary().await;
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT application_name, count(*) FROM pg_stat_activity \
         WHERE application_name LIKE $1 || '%' GROUP BY 1",
    )
    .bind(prefix)
    .fetch_all(&mut p)
    .await
    .unwrap();
    rows.into_iter().collect()
}

/// Twenty idle dashboards hold twenty connections: each keeps only its
/// listener's, and the query pool gives its connections back within seconds
/// of the last load.
#[tokio::test(flavor = "multi_thread")]
async fn twenty_idle_dashboards_hold_one_connection_each() {
    let url = pair().await.primary_url();
    let prefix = format!("ctodash team {} ", std::process::id());
    let mut viewers: Vec<Headless> = (0..20)
        .map(|i| {
            let cfg = viewer_config(url.clone(), format!("{prefix}{i}"));
            spawn_headless(&cfg, ListenConfig::default())
        })
        .collect();
    for (i, v) in viewers.iter_mut().enumerate() {
        let loaded = v
            .wait_for(Duration::from_secs(60), |a| {
                a.push_live && a.kpis.is_some() && a.refreshed_at.is_some()
            })
            .await;
        if let Err(app) = loaded {
            panic!(
                "dashboard {i} did not load: {:?} / {:?}",
                app.connection, app.notice
            );
        }
    }
    // Loading borrowed more; idle, the pool closes them after
    // DASHBOARD_IDLE (its reaper runs that often, so within twice that).
    let settle = ctodash::db::DASHBOARD_IDLE * 2 + Duration::from_secs(2);
    tokio::time::sleep(settle).await;
    let held = connections_by_name(&prefix).await;
    for i in 0..20 {
        let name = format!("{prefix}{i}");
        assert_eq!(
            held.get(&name).copied(),
            Some(1),
            "{name} holds the wrong number of connections when idle: {held:?}"
        );
    }
    for v in viewers {
        v.stop().await.unwrap();
    }
    assert!(connections_by_name(&prefix).await.is_empty());
}
