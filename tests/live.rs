//! Push updates against the real server: a commit in one session reaches a
//! listening dashboard's message loop within a second, bursts coalesce, and a
//! lost connection (terminated backend, server restart) is noticed, recovered,
//! and followed by a full reload.

use ctodash::app::Msg;
use ctodash::app::msg::Changes;
use ctodash::db::cluster::Cluster;
use ctodash::db::listen::{self, ListenConfig};
use ctodash::db::testing::TestDb;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

async fn next(rx: &mut UnboundedReceiver<Msg>, within: Duration) -> Option<Msg> {
    tokio::time::timeout(within, rx.recv()).await.ok().flatten()
}

/// Waits for a message matching `pred`, skipping others.
async fn expect(
    rx: &mut UnboundedReceiver<Msg>,
    within: Duration,
    pred: impl Fn(&Msg) -> bool,
) -> Msg {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match next(rx, left).await {
            Some(m) if pred(&m) => return m,
            Some(_) => continue,
            None => panic!("no matching message within {within:?}"),
        }
    }
}

async fn one_bug(pool: &PgPool) {
    sqlx::query(
        "INSERT INTO bugs (bug_number, title, severity) VALUES ('BUG-1', 'Listener test', 'high')",
    )
    .execute(pool)
    .await
    .unwrap();
}

fn start(pool: PgPool) -> (UnboundedReceiver<Msg>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = unbounded_channel();
    (
        rx,
        tokio::spawn(listen::run(pool, tx, ListenConfig::default())),
    )
}

#[tokio::test]
async fn a_commit_elsewhere_arrives_within_a_second_and_bursts_coalesce() {
    let db = TestDb::new().await;
    one_bug(&db.pool).await;
    let (mut rx, task) = start(db.pool.clone());
    expect(&mut rx, Duration::from_secs(5), |m| {
        matches!(m, Msg::Push { live: true })
    })
    .await;

    // Another session (plain SQL, as psql would) commits a change.
    let other = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(db.options.clone())
        .await
        .unwrap();
    let sent = Instant::now();
    sqlx::query("UPDATE bugs SET status = 'in_progress'")
        .execute(&other)
        .await
        .unwrap();
    let msg = expect(&mut rx, Duration::from_secs(1), |m| {
        matches!(m, Msg::DataChanged(_))
    })
    .await;
    let delay = sent.elapsed();
    assert!(matches!(msg, Msg::DataChanged(Changes { bugs: true, .. })));
    assert!(delay < Duration::from_secs(1), "propagation took {delay:?}");

    // 10,000 separate commits: a bounded number of reloads, not 10,000.
    let started = Instant::now();
    for i in 0..10_000 {
        let title = if i % 2 == 0 { "even" } else { "odd" };
        sqlx::query("UPDATE bugs SET title = $1")
            .bind(title)
            .execute(&other)
            .await
            .unwrap();
    }
    let burst = started.elapsed();
    let mut reloads = 0;
    while let Some(msg) = next(&mut rx, Duration::from_millis(800)).await {
        if matches!(msg, Msg::DataChanged(_)) {
            reloads += 1;
        }
    }
    // At most one per max_delay window, plus the tail.
    let bound = (burst.as_millis() / ListenConfig::default().max_delay.as_millis()) as usize + 3;
    assert!(
        (1..=bound).contains(&reloads),
        "{reloads} reloads for a {burst:?} burst (bound {bound})"
    );
    task.abort();
}

#[tokio::test]
async fn terminated_backend_is_noticed_and_followed_by_a_full_reload() {
    let db = TestDb::new().await;
    let (mut rx, task) = start(db.pool.clone());
    expect(&mut rx, Duration::from_secs(5), |m| {
        matches!(m, Msg::Push { live: true })
    })
    .await;

    let killer = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(db.options.clone())
        .await
        .unwrap();
    let killed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()) t",
    )
    .fetch_one(&killer)
    .await
    .unwrap();
    assert!(killed >= 1);

    expect(&mut rx, Duration::from_secs(30), |m| {
        matches!(m, Msg::Push { live: false })
    })
    .await;
    expect(&mut rx, Duration::from_secs(10), |m| {
        matches!(m, Msg::Push { live: true })
    })
    .await;
    let reload = expect(&mut rx, Duration::from_secs(5), |m| {
        matches!(m, Msg::DataChanged(_))
    })
    .await;
    assert!(matches!(reload, Msg::DataChanged(c) if c == Changes::everything()));

    // And it listens again.
    one_bug(&killer).await;
    expect(&mut rx, Duration::from_secs(2), |m| {
        matches!(m, Msg::DataChanged(Changes { bugs: true, .. }))
    })
    .await;
    task.abort();
}

#[tokio::test]
async fn a_server_that_stops_and_comes_back_is_recovered() {
    let dir = std::path::PathBuf::from(format!(
        "/tmp/ctodash-live-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let mut cluster = match Cluster::new(&dir) {
        Ok(c) => c.with_port(55000 + (std::process::id() % 500) as u16),
        Err(e) => panic!("need PostgreSQL binaries for this test: {e}"),
    };
    cluster
        .ensure_running()
        .await
        .expect("start a private server");
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(2))
        .connect_with(cluster.connect_options("postgres"))
        .await
        .unwrap();
    let (mut rx, task) = start(pool.clone());
    expect(&mut rx, Duration::from_secs(5), |m| {
        matches!(m, Msg::Push { live: true })
    })
    .await;

    cluster.stop().await.expect("stop the server");
    expect(&mut rx, Duration::from_secs(30), |m| {
        matches!(m, Msg::Push { live: false })
    })
    .await;

    cluster.ensure_running().await.expect("start it again");
    expect(&mut rx, Duration::from_secs(30), |m| {
        matches!(m, Msg::Push { live: true })
    })
    .await;
    let reload = expect(&mut rx, Duration::from_secs(5), |m| {
        matches!(m, Msg::DataChanged(_))
    })
    .await;
    assert!(matches!(reload, Msg::DataChanged(c) if c == Changes::everything()));

    task.abort();
    pool.close().await;
    cluster.stop().await.ok();
    std::fs::remove_dir_all(&dir).ok();
}
