//! Reading from a hot standby: a private primary and a streaming standby
//! started from the system's PostgreSQL binaries (tests/common/replica.rs),
//! the replicated change signal, read-your-writes by WAL position, lag, and the
//! CLI's read commands and `doctor` with `--replica-url`.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/replica.rs"]
mod replica_common;

use cli::Cli;
use ctodash::app::msg::Changes;
use ctodash::db::replica::{
    ChangeSignal, Lsn, primary_lsn_after_commit, read_signal, replica_lag, standby_status,
    wait_for_replay,
};
use ctodash::db::testing::TestDb;
use replica_common::{pair, primary, standby};
use serde_json::Value;
use sqlx::{Connection, PgConnection};
use std::time::{Duration, Instant};

/// A primary URL nothing listens on: a command that succeeds with it read
/// only the replica.
const DEAD_PRIMARY: &str = "postgres://ctodash_admin@127.0.0.1:1/ctodash";

async fn signal_of(conn: &mut PgConnection) -> ChangeSignal {
    read_signal(conn).await.expect("read the change signal")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bug_edit_on_the_primary_reaches_the_standby_and_moves_its_signal() {
    let mut s = standby().await;
    let before = signal_of(&mut s).await;
    let mut p = primary().await;
    let (id, title): (uuid::Uuid, String) = sqlx::query_as(
        "UPDATE bugs SET title = title || ' (replicated)' \
         WHERE id = (SELECT id FROM bugs ORDER BY bug_number LIMIT 1) RETURNING id, title",
    )
    .fetch_one(&mut p)
    .await
    .unwrap();

    let started = Instant::now();
    let after = loop {
        let now = signal_of(&mut s).await;
        if now != before || started.elapsed() > Duration::from_secs(3) {
            break now;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        after.changes_since(&before).bugs,
        "the standby's signal did not move within 3 s: {before:?} → {after:?}"
    );
    // The counter and the row arrive in the same transaction.
    let seen: String = sqlx::query_scalar("SELECT title FROM bugs WHERE id = $1")
        .bind(id)
        .fetch_one(&mut s)
        .await
        .unwrap();
    assert_eq!(seen, title);
    // The standby refuses what a push listener would do on the primary.
    let listen = sqlx::query("LISTEN ctodash_changes").execute(&mut s).await;
    assert!(listen.is_err(), "a standby accepted LISTEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_for_replay_gives_read_your_writes_and_is_bounded() {
    let mut p = primary().await;
    let email = format!("ryw-{}@example.com", uuid::Uuid::new_v4().simple());
    sqlx::query("INSERT INTO users (email, name) VALUES ($1, 'Read Your Writes')")
        .bind(&email)
        .execute(&mut p)
        .await
        .unwrap();
    let lsn = primary_lsn_after_commit(&mut p).await.unwrap();
    let mut s = standby().await;
    assert!(
        wait_for_replay(&mut s, lsn, Duration::from_secs(2))
            .await
            .unwrap(),
        "the standby did not replay {lsn} within 2 s"
    );
    let found: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE email = $1")
        .bind(&email)
        .fetch_one(&mut s)
        .await
        .unwrap();
    assert_eq!(found, 1, "replayed past the write but cannot see it");

    // A position the primary will not reach for a long time: false, on time.
    let far = Lsn(lsn.0 + (1 << 40));
    let started = Instant::now();
    assert!(
        !wait_for_replay(&mut s, far, Duration::from_millis(300))
            .await
            .unwrap()
    );
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    // On a primary there is nothing to wait for.
    assert!(
        wait_for_replay(&mut p, far, Duration::from_millis(300))
            .await
            .unwrap()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_standby_streams_with_little_lag_and_the_primary_has_none() {
    let pair = pair().await;
    assert!(pair.sync(Duration::from_secs(5)).await.unwrap());
    let mut s = standby().await;
    let status = standby_status(&mut s).await.unwrap();
    assert!(status.in_recovery && status.streaming, "{status:?}");
    let lag = replica_lag(&mut s).await.unwrap().expect("a known lag");
    assert!(lag < Duration::from_secs(5), "{lag:?}");
    let mut p = primary().await;
    let status = standby_status(&mut p).await.unwrap();
    assert!(!status.in_recovery, "{status:?}");
    assert_eq!(status.lag(), Some(Duration::ZERO));
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn read_commands_read_the_replica_without_touching_the_primary() {
    let pair = pair().await;
    let standby_url = pair.standby_url();
    let cli = Cli::new(DEAD_PRIMARY.to_string());
    // The primary really is unreachable...
    cli.run(&["kpis"])
        .await
        .fails_with(1, &["127.0.0.1:1", "No PostgreSQL server is reachable"]);

    // ...yet every read command works from the replica.
    let kpis = cli
        .run(&["--replica-url", &standby_url, "kpis", "--format", "json"])
        .await
        .ok();
    assert!(kpis.stderr.is_empty(), "{}", kpis.stderr);
    let mut s = standby().await;
    let open: i64 =
        sqlx::query_scalar("SELECT count(*) FROM bugs WHERE status NOT IN ('shipped', 'closed')")
            .fetch_one(&mut s)
            .await
            .unwrap();
    assert_eq!(json(&kpis.stdout)["open_total"], open);

    let env = [("CTODASH_REPLICA_URL", standby_url.as_str())];
    let list = cli
        .run_env(&["bugs", "list", "--limit", "5", "--format", "json"], &env)
        .await
        .ok();
    assert_eq!(json(&list.stdout).as_array().map(Vec::len), Some(5));
    let show = cli
        .run_env(&["bugs", "show", "BUG-1001", "--format", "json"], &env)
        .await
        .ok();
    assert_eq!(json(&show.stdout)["number"], "BUG-1001");
    let projects = cli
        .run_env(&["projects", "list", "--format", "json"], &env)
        .await
        .ok();
    assert_eq!(json(&projects.stdout).as_array().map(Vec::len), Some(12));
    // Writes never go to the replica: with the primary down they fail.
    cli.run_env(
        &[
            "bugs",
            "set-status",
            "BUG-1001",
            "deferred",
            "--user",
            "x@example.com",
        ],
        &env,
    )
    .await
    .fails_with(1, &["127.0.0.1:1"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_goes_to_the_primary_and_is_then_read_from_the_replica() {
    let pair = pair().await;
    let mut p = primary().await;
    let (number, email): (String, String) = sqlx::query_as(
        "SELECT (SELECT bug_number FROM bugs WHERE status = 'pending' \
                 ORDER BY bug_number DESC LIMIT 1), \
                (SELECT email FROM users ORDER BY email LIMIT 1)",
    )
    .fetch_one(&mut p)
    .await
    .unwrap();
    let cli = Cli::new(pair.primary_url());
    let standby_url = pair.standby_url();
    let args = ["--replica-url", &standby_url, "--user", &email];
    let set = [&args[..], &["bugs", "set-status", &number, "in_progress"]].concat();
    let out = cli.run(&set).await.ok();
    assert!(
        out.stdout.contains("pending → in_progress"),
        "{}",
        out.stdout
    );
    assert!(pair.sync(Duration::from_secs(2)).await.unwrap());
    let show = [&args[..], &["bugs", "show", &number, "--format", "json"]].concat();
    let shown = json(&cli.run(&show).await.ok().stdout);
    assert_eq!(shown["status"], "in_progress");
}

fn line<'a>(stdout: &'a str, name: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| {
            l.get(6..)
                .is_some_and(|rest| rest.starts_with(&format!("{name:<14}")))
        })
        .unwrap_or_else(|| panic!("no `{name}` line in:\n{stdout}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_checks_the_replica() {
    let pair = pair().await;
    let cli = Cli::new(pair.primary_url());
    let standby_url = pair.standby_url();
    let run = cli.run(&["--replica-url", &standby_url, "doctor"]).await;
    let out = &run.stdout;
    assert!(line(out, "replica").starts_with("ok "), "{out}");
    assert!(!line(out, "replica").contains("password"), "{out}");
    let role = line(out, "replica role");
    assert!(
        role.starts_with("ok ") && role.contains("hot standby, streaming"),
        "{out}"
    );
    let lag = line(out, "replica lag");
    assert!(lag.starts_with("ok ") && lag.contains(" s "), "{out}");
    assert!(line(out, "replica schema").starts_with("ok "), "{out}");
    assert!(line(out, "replica signal").starts_with("ok "), "{out}");
    assert_eq!(run.code, 0, "{out}\n{}", run.stderr);

    // A standby that is down is a failure of its own line; the primary's
    // checks still run.
    let cli = Cli::new(pair.primary_url());
    let run = cli
        .run(&[
            "--replica-url",
            "postgres://me:secret@127.0.0.1:1/ctodash",
            "doctor",
        ])
        .await;
    let replica = line(&run.stdout, "replica");
    assert!(
        replica.starts_with("fail") && replica.contains("not reachable"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("secret"), "{}", run.stdout);
    assert!(
        line(&run.stdout, "connection").starts_with("ok "),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_url_pointing_at_a_primary_works_with_a_warning() {
    let pair = pair().await;
    let cli = Cli::new(DEAD_PRIMARY.to_string());
    let primary_url = pair.primary_url();
    let run = cli
        .run(&["--replica-url", &primary_url, "kpis", "--format", "json"])
        .await
        .ok();
    assert!(json(&run.stdout)["open_total"].as_i64().is_some());
    let warning = run.stderr.trim();
    assert!(warning.starts_with("warning: "), "{warning}");
    assert!(warning.contains("is not a standby"), "{warning}");
    assert_eq!(warning.lines().count(), 1, "{warning}");

    let cli = Cli::new(pair.primary_url());
    let run = cli.run(&["--replica-url", &primary_url, "doctor"]).await;
    let role = line(&run.stdout, "replica role");
    assert!(
        role.starts_with("warn") && role.contains("not a standby"),
        "{}",
        run.stdout
    );
    // Even as a "replica" a primary is only read: the session is read-only.
    let mut conn =
        PgConnection::connect_with(&ctodash::db::replica::replica_options(&primary_url).unwrap())
            .await
            .unwrap();
    let err = sqlx::query("UPDATE users SET name = name")
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
}

/// A database whose newest migration is not applied stands for a standby that
/// has not replayed `ctodash migrate` yet.
#[tokio::test(flavor = "multi_thread")]
async fn a_replica_behind_the_schema_says_to_migrate_the_primary() {
    let db = TestDb::new().await;
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let cli = Cli::new(DEAD_PRIMARY.to_string());
    cli.run(&["--replica-url", &db.url(), "kpis"])
        .await
        .fails_with(
            1,
            &[
                "older ctodash schema",
                "`ctodash migrate` against the primary",
            ],
        );
    cli.run(&[
        "--replica-url",
        "postgres://me:secret@127.0.0.1:1/ctodash",
        "kpis",
    ])
    .await
    .fails_with(
        1,
        &["replica", "127.0.0.1:1", "not reachable", "--replica-url"],
    );
}

/// The counters on an ordinary database: each group moves with its tables,
/// and the seed's bulk load (triggers off) still announces itself.
#[tokio::test(flavor = "multi_thread")]
async fn each_table_group_moves_its_own_counter() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let mut step = async |sql: &str| {
        let before = signal_of(&mut conn).await;
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        signal_of(&mut conn).await.changes_since(&before)
    };
    let only = |bugs, projects, users| Changes {
        bugs,
        projects,
        users,
    };
    assert_eq!(
        step("INSERT INTO users (email, name) VALUES ('a@b.io', 'A')").await,
        only(false, false, true)
    );
    assert_eq!(
        step("INSERT INTO projects (name) VALUES ('P')").await,
        only(false, true, false)
    );
    assert_eq!(
        step(
            "INSERT INTO project_metrics (project_id, date) SELECT id, current_date FROM projects"
        )
        .await,
        only(false, true, false)
    );
    assert_eq!(
        step("INSERT INTO bugs (bug_number, title, severity) VALUES ('BUG-1', 'x', 'low')").await,
        only(true, false, false)
    );
    assert_eq!(
        step("TRUNCATE bugs CASCADE").await,
        only(true, false, false)
    );
    // Reading is not writing.
    assert_eq!(step("SELECT count(*) FROM bugs").await, Changes::default());

    let before = signal_of(&mut conn).await;
    let opts = ctodash::seed::SeedOptions {
        bugs: 50,
        projects: Some(12),
        users: Some(12),
        seed: 1,
        reset: true,
    };
    ctodash::seed::run(&db.pool, &opts).await.unwrap();
    assert_eq!(
        signal_of(&mut conn).await.changes_since(&before),
        Changes::everything()
    );
}

/// A writer never waits for another transaction's counter slot: a long
/// import holding the slot an edit would pick first does not block the edit.
#[tokio::test(flavor = "multi_thread")]
async fn a_held_counter_slot_never_blocks_another_writer() {
    let db = TestDb::new().await;
    let mut editor = db.conn().await;
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut editor)
        .await
        .unwrap();
    let mut holder = db.conn().await;
    let mut tx = holder.begin().await.unwrap();
    sqlx::query("UPDATE change_counters SET bugs = bugs + 1 WHERE slot = $1 % 16")
        .bind(pid)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("SET lock_timeout = '1s'")
        .execute(&mut editor)
        .await
        .unwrap();
    let before = signal_of(&mut editor).await;
    sqlx::query("INSERT INTO users (email, name) VALUES ('e@b.io', 'E')")
        .execute(&mut editor)
        .await
        .expect("the edit waited for the held slot");
    assert!(signal_of(&mut editor).await.changes_since(&before).users);
    tx.rollback().await.unwrap();
}
