//! Production databases are rarely used as a superuser. Everything here runs
//! as an ordinary role that owns its database (`CREATE ROLE app LOGIN
//! CREATEDB`, `CREATE DATABASE x OWNER app`): migrate, seed, the read
//! commands, a status edit, field edits, a new bug, a comment, both CSV imports, a snapshot, and the dashboard
//! itself with `--user`, editing from the keyboard.

#[path = "common/cli.rs"]
mod cli;
mod common;

use cli::{Cli, count};
use common::pty::Screen;
use ctodash::db::testing::TestDb;
use ctodash::seed::DEMO_CTO_EMAIL;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[tokio::test(flavor = "multi_thread")]
async fn a_database_owner_without_superuser_can_do_everything() {
    let db = TestDb::owned_by_new_role().await;
    let (superuser, owner): (bool, bool) = sqlx::query_as(
        "SELECT rolsuper, pg_get_userbyid(d.datdba) = current_user FROM pg_roles, pg_database d \
         WHERE rolname = current_user AND d.datname = current_database()",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(!superuser && owner);
    let cli = Cli::new(db.url());

    let run = cli.run(&["migrate"]).await.ok();
    assert!(run.stdout.contains("applied"), "{}", run.stdout);
    let run = cli
        .run(&[
            "seed",
            "--bugs",
            "3000",
            "--projects",
            "12",
            "--users",
            "15",
        ])
        .await
        .ok();
    assert!(run.stdout.contains("3000 bugs"), "{}", run.stdout);
    assert_eq!(count(&db, "SELECT count(*) FROM bugs").await, 3000);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'bugs'::regclass AND tgenabled = 'D'"
        )
        .await,
        0,
        "every trigger is back on"
    );

    // The dashboard's reads, from the shell.
    cli.run(&["kpis", "--format", "json"]).await.ok();
    cli.run(&["bugs", "list", "--limit", "5"]).await.ok();
    cli.run(&["projects", "list"]).await.ok();

    // An edit, with its history and audit rows.
    let bug: String = sqlx::query_scalar(
        "SELECT bug_number FROM bugs WHERE status = 'pending' ORDER BY bug_number LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let history = count(&db, "SELECT count(*) FROM bug_history").await;
    cli.run(&[
        "bugs",
        "set-status",
        &bug,
        "in_progress",
        "--user",
        DEMO_CTO_EMAIL,
    ])
    .await
    .ok();
    assert_eq!(
        count(&db, "SELECT count(*) FROM bug_history").await,
        history + 1
    );
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log").await, 1);

    // Every other edit: fields, a new bug (a number from the sequence), a comment.
    let user = ["--user", DEMO_CTO_EMAIL];
    let mut set = vec![
        "bugs",
        "set",
        &bug,
        "--severity",
        "low",
        "--title",
        "Owned edit",
    ];
    set.extend(user);
    cli.run(&set).await.ok();
    let mut new = vec!["bugs", "new", "--title", "Owned bug", "--severity", "high"];
    new.extend(user);
    assert!(cli.run(&new).await.ok().stdout.starts_with("BUG-"));
    let mut comment = vec!["bugs", "comment", &bug, "Owned comment"];
    comment.extend(user);
    cli.run(&comment).await.ok();
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log").await, 4);
    assert_eq!(count(&db, "SELECT count(*) FROM bug_comments").await, 1);
    sqlx::query("DELETE FROM audit_log")
        .execute(&db.pool)
        .await
        .unwrap();

    // Both imports (the samples expect these two users).
    sqlx::query(
        "INSERT INTO users (email, name, role) VALUES ('grace.hopper@example.com', \
         'Grace Hopper', 'engineer') ON CONFLICT (email) DO NOTHING",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let projects = format!("{ROOT}/assets/csv/projects_sample.csv");
    cli.run(&["import", "csv", "--kind", "projects", &projects])
        .await
        .ok();
    let bugs = format!("{ROOT}/assets/csv/bugs_sample.csv");
    cli.run(&["import", "csv", "--kind", "bugs", &bugs])
        .await
        .ok();
    assert!(
        count(
            &db,
            "SELECT count(*) FROM bugs WHERE bug_number = 'BUG-50001'"
        )
        .await
            == 1
    );
    cli.run(&["snapshot"]).await.ok();
    let run = cli.run(&["seed", "--bugs", "500", "--reset"]).await.ok();
    assert!(run.stdout.contains("500 bugs"), "{}", run.stdout);

    // The dashboard, editing from the keyboard as a known user.
    let data_dir =
        std::env::temp_dir().join(format!("ctodash-owner-{}", uuid::Uuid::new_v4().simple()));
    let args: Vec<String> = [
        "--database-url".to_owned(),
        db.url(),
        "--user".to_owned(),
        DEMO_CTO_EMAIL.to_owned(),
        "--data-dir".to_owned(),
        data_dir.display().to_string(),
    ]
    .into();
    let mut screen = Screen::spawn(&args, &[], 140, 40);
    screen.wait_for("BUG-", 20);
    screen.send("s");
    screen.wait_for("Enter", 5);
    screen.send("\r");
    screen.wait_for(" y", 5);
    screen.send("y");
    screen.wait_for("saved", 10);
    screen.send("q");
    let exited = tokio::task::spawn_blocking(move || screen.wait_exit(10))
        .await
        .unwrap();
    assert!(exited);
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log").await, 1);
    std::fs::remove_dir_all(&data_dir).ok();
}
