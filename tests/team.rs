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
use ctodash::runtime::{Headless, spawn_headless};
use replica_common::{pair, primary};
use std::collections::HashMap;
use std::time::Duration;

pub fn viewer_config(database_url: String, application_name: String) -> Config {
    Config::headless(database_url, application_name)
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

/// A primary URL nothing listens on: a dashboard that works with it read
/// only the replica.
const DEAD_PRIMARY: &str = "postgres://ctodash_admin@127.0.0.1:1/ctodash";

fn key(c: crossterm::event::KeyCode) -> ctodash::app::Msg {
    use crossterm::event::{KeyEvent, KeyModifiers};
    ctodash::app::Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

/// A read-only dashboard on the standby never touches the primary, holds
/// one connection on the standby when idle, shows its lag, and sees a change
/// committed on the primary within 3 s (the polled change signal).
#[tokio::test(flavor = "multi_thread")]
async fn a_replica_dashboard_reads_the_standby_only_and_sees_primary_changes() {
    let pair = pair().await;
    let name = format!("ctodash replica viewer {}", std::process::id());
    let mut cfg = viewer_config(DEAD_PRIMARY.to_string(), name.clone());
    cfg.replica_url = Some(pair.standby_url());
    let mut viewer = spawn_headless(&cfg, ListenConfig::default());
    let app = viewer
        .wait_for(Duration::from_secs(30), |a| {
            a.push_live && a.kpis.is_some() && !a.table.rows.is_empty()
        })
        .await
        .unwrap_or_else(|a| panic!("no data from the replica: {:?}", a.connection));
    assert!(
        app.replica.is_some(),
        "the header says reads come from a replica"
    );
    let first = app.table.rows[0].clone();

    let mut p = primary().await;
    let title = format!("{} (replica push {})", first.title, std::process::id());
    let committed = std::time::Instant::now();
    sqlx::query("UPDATE bugs SET title = $1 WHERE id = $2")
        .bind(&title)
        .bind(first.id)
        .execute(&mut p)
        .await
        .unwrap();
    let seen = viewer
        .wait_for(Duration::from_secs(3), |a| {
            a.table
                .rows
                .iter()
                .any(|r| r.id == first.id && r.title == title)
        })
        .await;
    assert!(seen.is_ok(), "the change was not on screen within 3 s");
    eprintln!("propagated in {:?}", committed.elapsed());

    tokio::time::sleep(ctodash::db::DASHBOARD_IDLE * 2 + Duration::from_secs(2)).await;
    let on_standby: i64 = {
        use sqlx::Connection as _;
        let mut s = sqlx::PgConnection::connect_with(&pair.standby_options())
            .await
            .unwrap();
        sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1")
            .bind(&name)
            .fetch_one(&mut s)
            .await
            .unwrap()
    };
    assert_eq!(on_standby, 1, "idle: the signal poller's connection only");
    assert_eq!(
        connections_by_name(&name).await.len(),
        0,
        "none on the primary"
    );
    viewer.stop().await.unwrap();
}

/// A user's dashboard on the standby saves on the primary (with the version
/// check there), lets the primary connection go afterwards, and reads its
/// own write on the next read from the replica.
#[tokio::test(flavor = "multi_thread")]
async fn an_edit_through_a_replica_session_writes_the_primary_and_reads_its_write() {
    use crossterm::event::KeyCode;
    let pair = pair().await;
    let name = format!("ctodash replica editor {}", std::process::id());
    let mut cfg = viewer_config(pair.primary_url(), name.clone());
    cfg.replica_url = Some(pair.standby_url());
    cfg.user = Some(ctodash::seed::DEMO_CTO_EMAIL.to_string());
    let mut editor = spawn_headless(&cfg, ListenConfig::default());
    let app = editor
        .wait_for(Duration::from_secs(30), |a| {
            a.push_live && a.me().is_some() && !a.table.rows.is_empty()
        })
        .await
        .unwrap_or_else(|a| panic!("no data: {:?}", a.connection));
    let bug = app.table.rows[app.table.selected].clone();
    for k in [KeyCode::Char('s'), KeyCode::Enter, KeyCode::Char('y')] {
        editor.tx.send(key(k)).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let saved = editor
        .wait_for(Duration::from_secs(10), |a| {
            a.table
                .rows
                .iter()
                .any(|r| r.id == bug.id && r.version > bug.version)
        })
        .await
        .unwrap_or_else(|a| panic!("not saved: {:?}", a.notice));
    let mine = saved
        .table
        .rows
        .iter()
        .find(|r| r.id == bug.id)
        .unwrap()
        .clone();
    let mut p = primary().await;
    let on_primary: (String, i64) =
        sqlx::query_as("SELECT status::text, version FROM bugs WHERE id = $1")
            .bind(bug.id)
            .fetch_one(&mut p)
            .await
            .unwrap();
    assert_eq!(on_primary.1, mine.version, "written on the primary");
    // Read-your-writes: the replica already has it when the save reports back.
    let mut s = replica_common::standby().await;
    let on_standby: i64 = sqlx::query_scalar("SELECT version FROM bugs WHERE id = $1")
        .bind(bug.id)
        .fetch_one(&mut s)
        .await
        .unwrap();
    assert_eq!(
        on_standby, mine.version,
        "the replica shows my write at once"
    );
    tokio::time::sleep(ctodash::db::DASHBOARD_IDLE * 2 + Duration::from_secs(2)).await;
    assert_eq!(
        connections_by_name(&name).await.len(),
        0,
        "the primary connection is let go after the save"
    );
    editor.stop().await.unwrap();
}
