//! Read-only means read-only, for every command: each command that writes
//! refuses in a read-only session (flag or config file) with one paragraph,
//! exit code 1, and not one row changed; the read commands still work. The
//! guarantee comes from the session, not from the commands' own checks: the
//! second half runs each write path on a read-only session directly and the
//! database refuses (SQLSTATE 25006) before anything lands.

#[path = "common/cli.rs"]
mod cli;
mod common;

use chrono::Utc;
use cli::{Cli, seeded};
use ctodash::cli::ImportKind;
use ctodash::commands::import::{CsvOptions, import_csv};
use ctodash::config::Config;
use ctodash::db::session::read_only_refusal;
use ctodash::db::testing::TestDb;
use ctodash::db::{self, SchemaPolicy};
use ctodash::seed::{self, SeedOptions};
use std::path::PathBuf;
use std::time::Duration;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every table's row count, the bugs' versions and the applied migrations:
/// anything a write could change.
async fn everything(db: &TestDb) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "users",
        "projects",
        "bugs",
        "bug_history",
        "project_metrics",
        "monthly_metrics",
        "portfolio_metrics",
        "import_logs",
        "audit_log",
        "bug_stats",
        "bug_resolutions_daily",
        "bug_comments",
        "_sqlx_migrations",
    ] {
        out.push(cli::count(db, &format!("SELECT count(*) FROM {table}")).await);
    }
    out.push(cli::count(db, "SELECT coalesce(sum(version), 0)::bigint FROM bugs").await);
    out.push(
        cli::count(
            db,
            "SELECT coalesce(sum(bug_count), 0)::bigint FROM bug_stats",
        )
        .await,
    );
    out
}

