//! Database discovery against the real server on this machine (PostgreSQL at
//! 127.0.0.1:5432 and /var/run/postgresql) and a real private cluster.

use ctodash::db::cluster::Cluster;
use ctodash::db::discover::{
    self, DiscoverOptions, Discovered, DiscoveryError, OWNERSHIP_MARKER, Source,
};
use sqlx::{Connection, PgConnection};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

fn explicit(url: &str, database: &str) -> DiscoverOptions {
    DiscoverOptions {
        explicit_url: Some(url.to_string()),
        database: database.to_string(),
        allow_private_cluster: false,
        data_dir: std::env::temp_dir().join(unique("ctodash-unused-")),
        read_only: false,
    }
}

fn local(database: &str) -> DiscoverOptions {
    DiscoverOptions {
        explicit_url: None,
        ..explicit("", database)
    }
}

async fn select_one(found: &Discovered) -> i32 {
    let mut conn = PgConnection::connect_with(&found.options)
        .await
        .expect("connect");
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut conn)
        .await
        .expect("SELECT 1");
    conn.close().await.ok();
    one
}

#[tokio::test]
async fn explicit_good_url_is_used_and_not_owned() {
    let found = discover::discover(&explicit(
        "postgres://root@127.0.0.1:5432/postgres",
        "ignored",
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found.source, Source::Explicit);
    assert!(!found.owned);
    assert_eq!(found.options.get_database(), Some("postgres"));
    assert_eq!(found.display, "postgres://root@127.0.0.1:5432/postgres");
    assert_eq!(select_one(&found).await, 1);

    // Without a database in the URL, the target database is used.
    let err = discover::discover(&explicit(
        "postgres://root@127.0.0.1:5432",
        "ctodash_no_such_db_x",
    ))
    .await
    .unwrap_err();
    assert!(
        matches!(err, DiscoveryError::DatabaseMissing { .. }),
        "{err}"
    );

    // A server-level connection from the same URL goes to `postgres`.
    let server = discover::discover_server(&explicit(
        "postgres://root:secret@127.0.0.1:5432/whatever",
        "x",
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(server.options.get_database(), Some("postgres"));
    assert_eq!(
        server.display,
        "postgres://root:***@127.0.0.1:5432/postgres"
    );
}

#[tokio::test]
async fn bad_url_names_the_problem_and_the_expected_form() {
    for url in [
        "not a url",
        "mysql://root@localhost/ctodash",
        "postgres://root@localhost:99999/x",
    ] {
        let err = discover::discover(&explicit(url, "ctodash"))
            .await
            .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, DiscoveryError::BadUrl { .. }), "{url}: {msg}");
        assert!(msg.contains("is not valid"), "{msg}");
        assert!(
            msg.contains("postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"),
            "{msg}"
        );
        assert!(!msg.contains('\n'), "one paragraph: {msg}");
    }
    let err = discover::discover(&explicit("postgres://u:hunter2@@@:x/y", "c"))
        .await
        .unwrap_err();
    assert!(
        !err.to_string().contains("hunter2"),
        "password leaked: {err}"
    );
}

#[tokio::test]
async fn unreachable_server_fails_fast_with_advice() {
    let started = Instant::now();
    let err = discover::discover(&explicit("postgres://root@127.0.0.1:1/ctodash", "ctodash"))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "took {:?}",
        started.elapsed()
    );
    let msg = err.to_string();
    assert!(matches!(err, DiscoveryError::Unreachable { .. }), "{msg}");
    assert!(
        msg.contains("No PostgreSQL server is reachable at 127.0.0.1:1"),
        "{msg}"
    );
    assert!(msg.contains("unset DATABASE_URL"), "{msg}");

    let err = discover::discover(&explicit(
        "postgres:///ctodash?host=/nonexistent-dir&user=root",
        "c",
    ))
    .await
    .unwrap_err();
    assert!(matches!(err, DiscoveryError::Unreachable { .. }), "{err}");
}

#[tokio::test]
async fn missing_database_and_unknown_role_are_explained() {
    let err = discover::discover(&explicit(
        "postgres://root@127.0.0.1:5432/ctodash_no_such_database",
        "ctodash",
    ))
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, DiscoveryError::DatabaseMissing { .. }),
        "{msg}"
    );
    assert!(
        msg.contains("`ctodash_no_such_database` does not exist"),
        "{msg}"
    );
    assert!(msg.contains("createdb ctodash_no_such_database"), "{msg}");

    let err = discover::discover(&explicit(
        "postgres://no_such_role_xyz@127.0.0.1/postgres",
        "c",
    ))
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, DiscoveryError::AuthFailed { .. }), "{msg}");
    assert!(msg.contains("no_such_role_xyz"), "{msg}");
}

