//! `ctodash bugs set | new | comment` and `bugs set-status` on several bugs,
//! run as the real binary against a seeded database and checked with plain
//! SQL: what each writes (fields, history rows, audit rows), what each
//! refuses (bad values, unknown names, a move the lifecycle forbids for one
//! of several bugs) with nothing written, and `bugs show` with comments in its
//! timeline. Read-only refusals of each are in tests/read_only.rs.

#[path = "common/cli.rs"]
mod cli;

use cli::{count, seeded};
use ctodash::db::testing::TestDb;
use ctodash::seed::DEMO_CTO_EMAIL;
use serde_json::Value;

const USER: [&str; 2] = ["--user", DEMO_CTO_EMAIL];

/// (audit rows, history rows, comments, bugs, sum of versions).
async fn footprint(db: &TestDb) -> Vec<i64> {
    let mut out = Vec::new();
    for sql in [
        "SELECT count(*) FROM audit_log",
        "SELECT count(*) FROM bug_history",
        "SELECT count(*) FROM bug_comments",
        "SELECT count(*) FROM bugs",
        "SELECT coalesce(sum(version), 0)::bigint FROM bugs",
    ] {
        out.push(count(db, sql).await);
    }
    out
}

/// `n` pending bugs' numbers, in order.
async fn pending(db: &TestDb, n: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT bug_number FROM bugs WHERE status = 'pending' AND NOT is_blocker \
         ORDER BY bug_number_key(bug_number) LIMIT $1",
    )
    .bind(n)
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

