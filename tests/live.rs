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

/// A TCP proxy to the test server that can go silent: after `freeze`, bytes
/// are read and dropped but the sockets stay open — a half-open connection,
/// as when a network path or a server's host vanishes without a word.
struct Proxy {
    port: u16,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy to the server `options` point at (TCP or a unix socket).
    async fn to(options: &sqlx::postgres::PgConnectOptions) -> Proxy {
        let socket = options
            .get_socket()
            .map(|dir| dir.join(format!(".s.PGSQL.{}", options.get_port())));
        let target = (options.get_host().to_string(), options.get_port());
        use std::sync::atomic::AtomicBool;
        let server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = server.local_addr().unwrap().port();
        let frozen = std::sync::Arc::new(AtomicBool::new(false));
        let flag = frozen.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = server.accept().await else {
                    return;
                };
                let (cr, cw) = client.into_split();
                if let Some(path) = &socket {
                    let Ok(upstream) = tokio::net::UnixStream::connect(path).await else {
                        continue;
                    };
                    let (ur, uw) = upstream.into_split();
                    tokio::spawn(pipe(cr, uw, flag.clone()));
                    tokio::spawn(pipe(ur, cw, flag.clone()));
                } else {
                    let Ok(upstream) = tokio::net::TcpStream::connect(target.clone()).await else {
                        continue;
                    };
                    let (ur, uw) = upstream.into_split();
                    tokio::spawn(pipe(cr, uw, flag.clone()));
                    tokio::spawn(pipe(ur, cw, flag.clone()));
                }
            }
        });
        Proxy { port, frozen, task }
    }

    fn freeze(&self) {
        self.frozen.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Copies bytes one way until either side closes; once frozen, keeps both
/// ends open and forwards nothing, ever.
async fn pipe(
    mut from: impl tokio::io::AsyncRead + Unpin,
    mut to: impl tokio::io::AsyncWrite + Unpin,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if frozen.load(std::sync::atomic::Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn a_half_open_connection_is_reported_down_within_the_heartbeat_bound() {
    let db = TestDb::new().await;
    let proxy = Proxy::to(&db.options).await;
    let mut through = sqlx::postgres::PgConnectOptions::new()
        .host("127.0.0.1")
        .port(proxy.port)
        .username(db.options.get_username());
    if let Some(name) = db.options.get_database() {
        through = through.database(name);
    }
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(2))
        .connect_with(through)
        .await
        .unwrap();
    let cfg = ListenConfig {
        ping_every: Duration::from_millis(500),
        ping_timeout: Duration::from_secs(1),
        ..ListenConfig::default()
    };
    let (tx, mut rx) = unbounded_channel();
    let task = tokio::spawn(listen::run(pool.clone(), tx, cfg));
    expect(&mut rx, Duration::from_secs(5), |m| {
        matches!(m, Msg::Push { live: true })
    })
    .await;
    // A heartbeat or two goes through while the path is healthy.
    assert!(
        next(&mut rx, Duration::from_millis(1500)).await.is_none(),
        "a healthy idle connection stays quiet"
    );

    proxy.freeze();
    let frozen = Instant::now();
    let down = expect(
        &mut rx,
        cfg.detection_bound() + Duration::from_secs(2),
        |m| matches!(m, Msg::ConnectionDown { .. }),
    )
    .await;
    let took = frozen.elapsed();
    assert!(
        took <= cfg.detection_bound() + Duration::from_secs(1),
        "{took:?}"
    );
    match down {
        Msg::ConnectionDown { error } => assert!(error.contains("stopped answering"), "{error}"),
        _ => unreachable!(),
    }
    task.abort();
    proxy.task.abort();
}

#[tokio::test]
async fn a_dead_port_is_retried_with_back_off_not_in_a_tight_loop() {
    // Nothing listens on this port: every connect fails at once.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let options = sqlx::postgres::PgConnectOptions::new()
        .host("127.0.0.1")
        .port(port)
        .username("postgres");
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy_with(options);
    let (tx, mut rx) = unbounded_channel();
    let task = tokio::spawn(listen::run(pool, tx, ListenConfig::default()));
    // Each failed attempt says "not live" once; the waits between them are
    // 0.375-0.5, 0.75-1, 1.5-2 s…: at most 4 attempts in 3 s.
    let started = Instant::now();
    let mut attempts = 0;
    while started.elapsed() < Duration::from_secs(3) {
        let left = Duration::from_secs(3).saturating_sub(started.elapsed());
        match next(&mut rx, left).await {
            Some(Msg::Push { live: false }) => attempts += 1,
            Some(other) => panic!("unexpected {other:?}"),
            None => break,
        }
    }
    eprintln!("{attempts} attempts in 3 s");
    assert!((1..=4).contains(&attempts), "{attempts} attempts in 3 s");
    task.abort();
}

#[tokio::test]
async fn sessions_carry_a_statement_timeout_that_stops_a_runaway_query() {
    use ctodash::db::timeouts::Timeouts;
    let db = TestDb::new().await;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(Timeouts::DASHBOARD.apply(db.options.clone()))
        .await
        .unwrap();
    let shown: String = sqlx::query_scalar("SHOW statement_timeout")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(shown, "15s");
    let idle: String = sqlx::query_scalar("SHOW idle_in_transaction_session_timeout")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(idle, "1min");

    let short = Timeouts {
        statement: Duration::from_millis(200),
        ..Timeouts::COMMAND
    };
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(short.apply(db.options.clone()))
        .await
        .unwrap();
    let started = Instant::now();
    let err = sqlx::query("SELECT pg_sleep(30)")
        .execute(&pool)
        .await
        .unwrap_err();
    assert_eq!(
        err.as_database_error().and_then(|d| d.code()).as_deref(),
        Some("57014"),
        "query_canceled: {err}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn switching_limits_after_setup_gives_the_session_the_dashboard_limits() {
    use ctodash::db::timeouts::Timeouts;
    let db = TestDb::new().await;
    let setup = Timeouts::BULK.apply(db.options.clone());
    let session = Timeouts::DASHBOARD.replace(Timeouts::BULK, setup);
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(session)
        .await
        .unwrap();
    let shown: (String, String) = sqlx::query_as(
        "SELECT current_setting('statement_timeout'), \
         current_setting('idle_in_transaction_session_timeout')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(shown, ("15s".to_string(), "1min".to_string()));
}

#[tokio::test]
async fn a_connection_dropped_right_after_connecting_is_not_retried_in_a_tight_loop() {
    let db = TestDb::new().await;
    let killer = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(db.options.clone())
        .await
        .unwrap();
    let (tx, mut rx) = unbounded_channel();
    let task = tokio::spawn(listen::run(db.pool.clone(), tx, ListenConfig::default()));
    expect(&mut rx, Duration::from_secs(5), |m| {
        matches!(m, Msg::Push { live: true })
    })
    .await;
    // Every 50 ms, whatever else is connected to this database is cut off:
    // each reconnect succeeds and is lost at once.
    let cutter = tokio::spawn(async move {
        loop {
            let _ = sqlx::query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .execute(&killer)
            .await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let started = Instant::now();
    let mut connects = 0;
    while started.elapsed() < Duration::from_secs(3) {
        let left = Duration::from_secs(3).saturating_sub(started.elapsed());
        match next(&mut rx, left).await {
            Some(Msg::Push { live: true }) => connects += 1,
            Some(_) => {}
            None => break,
        }
    }
    cutter.abort();
    // Back-off waits 0.375-0.5, 0.75-1, 1.5-2 s… between attempts.
    assert!(connects <= 4, "{connects} reconnects in 3 s");
    task.abort();
}