#[tokio::test]
async fn local_discovery_creates_and_then_reuses_an_owned_database() {
    let name = unique("ctodash_disc_");
    let first = discover::discover(&local(&name))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matches!(first.source, Source::LocalServer { .. }),
        "{:?}",
        first.source
    );
    assert!(first.owned);
    assert_eq!(first.options.get_database(), Some(name.as_str()));
    assert_ne!(first.options.get_username(), "anonymous");
    assert_eq!(select_one(&first).await, 1);

    // Concurrent discoverers agree (the second finds the marker).
    let opts = local(&name);
    let (a, b) = tokio::join!(discover::discover(&opts), discover::discover(&opts));
    for again in [a, b] {
        let again = again.unwrap_or_else(|e| panic!("{e}"));
        assert!(again.owned);
        assert_eq!(again.display, first.display);
    }

    // A database ctodash did not create is used but not owned.
    let foreign = discover::discover(&local("postgres"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!foreign.owned);

    let server = discover::discover_server(&local(&name))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(server.options.get_database(), Some("postgres"));
    let mut conn = PgConnection::connect_with(&server.options).await.unwrap();
    let comment: Option<String> = sqlx::query_scalar(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
    )
    .bind(&name)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(comment.as_deref(), Some(OWNERSHIP_MARKER));
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {} WITH (FORCE)",
        discover::quote_ident(&name)
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.ok();
}

/// A scratch data directory the `postgres` user can reach when we are root.
struct ScratchDir(PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn private_cluster_inits_starts_serves_and_stops() {
    let base = if ctodash::db::cluster::running_as_root() {
        PathBuf::from("/var/lib")
    } else {
        std::env::temp_dir()
    };
    let dir = ScratchDir(base.join(&unique("ctodash-test-")[..24]));
    // A socket name nobody else uses (the cluster listens on its own socket only).
    let port = 50000 + (std::process::id() % 10000) as u16;

    let mut a = Cluster::new(&dir.0)
        .unwrap_or_else(|e| panic!("{e}"))
        .with_port(port);
    let mut b = a.clone();
    // Two starters at once: one initialises and starts, the other waits and finds it running.
    let (ra, rb) = tokio::join!(a.ensure_running(), b.ensure_running());
    ra.unwrap_or_else(|e| panic!("{e}"));
    rb.unwrap_or_else(|e| panic!("{e}"));
    assert!(a.is_running().await.unwrap());
    assert_eq!(
        std::fs::read_to_string(dir.0.join("port")).unwrap().trim(),
        port.to_string()
    );

    // A fresh handle finds the port again.
    let c = Cluster::new(&dir.0).unwrap();
    assert_eq!(c.port(), port);

    let mut conn = PgConnection::connect_with(&a.connect_options("postgres"))
        .await
        .unwrap_or_else(|e| panic!("connect to private cluster: {e}"));
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(one, 1);
    let owned = discover::ensure_database(&mut conn, "ctodash", "ctodash_admin")
        .await
        .unwrap();
    assert!(owned);
    let encoding: String = sqlx::query_scalar(
        "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'ctodash'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(encoding, "UTF8");
    conn.close().await.ok();

    a.stop().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(!a.is_running().await.unwrap());
}

#[tokio::test]
async fn read_only_discovery_creates_nothing_and_hands_out_read_only_sessions() {
    let name = unique("ctodash_ro_");
    let read_only = DiscoverOptions {
        read_only: true,
        ..local(&name)
    };
    let e = discover::discover(&read_only)
        .await
        .expect_err("a read-only discovery found a database that does not exist");
    assert!(
        e.to_string()
            .contains("a read-only session does not create one"),
        "{e}"
    );
    let server = discover::discover_server(&local(&name)).await.unwrap();
    let mut conn = PgConnection::connect_with(&server.options).await.unwrap();
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(!exists, "a read-only discovery created {name}");

    // Once the database exists, every connection made from the options refuses writes.
    discover::discover(&local(&name)).await.unwrap();
    let found = discover::discover(&read_only).await.unwrap();
    assert!(found.owned);
    let mut session = PgConnection::connect_with(&found.options).await.unwrap();
    let e = sqlx::query("CREATE TABLE t (x int)")
        .execute(&mut session)
        .await
        .expect_err("a read-only session wrote");
    assert!(ctodash::db::session::is_read_only_error(&e), "{e}");
    session.close().await.ok();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {} WITH (FORCE)",
        discover::quote_ident(&name)
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.ok();
}

/// A command connects at once instead of probing first: `locate` opens no
/// connection, and the pool's first connection fails in discovery's words —
/// unreachable (fast), missing database, unknown role — or succeeds.
#[tokio::test]
async fn connecting_at_once_fails_in_the_same_words_as_probing() {
    let pool = || sqlx::postgres::PgPoolOptions::new().max_connections(1);
    let cases = [
        (
            "postgres://root@127.0.0.1:1/ctodash",
            "No PostgreSQL server is reachable at 127.0.0.1:1",
        ),
        (
            "postgres://root@127.0.0.1:5432/ctodash_no_such_database",
            "`ctodash_no_such_database` does not exist",
        ),
        (
            "postgres://no_such_role_xyz@127.0.0.1/postgres",
            "no_such_role_xyz",
        ),
    ];
    for (url, words) in cases {
        let probed = discover::discover(&explicit(url, "c")).await.unwrap_err();
        let started = Instant::now();
        let found = discover::locate(&explicit(url, "c"))
            .await
            .unwrap_or_else(|e| panic!("{url}: located without connecting, but {e}"));
        let err = discover::open_pool(&found, pool()).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(6), "{url}: slow");
        assert_eq!(err.to_string(), probed.to_string(), "{url}");
        assert!(err.to_string().contains(words), "{err}");
    }
    let found = discover::locate(&explicit("postgres://root@127.0.0.1:5432/postgres", "c"))
        .await
        .unwrap();
    let pool = discover::open_pool(&found, pool()).await.unwrap();
    assert_eq!(pool.size(), 1, "the first connection is made at once");
    pool.close().await;
}