fn args<'a>(base: &[&'a str]) -> Vec<&'a str> {
    let mut v = base.to_vec();
    v.extend(USER);
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn set_changes_fields_with_their_history_and_one_audit_row() {
    let (db, cli) = seeded().await;
    let bug = pending(&db, 1).await.remove(0);
    let (email, project): (String, String) = sqlx::query_as(
        "SELECT (SELECT email FROM users WHERE email <> $1 ORDER BY email LIMIT 1), \
                (SELECT name FROM projects ORDER BY name DESC LIMIT 1)",
    )
    .bind(DEMO_CTO_EMAIL)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let before = footprint(&db).await;
    let run = cli
        .run(&args(&[
            "bugs",
            "set",
            &bug,
            "--severity",
            "critical",
            "--assignee",
            &email,
            "--blocker",
            "true",
            "--title",
            "Checkout charges twice",
            "--project",
            &project.to_uppercase(),
            "--estimated-hours",
            "6.5",
            "--actual-hours",
            "none",
            "--description",
            "Pay once,\nget charged twice.",
        ]))
        .await
        .ok();
    assert!(
        run.stdout.starts_with(&format!("{bug}: severity ")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("→ critical (SLA "), "{}", run.stdout);
    assert!(run.stdout.contains("→ 4h)"), "{}", run.stdout);
    assert!(run.stdout.contains("blocker no → yes"), "{}", run.stdout);

    let (sev, sla, blocker, title, est, desc, proj, who): (
        String,
        i32,
        bool,
        String,
        Option<rust_decimal::Decimal>,
        Option<String>,
        String,
        String,
    ) = sqlx::query_as(
        "SELECT b.severity::text, b.sla_hours, b.is_blocker, b.title, b.estimated_hours, \
                b.description, p.name, u.email \
         FROM bugs b JOIN projects p ON p.id = b.project_id JOIN users u ON u.id = b.assigned_to \
         WHERE b.bug_number = $1",
    )
    .bind(&bug)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((sev.as_str(), sla, blocker), ("critical", 4, true));
    assert_eq!(title, "Checkout charges twice");
    assert_eq!(est, Some(rust_decimal_macros::dec!(6.5)));
    assert_eq!(desc.as_deref(), Some("Pay once,\nget charged twice."));
    assert_eq!((proj, who), (project, email));
    let after = footprint(&db).await;
    assert_eq!(after[0] - before[0], 1, "one audit row");
    assert!(after[1] - before[1] >= 5, "a history row per changed field");
    assert_eq!(after[4] - before[4], 1, "one version");

    // The same values again: nothing to write.
    let run = cli
        .run(&args(&["bugs", "set", &bug, "--severity", "critical"]))
        .await
        .ok();
    assert!(
        run.stdout.contains("already had these values"),
        "{}",
        run.stdout
    );
    assert_eq!(footprint(&db).await, after);
}

#[tokio::test(flavor = "multi_thread")]
async fn set_refuses_bad_values_and_unknown_names_writing_nothing() {
    let (db, cli) = seeded().await;
    let bug = pending(&db, 1).await.remove(0);
    let before = footprint(&db).await;
    let long = "x".repeat(201);
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec!["--assignee", "nobody@nowhere.test"],
            vec!["--assignee", "no user with the email", "\"none\""],
        ),
        (
            vec!["--project", "No Such Project"],
            vec!["--project", "no project named", "projects list"],
        ),
        (vec!["--title", "  "], vec!["title is empty"]),
        (vec!["--title", &long], vec!["201 characters", "200"]),
        (
            vec!["--estimated-hours", "-2"],
            vec!["cannot be negative", "nothing was written"],
        ),
        (
            vec!["--actual-hours", "lots"],
            vec!["not a number of hours"],
        ),
        (vec!["--blocker", "maybe"], vec!["not true or false"]),
        (
            vec!["--severity", "urgent"],
            vec!["critical, high, medium, low"],
        ),
        (vec![], vec!["nothing to change", "--severity"]),
    ];
    for (flags, needles) in cases {
        let mut a = vec!["bugs", "set", bug.as_str()];
        a.extend(flags);
        cli.run(&args(&a)).await.fails_with(1, &needles);
        assert_eq!(footprint(&db).await, before, "{a:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn set_status_on_several_bugs_is_all_or_nothing() {
    let (db, cli) = seeded().await;
    let bugs = pending(&db, 3).await;
    let before = footprint(&db).await;
    let run = cli
        .run(&args(&[
            "bugs",
            "set-status",
            &bugs[0],
            &bugs[1],
            &bugs[2],
            "in_progress",
        ]))
        .await
        .ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    for (l, b) in lines.iter().zip(&bugs) {
        assert!(
            l.starts_with(&format!("{b}: status pending → in_progress")),
            "{l}"
        );
    }
    let after = footprint(&db).await;
    assert_eq!((after[0] - before[0], after[1] - before[1]), (3, 3));

    // One of them may not move to verified from where it is now: none moves.
    cli.run(&args(&["bugs", "set-status", &bugs[1], "pending"]))
        .await
        .ok();
    let before = footprint(&db).await;
    let run = cli
        .run(&args(&[
            "bugs",
            "set-status",
            &bugs[0],
            &bugs[1],
            &bugs[2],
            "verified",
        ]))
        .await;
    run.fails_with(
        1,
        &[
            "nothing was written",
            "1 bug was refused",
            &format!("{}: cannot move a bug from pending to verified", bugs[1]),
        ],
    );
    assert!(
        !run.stderr.contains(&format!("{}:", bugs[0])),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    assert_eq!(footprint(&db).await, before);
    let statuses: Vec<String> = sqlx::query_scalar(
        "SELECT status::text FROM bugs WHERE bug_number = ANY($1) \
         ORDER BY bug_number_key(bug_number)",
    )
    .bind(&bugs)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(statuses, ["in_progress", "pending", "in_progress"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn new_prints_the_number_and_records_creator_audit_and_rules() {
    let (db, cli) = seeded().await;
    let project: String = sqlx::query_scalar("SELECT name FROM projects ORDER BY name LIMIT 1")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let before = footprint(&db).await;
    let run = cli
        .run(&args(&[
            "bugs",
            "new",
            "--title",
            "Login loops on Safari",
            "--severity",
            "high",
            "--project",
            &project,
            "--assignee",
            DEMO_CTO_EMAIL,
            "--blocker",
            "--description",
            "Steps:\n1. open\n2. loop",
        ]))
        .await
        .ok();
    let number = run.stdout.trim();
    assert!(number.starts_with("BUG-"), "{}", run.stdout);
    let (status, sla, priority, creator, blocker, action): (
        String,
        i32,
        i32,
        String,
        bool,
        String,
    ) = sqlx::query_as(
        "SELECT b.status::text, b.sla_hours, b.priority_score, c.email, b.is_blocker, \
                    (SELECT action FROM audit_log WHERE entity_id = b.id) \
             FROM bugs b JOIN users c ON c.id = b.created_by WHERE b.bug_number = $1",
    )
    .bind(number)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), sla, priority), ("pending", 24, 50));
    assert_eq!((creator.as_str(), blocker), (DEMO_CTO_EMAIL, true));
    assert_eq!(action, "bug.created");
    let after = footprint(&db).await;
    assert_eq!((after[0] - before[0], after[3] - before[3]), (1, 1));

    cli.run(&args(&[
        "bugs",
        "new",
        "--title",
        "x",
        "--severity",
        "urgent",
    ]))
    .await
    .fails_with(1, &["--severity", "critical, high, medium, low"]);
    cli.run(&args(&["bugs", "new", "--title", " ", "--severity", "low"]))
        .await
        .fails_with(1, &["--title", "title is empty"]);
    cli.run(&args(&[
        "bugs",
        "new",
        "--title",
        "x",
        "--severity",
        "low",
        "--project",
        "Nowhere",
    ]))
    .await
    .fails_with(1, &["no project named \"Nowhere\""]);
    assert_eq!(footprint(&db).await, after);
}

#[tokio::test(flavor = "multi_thread")]
async fn comments_are_written_audited_and_shown_in_the_timeline() {
    let (db, cli) = seeded().await;
    let bug = pending(&db, 1).await.remove(0);
    let before = footprint(&db).await;
    let run = cli
        .run(&args(&[
            "bugs",
            "comment",
            &bug,
            "Seen on iOS too.\nSecond line.",
        ]))
        .await
        .ok();
    assert!(
        run.stdout.starts_with(&format!("{bug}: comment added at ")),
        "{}",
        run.stdout
    );
    cli.run(&args(&["bugs", "set-status", &bug, "in_progress"]))
        .await
        .ok();
    let after = footprint(&db).await;
    assert_eq!(after[2] - before[2], 1);
    assert_eq!(after[0] - before[0], 2, "comment and status change audited");

    let out = cli.run(&["bugs", "show", &bug]).await.ok().stdout;
    assert!(out.contains("1 comment, newest first"), "{out}");
    let status_at = out.find("pending → in_progress").expect("status row");
    let comment_at = out.find("│ Seen on iOS too.").expect("comment text");
    assert!(status_at < comment_at, "newest first:\n{out}");
    assert!(out.contains("│ Second line."), "{out}");

    let json: Value = serde_json::from_str(
        &cli.run(&["bugs", "show", &bug, "--format", "json"])
            .await
            .ok()
            .stdout,
    )
    .unwrap();
    assert_eq!(
        json["comments"][0]["body"],
        "Seen on iOS too.\nSecond line."
    );
    assert_eq!(json["timeline"][0]["kind"], "change");
    assert_eq!(json["timeline"][0]["field"], "status");
    let comment = json["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "comment")
        .expect("comment in timeline");
    assert_eq!(comment["body"], "Seen on iOS too.\nSecond line.");
    assert!(comment["author"].is_string());

    cli.run(&args(&["bugs", "comment", &bug, "   "]))
        .await
        .fails_with(1, &["comment is empty", "nothing was written"]);
    cli.run(&args(&["bugs", "comment", "BUG-99999999", "hi"]))
        .await
        .fails_with(1, &["there is no bug BUG-99999999"]);
    assert_eq!(footprint(&db).await[2], after[2]);
}
