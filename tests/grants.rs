//! The real boundary behind read-only: `ctodash grants` prints SQL that makes a
//! role a viewer (reads, never writes) or an editor (also saves edits, and
//! nothing more), and `ctodash doctor` tells which one a role is and proves a
//! save by making one and rolling it back, naming the missing grant when the
//! database refuses.

#[path = "common/cli.rs"]
mod cli;
mod common;

use cli::{Cli, Run, count, seeded};
use ctodash::db::testing::TestDb;
use ctodash::seed::DEMO_CTO_EMAIL;
use sqlx::{Connection, PgConnection};

async fn apply(db: &TestDb, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn grants(cli: &Cli, level: &str, role: &str) -> String {
    let run = cli.run(&["grants", level, role]).await.ok();
    assert!(run.stdout.contains("COMMIT;"), "{}", run.stdout);
    run.stdout
}

fn line<'a>(run: &'a Run, check: &str) -> &'a str {
    run.stdout
        .lines()
        .find(|l| l.get(6..).is_some_and(|rest| rest.starts_with(check)))
        .unwrap_or_else(|| panic!("no {check} line in\n{}", run.stdout))
}

async fn pending_bug(db: &TestDb) -> String {
    sqlx::query_scalar(
        "SELECT bug_number FROM bugs WHERE status = 'pending' ORDER BY bug_number LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

/// Everything a save or a rehearsal could leave behind.
async fn footprint(db: &TestDb) -> Vec<i64> {
    let mut out = Vec::new();
    for sql in [
        "SELECT count(*) FROM bug_history",
        "SELECT count(*) FROM audit_log",
        "SELECT coalesce(sum(version), 0)::bigint FROM bugs",
        "SELECT coalesce(sum(bug_count), 0)::bigint FROM bug_stats",
        "SELECT count(*) FROM bugs",
        "SELECT count(*) FROM bug_comments",
    ] {
        out.push(count(db, sql).await);
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_reads_and_cannot_write() {
    let (db, admin) = seeded().await;
    let viewer = db.new_role().await;
    apply(&db, &grants(&admin, "--viewer", &viewer.name).await).await;
    let cli = Cli::new(db.url_as(&viewer.name));
    cli.run(&["kpis"]).await.ok();
    cli.run(&["bugs", "list", "--limit", "3"]).await.ok();
    cli.run(&["projects", "list"]).await.ok();

    let before = footprint(&db).await;
    let bug = pending_bug(&db).await;
    cli.run(&[
        "bugs",
        "set-status",
        &bug,
        "in_progress",
        "--user",
        DEMO_CTO_EMAIL,
    ])
    .await
    .fails_with(
        1,
        &[
            "may not make this change",
            "nothing was written",
            "ctodash doctor",
        ],
    );

    // Nor any other edit: fields, a new bug, a comment.
    for args in [
        vec![
            "bugs",
            "set",
            &bug,
            "--severity",
            "critical",
            "--title",
            "x",
        ],
        vec!["bugs", "new", "--title", "Crash", "--severity", "low"],
        vec!["bugs", "comment", &bug, "hello"],
    ] {
        let mut args = args.clone();
        args.extend(["--user", DEMO_CTO_EMAIL]);
        cli.run(&args)
            .await
            .fails_with(1, &["may not make this change", "nothing was written"]);
    }

    let run = cli.run(&["doctor", "--user", DEMO_CTO_EMAIL]).await;
    assert!(line(&run, "role").contains("is a viewer"), "{}", run.stdout);
    let write = line(&run, "write access");
    assert!(write.starts_with("fail"), "{write}");
    assert!(
        write.contains("permission denied for table bugs"),
        "{write}"
    );
    assert!(
        write.contains(&format!(
            "GRANT UPDATE (status, severity, assigned_to, is_blocker, title, project_id, \
             estimated_hours, actual_hours, description) ON bugs TO {};",
            viewer.name
        )),
        "{write}"
    );
    assert!(write.contains("GRANT INSERT (user_id, action"), "{write}");
    assert_eq!(footprint(&db).await, before, "nothing was written");

    // A viewer cannot write behind ctodash's back either.
    let mut conn = PgConnection::connect_with(&db.options_as(&viewer.name))
        .await
        .unwrap();
    for sql in [
        "UPDATE bugs SET title = 'x'",
        "INSERT INTO audit_log (action, entity_type) VALUES ('x', 'y')",
        "DELETE FROM bug_history",
    ] {
        let e = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .expect_err(sql);
        assert!(e.to_string().contains("permission denied"), "{sql}: {e}");
    }
    conn.close().await.ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_editor_saves_edits_and_nothing_more() {
    let (db, admin) = seeded().await;
    let editor = db.new_role().await;
    // Start from too much: the printed SQL revokes what an editor does not need.
    apply(
        &db,
        &format!(
            "GRANT ALL ON ALL TABLES IN SCHEMA public TO {}",
            editor.name
        ),
    )
    .await;
    apply(&db, &grants(&admin, "--editor", &editor.name).await).await;
    let cli = Cli::new(db.url_as(&editor.name));

    let run = cli.run(&["doctor", "--user", DEMO_CTO_EMAIL]).await.ok();
    let role = line(&run, "role");
    assert!(
        role.starts_with("ok") && role.contains("is an editor"),
        "{role}"
    );
    let write = line(&run, "write access");
    assert!(
        write.starts_with("ok") && write.contains("went through and was rolled back"),
        "{write}"
    );

    let (history, audit) = (
        count(&db, "SELECT count(*) FROM bug_history").await,
        count(&db, "SELECT count(*) FROM audit_log").await,
    );
    let bug = pending_bug(&db).await;
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
    assert_eq!(
        count(&db, "SELECT count(*) FROM audit_log").await,
        audit + 1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM (SELECT severity, status, is_blocker, count(*)::bigint FROM bugs \
             GROUP BY 1,2,3 EXCEPT SELECT severity, status, is_blocker, bug_count FROM bug_stats) d"
        )
        .await,
        0,
        "the summary trigger wrote as the owner"
    );

    // Every other edit an editor makes: fields, a new bug, a comment.
    let before = footprint(&db).await;
    let assignee: String = sqlx::query_scalar("SELECT email FROM users ORDER BY email LIMIT 1")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let project: String = sqlx::query_scalar("SELECT name FROM projects ORDER BY name LIMIT 1")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let user = ["--user", DEMO_CTO_EMAIL];
    let mut set = vec![
        "bugs",
        "set",
        &bug,
        "--severity",
        "critical",
        "--assignee",
        &assignee,
        "--blocker",
        "true",
        "--title",
        "Edited by an editor",
        "--project",
        &project,
        "--estimated-hours",
        "3",
        "--actual-hours",
        "1.5",
        "--description",
        "text",
    ];
    set.extend(user);
    cli.run(&set).await.ok();
    let mut new = vec![
        "bugs",
        "new",
        "--title",
        "Made by an editor",
        "--severity",
        "low",
    ];
    new.extend(user);
    let number = cli.run(&new).await.ok().stdout;
    assert!(number.starts_with("BUG-"), "{number}");
    let mut comment = vec!["bugs", "comment", &bug, "An editor's note"];
    comment.extend(user);
    cli.run(&comment).await.ok();
    let after = footprint(&db).await;
    assert_eq!(after[1] - before[1], 3, "three audit rows");
    assert_eq!(after[4] - before[4], 1, "one new bug");
    assert_eq!(after[5] - before[5], 1, "one comment");
    assert!(after[0] - before[0] >= 5, "history of the edited fields");

    // Nothing beyond the edit: no deletes, truncates, other columns, or
    // writes to the tables the triggers keep.
    let mut conn = PgConnection::connect_with(&db.options_as(&editor.name))
        .await
        .unwrap();
    for sql in [
        "DELETE FROM bugs",
        "TRUNCATE bugs",
        "UPDATE bugs SET version = 1",
        "UPDATE bugs SET sla_hours = 1",
        "UPDATE bugs SET created_at = now() - interval '1 year'",
        "INSERT INTO bugs (bug_number, title, severity, created_at) \
         VALUES ('BUG-9', 'x', 'low', '2000-01-01')",
        "INSERT INTO bug_comments (bug_id, body, created_at) \
         SELECT id, 'x', '2000-01-01' FROM bugs LIMIT 1",
        "UPDATE bug_comments SET body = 'x'",
        "DELETE FROM bug_comments",
        "SELECT setval('bug_number_seq', 1)",
        "INSERT INTO bug_history (bug_id, field_changed) SELECT id, 'status' FROM bugs LIMIT 1",
        "UPDATE bug_stats SET bug_count = 0",
        "DELETE FROM audit_log",
        "INSERT INTO audit_log (action, entity_type, created_at) VALUES ('x', 'y', '2000-01-01')",
        "INSERT INTO import_logs (source) VALUES ('csv')",
        "INSERT INTO users (email, name) VALUES ('x@y.z', 'x')",
        "UPDATE projects SET name = 'x'",
    ] {
        let e = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .expect_err(sql);
        assert!(e.to_string().contains("permission denied"), "{sql}: {e}");
    }
    conn.close().await.ok();
    // ...and an import is refused, not half-done.
    let projects = format!(
        "{}/assets/csv/projects_sample.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let run = cli
        .run(&["import", "csv", "--kind", "projects", &projects])
        .await;
    assert_ne!(run.code, 0, "{run:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_names_the_grant_a_real_save_is_missing() {
    let (db, _admin) = seeded().await;
    let role = db.new_role().await;
    let r = &role.name;
    // What the old doctor called enough: UPDATE on bugs, INSERT on history and audit.
    apply(
        &db,
        &format!(
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {r}; \
             GRANT UPDATE ON bugs TO {r}; GRANT INSERT ON bug_history, audit_log TO {r};"
        ),
    )
    .await;
    // A database whose summary trigger writes with the caller's rights.
    apply(&db, "ALTER FUNCTION bug_stats_apply() SECURITY INVOKER").await;
    let cli = Cli::new(db.url_as(r));
    let before = footprint(&db).await;
    let run = cli.run(&["doctor", "--user", DEMO_CTO_EMAIL]).await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    let write = line(&run, "write access");
    assert!(write.starts_with("fail"), "{write}");
    assert!(
        write.contains("permission denied for table bug_stats"),
        "{write}"
    );
    assert!(
        write.contains(&format!("GRANT INSERT ON bug_stats TO {r};")),
        "{write}"
    );
    assert!(
        write.contains(&format!("GRANT UPDATE ON bug_stats TO {r};")),
        "{write}"
    );
    assert_eq!(
        footprint(&db).await,
        before,
        "the rehearsal was rolled back"
    );

    // A trigger of the DBA's own, writing a table the role may not.
    apply(&db, "ALTER FUNCTION bug_stats_apply() SECURITY DEFINER").await;
    apply(
        &db,
        "CREATE TABLE bug_events (bug_id uuid, at timestamptz DEFAULT now()); \
         CREATE FUNCTION log_bug_event() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN INSERT INTO bug_events (bug_id) VALUES (NEW.id); RETURN NULL; END $$; \
         CREATE TRIGGER bug_events AFTER UPDATE ON bugs FOR EACH ROW EXECUTE FUNCTION log_bug_event();",
    )
    .await;
    let run = cli.run(&["doctor", "--user", DEMO_CTO_EMAIL]).await;
    let write = line(&run, "write access");
    assert!(
        write.contains(&format!("GRANT INSERT ON bug_events TO {r};")),
        "{write}"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM bug_events").await, 0);
    assert_eq!(footprint(&db).await, before);

    // Read-only: not even a rolled-back edit is tried.
    let run = cli.run(&["--read-only", "doctor"]).await;
    assert!(
        line(&run, "write access").contains("not tried"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_role_names_are_refused() {
    let (_db, admin) = seeded().await;
    admin
        .run(&["grants", "--viewer", "public"])
        .await
        .fails_with(1, &["reserved"]);
    admin
        .run(&["grants", "--editor", ""])
        .await
        .fails_with(1, &["is not a role name"]);
    let run = admin
        .run(&["grants", "--viewer", "x\"; DROP TABLE bugs; --"])
        .await
        .ok();
    assert!(
        run.stdout.contains("TO \"x\"\"; DROP TABLE bugs; --\";"),
        "{}",
        run.stdout
    );
}