fn asset(path: &str) -> String {
    format!("{ROOT}/{path}")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_write_command_refuses_and_changes_nothing() {
    let (db, cli) = seeded().await;
    let bug: String = sqlx::query_scalar(
        "SELECT bug_number FROM bugs WHERE status = 'pending' ORDER BY bug_number LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let other: String = sqlx::query_scalar(
        "SELECT bug_number FROM bugs WHERE status = 'pending' ORDER BY bug_number OFFSET 1 LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let before = everything(&db).await;
    let bugs_csv = asset("assets/csv/bugs_sample.csv");
    let projects_csv = asset("assets/csv/projects_sample.csv");
    let repos = asset("assets/github/repos.json");
    let commands: Vec<Vec<&str>> = vec![
        vec!["seed", "--bugs", "100", "--reset"],
        vec!["migrate"],
        vec!["import", "csv", "--kind", "bugs", &bugs_csv],
        vec!["import", "csv", "--kind", "projects", &projects_csv],
        vec!["import", "github", "--file", &repos],
        vec!["snapshot"],
        vec![
            "bugs",
            "set-status",
            &bug,
            "in_progress",
            "--user",
            "cto@example.com",
        ],
        vec![
            "bugs",
            "set-status",
            &bug,
            &other,
            "in_progress",
            "--user",
            "cto@example.com",
        ],
        vec![
            "bugs",
            "set",
            &bug,
            "--severity",
            "critical",
            "--user",
            "cto@example.com",
        ],
        vec![
            "bugs",
            "new",
            "--title",
            "Crash",
            "--severity",
            "low",
            "--user",
            "cto@example.com",
        ],
        vec![
            "bugs",
            "comment",
            &bug,
            "hello",
            "--user",
            "cto@example.com",
        ],
    ];
    for args in &commands {
        let mut with_flag = vec!["--read-only"];
        with_flag.extend(args);
        let run = cli.run(&with_flag).await;
        run.fails_with(
            1,
            &[
                "refusing to",
                "this session is read-only (--read-only, or read_only = true in the config file)",
                "nothing was written",
                "without --read-only",
            ],
        );
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
        assert_eq!(
            everything(&db).await,
            before,
            "{args:?} changed the database"
        );
    }

    // `read_only = true` in the config file is the same session.
    cli.write_config("read_only = true\n");
    for args in &commands {
        cli.run(args)
            .await
            .fails_with(1, &["this session is read-only", "nothing was written"]);
        assert_eq!(
            everything(&db).await,
            before,
            "{args:?} changed the database"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn read_commands_work_in_a_read_only_session() {
    let (db, cli) = seeded().await;
    let before = everything(&db).await;
    let bug: String = sqlx::query_scalar("SELECT bug_number FROM bugs LIMIT 1")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    for args in [
        vec!["kpis"],
        vec!["kpis", "--format", "json"],
        vec!["bugs", "list", "--status", "all", "--limit", "5"],
        vec!["bugs", "show", &bug],
        vec!["projects", "list"],
        vec![
            "import",
            "csv",
            "--kind",
            "projects",
            "--dry-run",
            "assets/csv/projects_sample.csv",
        ],
    ] {
        let mut with_flag = vec!["--read-only"];
        with_flag.extend(&args);
        let run = cli.run(&with_flag).await;
        // A dry run may report bad rows (exit 2), but it runs and reads.
        assert!(
            run.code == 0 || (args.contains(&"--dry-run") && run.code == 2),
            "{args:?}: {run:?}"
        );
        assert!(!run.stdout.is_empty(), "{args:?}");
    }
    let run = cli.run(&["--read-only", "doctor"]).await;
    assert!(run.stdout.contains("connection"), "{run:?}");
    assert_eq!(everything(&db).await, before);
}

fn read_only_config(db: &TestDb) -> Config {
    Config {
        read_only: true,
        timeouts: ctodash::db::timeouts::Timeouts::COMMAND,
        ..Config::headless(db.url(), "ctodash test".into())
    }
}

fn assert_refused(e: &color_eyre::eyre::Report) {
    let refusal = read_only_refusal(e.as_ref()).unwrap_or_else(|| panic!("not refused: {e:?}"));
    assert!(refusal.to_string().contains("nothing was written"));
}

/// The commands' early refusals are skipped here: a session opened the way
/// every command opens one refuses each write path by itself.
#[tokio::test(flavor = "multi_thread")]
async fn the_session_refuses_every_write_path_by_itself() {
    let (db, _cli) = seeded().await;
    let before = everything(&db).await;
    let cfg = read_only_config(&db);
    let session = db::open(&cfg, SchemaPolicy::MigrateOwnedOrEmpty)
        .await
        .unwrap();
    assert!(db::edit::is_read_only(&session.pool).await.unwrap());

    let opts = SeedOptions {
        bugs: 100,
        projects: Some(12),
        users: Some(12),
        seed: 9,
        reset: true,
    };
    let e = seed::run(&session.pool, &opts).await.expect_err("seeded");
    assert_refused(&e.into());
    assert_eq!(everything(&db).await, before, "seed");

    let e = db::migrate::run(&session.pool).await;
    assert_eq!(e.unwrap(), 0, "a current schema needs nothing");

    let mut conn = session.pool.acquire().await.unwrap();
    let now = Utc::now();
    let month = ctodash::db::rollups::month_start(now);
    let e = ctodash::commands::snapshot::snapshot(&mut conn, month, now)
        .await
        .expect_err("snapshot written");
    assert_refused(&e);
    drop(conn);
    assert_eq!(everything(&db).await, before, "snapshot");

    for (kind, file) in [
        (ImportKind::Bugs, "assets/csv/bugs_sample.csv"),
        (ImportKind::Projects, "assets/csv/projects_sample.csv"),
    ] {
        let bytes = std::fs::read(PathBuf::from(ROOT).join(file)).unwrap();
        let opts = CsvOptions {
            kind,
            dry_run: false,
            all_or_nothing: false,
            actor: None,
            overwrite: false,
        };
        let e = import_csv(&session.pool, file, &bytes, &opts)
            .await
            .expect_err("imported");
        assert_refused(&e);
        assert_eq!(everything(&db).await, before, "{file}");
    }

    let bytes = std::fs::read(PathBuf::from(ROOT).join("assets/github/repos.json")).unwrap();
    let repos: Vec<serde_json::Value> = serde_json::from_slice(&bytes).unwrap();
    let report = ctodash::commands::import::ImportReport::new(
        ctodash::domain::ImportSource::Github,
        "projects",
        "repos.json",
    );
    let e = ctodash::commands::import::github::import_repos(
        &session.pool,
        repos,
        &Default::default(),
        report,
        std::time::Instant::now(),
    )
    .await
    .expect_err("imported");
    assert_refused(&e);
    assert_eq!(everything(&db).await, before, "github");

    let mut conn = session.pool.acquire().await.unwrap();
    let me = ctodash::db::users::find_by_email(&mut conn, "cto@example.com")
        .await
        .unwrap()
        .unwrap();
    let number: String = sqlx::query_scalar(
        "SELECT bug_number FROM bugs WHERE status = 'pending' ORDER BY bug_number LIMIT 1",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let detail = ctodash::commands::bugs::load_detail(
        &mut conn,
        number.parse().unwrap(),
        &session.found.display,
    )
    .await
    .unwrap();
    drop(conn);
    let ctx = ctodash::db::edit::EditContext::new(me);
    let e = ctodash::commands::bugs::apply_status(
        &session.pool,
        &ctx,
        &detail.row,
        ctodash::domain::BugStatus::InProgress,
    )
    .await
    .expect_err("status changed");
    assert!(e.to_string().contains("read-only"), "{e}");
    assert_eq!(everything(&db).await, before, "set-status");

    // The generic change, a new bug and a comment: the session refuses each.
    use ctodash::db::edit::{self as edit, BugEdit, ChangeOutcome, CommentOutcome, CreateOutcome};
    use ctodash::domain::{FieldChange, Severity};
    let bulk = BugEdit::same_for(
        std::slice::from_ref(&detail.row),
        &[
            FieldChange::Severity(Severity::Critical),
            FieldChange::Blocker(true),
        ],
    );
    match edit::apply_changes(&session.pool, &ctx, &bulk)
        .await
        .unwrap()
    {
        ChangeOutcome::Failed { error } => assert!(error.contains("read-only"), "{error}"),
        other => panic!("{other:?}"),
    }
    let new = edit::NewBug {
        title: "Crash".into(),
        severity: Severity::Low,
        project: None,
        assignee: None,
        is_blocker: false,
        description: None,
    };
    match edit::create_bug(&session.pool, &ctx, &new).await.unwrap() {
        CreateOutcome::Failed { error } => assert!(error.contains("read-only"), "{error}"),
        other => panic!("{other:?}"),
    }
    match edit::add_comment(&session.pool, &ctx, detail.row.id, "hi")
        .await
        .unwrap()
    {
        CommentOutcome::Failed { error } => assert!(error.contains("read-only"), "{error}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(everything(&db).await, before, "edit, create, comment");
}

/// `migrate` on a database with no schema yet: a read-only session creates
/// nothing, not even the migrations table.
#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_session_cannot_migrate_an_empty_database() {
    let db = TestDb::new().await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(
        "DROP SCHEMA public CASCADE; CREATE SCHEMA public;".to_owned(),
    ))
    .execute(&db.pool)
    .await
    .unwrap();
    let cfg = read_only_config(&db);
    let found = db::discover::discover(&db::discover_options(&cfg))
        .await
        .unwrap();
    let pool = db::connect(&found, 2).await.unwrap();
    let e = db::migrate::run(&pool).await.expect_err("migrated");
    assert_refused(&e.into());
    let tables = cli::count(
        &db,
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
    )
    .await;
    assert_eq!(tables, 0);
    // The command itself refuses before connecting, and `open` never migrates.
    let run = Cli::new(db.url()).run(&["--read-only", "kpis"]).await;
    run.fails_with(1, &["no ctodash schema"]);
    assert_eq!(
        cli::count(
            &db,
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        )
        .await,
        0
    );
}

/// The dashboard in a read-only session (with a user given): every triage
/// key — edit, create, comment, undo, a bulk status of marked bugs — is
/// refused with the read-only message before anything is sent, and not one
/// row changes.
#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_refuses_every_triage_write() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ctodash::app::Msg;
    use ctodash::db::listen::ListenConfig;
    use ctodash::runtime::spawn_headless;

    let (db, _cli) = seeded().await;
    let before = everything(&db).await;
    let cfg = Config {
        user: Some(ctodash::seed::DEMO_CTO_EMAIL.into()),
        ..read_only_config(&db)
    };
    let mut app = spawn_headless(&cfg, ListenConfig::default());
    let loaded = app
        .wait_for(Duration::from_secs(30), |a| {
            !a.table.rows.is_empty() && a.detail.bug.is_some()
        })
        .await;
    assert!(loaded.is_ok(), "the dashboard loaded");
    let press = |c: char| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    for keys in ["e", "n", "c", "u", "  s"] {
        // `r` says "refreshing…": the refusal below is then this key's own.
        app.tx.send(press('r')).unwrap();
        app.wait_for(Duration::from_secs(5), |a| {
            a.notice
                .as_ref()
                .is_some_and(|n| n.text.starts_with("refreshing"))
        })
        .await
        .unwrap_or_else(|a| panic!("r: {:?}", a.notice));
        for c in keys.chars() {
            app.tx.send(press(c)).unwrap();
        }
        let refused = app
            .wait_for(Duration::from_secs(5), |a| {
                a.notice
                    .as_ref()
                    .is_some_and(|n| n.text.contains("nothing can be changed"))
            })
            .await
            .unwrap_or_else(|a| panic!("{keys}: {:?}", a.notice));
        assert!(refused.overlay.is_none(), "{keys}: {:?}", refused.overlay);
        assert!(refused.in_flight.is_none(), "{keys}");
    }
    app.stop().await.unwrap();
    assert_eq!(everything(&db).await, before);
}
