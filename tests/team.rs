//! A whole team on one database (issue 11): many dashboards — the real
//! startup, worker, pool and listener code, headless — and what they hold.
//! They run against the private primary of tests/common/replica.rs, so that
//! filling it never starves the shared test server.

#[path = "common/cli.rs"]
mod cli;
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
    // Closed sockets take the server a moment to notice.
    let mut left = connections_by_name(&prefix).await;
    for _ in 0..50 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = connections_by_name(&prefix).await;
    }
    assert!(
        left.is_empty(),
        "stopped dashboards still connected: {left:?}"
    );
}

/// A role at its CONNECTION LIMIT: the dashboard says so (not
/// "unreachable"), keeps retrying, and loads once a slot frees up; a command
/// says it in one paragraph with the fixes.
#[tokio::test(flavor = "multi_thread")]
async fn a_role_at_its_connection_limit_is_told_apart_and_waited_out() {
    use ctodash::app::state::Connection;
    use ctodash::db::testing::TestDb;
    use sqlx::Connection as _;
    let db = TestDb::new().await;
    let role = db.new_role().await;
    let mut admin = db.conn().await;
    for grant in [
        format!("GRANT USAGE ON SCHEMA public TO {}", role.name),
        format!(
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}",
            role.name
        ),
        format!("ALTER ROLE {} CONNECTION LIMIT 1", role.name),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(grant))
            .execute(&mut admin)
            .await
            .unwrap();
    }
    let hog = sqlx::PgConnection::connect_with(&db.options_as(&role.name))
        .await
        .unwrap();

    let cli = cli::Cli::new(db.url_as(&role.name));
    let run = cli.run(&["kpis"]).await;
    run.fails_with(
        1,
        &[
            &format!("the role {} may open no more connections", role.name),
            "pool_size",
        ],
    );

    let name = format!("ctodash full {}", std::process::id());
    let cfg = viewer_config(db.url_as(&role.name), name);
    let mut viewer = spawn_headless(&cfg, ListenConfig::default());
    let full = viewer
        .wait_for(Duration::from_secs(20), |a| {
            matches!(&a.connection, Connection::Full { status, .. }
                if status.contains("may open no more connections"))
        })
        .await;
    assert!(
        full.is_ok(),
        "{:?}",
        full.map(|_| ()).unwrap_err().connection
    );
    hog.close().await.unwrap();
    // One slot now: the listener takes it, so raise the limit as a DBA would.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ALTER ROLE {} CONNECTION LIMIT 4",
        role.name
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    let loaded = viewer
        .wait_for(Duration::from_secs(30), |a| {
            matches!(a.connection, Connection::Up) && a.kpis.is_some()
        })
        .await;
    assert!(
        loaded.is_ok(),
        "{:?}",
        loaded.map(|_| ()).unwrap_err().connection
    );
    viewer.stop().await.unwrap();
}
