//! `ctodash bugs list | show | set-status`, run as the real binary against a
//! real, seeded database; every answer is checked against plain SQL.

#[path = "common/cli.rs"]
mod cli;

use cli::{Cli, count, seeded};
use ctodash::commands::bugs::{LIST_CSV_HEADER, SHOW_CSV_HEADER, apply_status, load_detail};
use ctodash::db::edit::EditContext;
use ctodash::db::testing::TestDb;
use ctodash::domain::{BugNumber, BugStatus};
use ctodash::seed::DEMO_CTO_EMAIL;
use serde_json::Value;
use uuid::Uuid;

fn json_rows(stdout: &str) -> Vec<Value> {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not a JSON array ({e}):\n{stdout}"))
}

fn numbers(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["number"].as_str().expect("number").to_owned())
        .collect()
}

const OPEN: &str = "status IN ('pending', 'in_progress', 'verified', 'deferred')";

#[tokio::test(flavor = "multi_thread")]
async fn list_prints_a_table_json_and_csv_that_match_sql() {
    let (db, cli) = seeded().await;
    let open = count(&db, &format!("SELECT count(*) FROM bugs WHERE {OPEN}")).await;
    assert!(open > 50, "the seed has open bugs");

    // Table: header, 50 rows by default, and the "N of M" line.
    let out = cli.run(&["bugs", "list"]).await.ok().stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("Bug "), "{out}");
    for col in [
        "Severity", "Status", "Title", "Assignee", "Project", "Age", "SLA", "Pri",
    ] {
        assert!(lines[0].contains(col), "{col} in {}", lines[0]);
    }
    assert_eq!(lines.len(), 1 + 50 + 1, "{out}");
    assert!(lines[1..51].iter().all(|l| l.starts_with("BUG-")), "{out}");
    assert_eq!(
        *lines.last().unwrap(),
        format!("50 of {open} bugs (open; sorted by priority ↓); --limit 0 lists them all")
    );
    let pri: Vec<i64> = lines[1..51]
        .iter()
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert!(
        pri.windows(2).all(|w| w[0] >= w[1]),
        "priority order: {pri:?}"
    );
    let top: i64 = count(
        &db,
        &format!("SELECT max(priority_score)::bigint FROM bugs WHERE {OPEN}"),
    )
    .await;
    assert_eq!(pri[0], top);

    // JSON: every open bug, the same set as SQL, highest priority first.
    let out = cli
        .run(&["bugs", "list", "--limit", "0", "--format", "json"])
        .await
        .ok()
        .stdout;
    let rows = json_rows(&out);
    assert_eq!(rows.len() as i64, open);
    let mut got = numbers(&rows);
    let mut want: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT bug_number FROM bugs WHERE {OPEN}"
    )))
    .fetch_all(&db.pool)
    .await
    .unwrap();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    let first = &rows[0];
    for key in [
        "number",
        "severity",
        "status",
        "title",
        "assignee",
        "project",
        "priority",
        "is_blocker",
        "created_at",
        "age_hours",
        "sla_hours",
        "sla_due_at",
        "sla_state",
        "sla_breached",
        "version",
        "id",
    ] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }
    assert!(first["created_at"].as_str().unwrap().ends_with('Z'));
    chrono::DateTime::parse_from_rfc3339(first["created_at"].as_str().unwrap()).unwrap();
    let (status, priority, version): (String, i32, i64) = sqlx::query_as(
        "SELECT status::text, priority_score, version FROM bugs WHERE bug_number = $1",
    )
    .bind(first["number"].as_str().unwrap())
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(first["status"], status.as_str());
    assert_eq!(first["priority"], priority);
    assert_eq!(first["version"], version);

    // CSV of everything: exactly count(*) rows under the documented header,
    // each bug once (the 2,000 rows span two keyset pages).
    let total = count(&db, "SELECT count(*) FROM bugs").await;
    let csv_rows = |out: String| {
        let mut reader = csv::Reader::from_reader(out.as_bytes());
        assert_eq!(
            reader.headers().unwrap(),
            &csv::StringRecord::from(LIST_CSV_HEADER.to_vec())
        );
        reader
            .records()
            .map(|r| r.unwrap()[0][4..].parse::<u64>().unwrap())
            .collect::<Vec<u64>>()
    };
    let all = [
        "bugs", "list", "--status", "all", "--limit", "0", "--format", "csv",
    ];
    let nums = csv_rows(cli.run(&all).await.ok().stdout);
    assert_eq!(nums.len() as i64, total);
    let mut unique = nums.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), nums.len(), "each bug once");

    // --sort number: numeric (not text) order.
    let mut by_number = all.to_vec();
    by_number.extend(["--sort", "number"]);
    let nums = csv_rows(cli.run(&by_number).await.ok().stdout);
    assert_eq!(nums, unique);

    // --limit stops early; streaming pages join without gaps or repeats.
    let out = cli
        .run(&[
            "bugs", "list", "--status", "all", "--limit", "1234", "--format", "json", "--sort",
            "-age",
        ])
        .await
        .ok()
        .stdout;
    let rows = json_rows(&out);
    assert_eq!(rows.len(), 1234);
    let mut seen = numbers(&rows);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 1234, "no row twice across pages");
    let times: Vec<&str> = rows
        .iter()
        .map(|r| r["created_at"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "-age: newest first");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_filters_agree_with_sql() {
    let (db, cli) = seeded().await;
    let list = |args: Vec<String>| {
        let cli = &cli;
        async move {
            let mut all = vec![
                "bugs".to_owned(),
                "list".into(),
                "--limit".into(),
                "0".into(),
            ];
            all.extend(args);
            all.extend(["--format".into(), "json".into()]);
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            json_rows(&cli.run(&refs).await.ok().stdout)
        }
    };
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    let rows = list(args(&["--severity", "critical,high", "--status", "all"])).await;
    let want = count(
        &db,
        "SELECT count(*) FROM bugs WHERE severity IN ('critical', 'high')",
    )
    .await;
    assert_eq!(rows.len() as i64, want);
    assert!(
        rows.iter()
            .all(|r| r["severity"] == "critical" || r["severity"] == "high")
    );

    let rows = list(args(&["--status", "in_progress,verified"])).await;
    let want = count(
        &db,
        "SELECT count(*) FROM bugs WHERE status IN ('in_progress', 'verified')",
    )
    .await;
    assert_eq!(rows.len() as i64, want);

    let rows = list(args(&["--blocker"])).await;
    let want = count(
        &db,
        &format!("SELECT count(*) FROM bugs WHERE {OPEN} AND is_blocker"),
    )
    .await;
    assert_eq!(rows.len() as i64, want);
    assert!(rows.iter().all(|r| r["is_blocker"] == true));

    // SLA breaches only grow with time: between a count before and one after.
    let breached = "SELECT count(*) FROM bugs WHERE status IN ('pending', 'in_progress', 'verified') \
                    AND sla_due_at < now()";
    let before = count(&db, breached).await;
    let rows = list(args(&["--sla-breached"])).await;
    let after = count(&db, breached).await;
    assert!(
        (before..=after).contains(&(rows.len() as i64)),
        "{before} ≤ {} ≤ {after}",
        rows.len()
    );
    assert!(rows.iter().all(|r| r["sla_breached"] == true));

    let project: String = sqlx::query_scalar("SELECT name FROM projects ORDER BY name LIMIT 1")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let rows = list(args(&["--project", &project.to_uppercase()])).await;
    let want: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM bugs b JOIN projects p ON p.id = b.project_id WHERE b.{OPEN} AND p.name = $1"
    )))
    .bind(&project)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(rows.len() as i64, want);
    assert!(rows.iter().all(|r| r["project"] == project.as_str()));

    let (email, name): (String, String) = sqlx::query_as(
        "SELECT u.email, u.name FROM users u JOIN bugs b ON b.assigned_to = u.id \
         GROUP BY u.id ORDER BY count(*) DESC LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let rows = list(args(&["--assignee", &email, "--status", "all"])).await;
    let want: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM bugs b JOIN users u ON u.id = b.assigned_to WHERE u.email = $1",
    )
    .bind(&email)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(rows.len() as i64, want);
    assert!(rows.iter().all(|r| r["assignee"] == name.as_str()));
    let rows = list(args(&["--assignee", "none", "--status", "all"])).await;
    let want = count(&db, "SELECT count(*) FROM bugs WHERE assigned_to IS NULL").await;
    assert_eq!(rows.len() as i64, want);

    let rows = list(args(&["--search", "checkout", "--status", "all"])).await;
    let want = count(
        &db,
        "SELECT count(*) FROM bugs WHERE title ILIKE '%checkout%' OR description ILIKE '%checkout%'",
    )
    .await;
    assert!(want > 0, "the seed mentions checkout");
    assert_eq!(rows.len() as i64, want);

    // The table's summary names the filters.
    let out = cli
        .run(&[
            "bugs",
            "list",
            "--severity",
            "critical",
            "--blocker",
            "--sort",
            "-age",
        ])
        .await
        .ok()
        .stdout;
    let last = out.lines().last().unwrap();
    let n = count(
        &db,
        &format!("SELECT count(*) FROM bugs WHERE {OPEN} AND severity = 'critical' AND is_blocker"),
    )
    .await;
    assert!(
        last.starts_with(&format!(
            "{n} of {n} bugs (open · critical · blockers; sorted by age ↓)"
        )),
        "{last}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_rejects_bad_input_with_the_valid_values() {
    let db = TestDb::new().await;
    let cli = Cli::new(db.url());
    let cases: [(&[&str], &[&str]); 6] = [
        (
            &["--severity", "urgent"],
            &[
                "--severity",
                "\"urgent\" is not a valid severity",
                "critical, high, medium, low",
            ],
        ),
        (
            &["--status", "done"],
            &[
                "--status",
                "pending, in_progress, verified, shipped, closed, deferred",
                "\"all\"",
            ],
        ),
        (
            &["--sort", "colour"],
            &[
                "--sort",
                "unknown sort column `colour`",
                "priority, number, severity",
                "-age",
            ],
        ),
        (&["--sort", "-colour"], &["unknown sort column `colour`"]),
        (
            &["--project", "No Such Project"],
            &["no project named \"No Such Project\"", "projects list"],
        ),
        (
            &["--assignee", "ghost@example.com"],
            &[
                "no user has the email or name \"ghost@example.com\"",
                "\"none\"",
            ],
        ),
    ];
    for (args, needles) in cases {
        let mut all = vec!["bugs", "list"];
        all.extend(args);
        let run = cli.run(&all).await;
        run.fails_with(1, needles);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    // A bad --format is clap's own error (exit code 2), listing the formats.
    let run = cli.run(&["bugs", "list", "--format", "xml"]).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("table, json, csv"), "{}", run.stderr);

    // An empty database lists nothing, in every format.
    let out = cli
        .run(&["bugs", "list", "--format", "json"])
        .await
        .ok()
        .stdout;
    assert_eq!(json_rows(&out).len(), 0);
    let out = cli
        .run(&["bugs", "list", "--format", "csv"])
        .await
        .ok()
        .stdout;
    assert_eq!(out.trim(), LIST_CSV_HEADER.join(","));
    let out = cli.run(&["bugs", "list"]).await.ok().stdout;
    assert!(
        out.ends_with("0 of 0 bugs (open; sorted by priority ↓)\n"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn show_prints_every_field_and_the_history() {
    let (db, cli) = seeded().await;
    let (id, number, title, history): (Uuid, String, String, i64) = sqlx::query_as(
        "SELECT b.id, b.bug_number, b.title, count(h.id) FROM bugs b \
         JOIN bug_history h ON h.bug_id = b.id JOIN users u ON u.id = b.assigned_to \
         GROUP BY b.id HAVING count(h.id) >= 2 ORDER BY b.bug_number LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .expect("a bug with history");
    let (email, status, version): (String, String, i64) = sqlx::query_as(
        "SELECT u.email, b.status::text, b.version FROM bugs b JOIN users u ON u.id = b.assigned_to \
         WHERE b.id = $1",
    )
    .bind(id)
    .fetch_one(&db.pool)
    .await
    .unwrap();

    let out = cli.run(&["bugs", "show", &number]).await.ok().stdout;
    assert!(out.starts_with(&format!("{number}  {title}")), "{out}");
    for label in [
        "Severity",
        "Status",
        "Priority",
        "Blocker",
        "SLA",
        "Assignee",
        "Reported by",
        "Project",
        "Created",
        "Updated",
        "Resolved",
        "Revenue",
        "Hours",
        "Eng. cost",
        "Impact",
        "Version",
        "Description",
        "History",
    ] {
        assert!(out.contains(label), "{label} in\n{out}");
    }
    assert!(out.contains(&format!("<{email}>")), "{out}");
    assert!(out.contains(&format!("Status       {status}\n")), "{out}");
    assert!(
        out.contains(&format!("History · {history} changes, newest first")),
        "{out}"
    );
    let history_lines = out
        .lines()
        .skip_while(|l| !l.contains("When (UTC)"))
        .skip(1)
        .count();
    assert_eq!(history_lines as i64, history, "{out}");

    // A bare number works the same.
    let bare = &number[4..];
    let json = cli
        .run(&["bugs", "show", bare, "--format", "json"])
        .await
        .ok()
        .stdout;
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["number"], number.as_str());
    assert_eq!(v["status"], status.as_str());
    assert_eq!(v["version"], version);
    assert_eq!(v["assignee_email"], email.as_str());
    assert_eq!(v["id"], id.to_string());
    let h = v["history"].as_array().unwrap();
    assert_eq!(h.len() as i64, history);
    let at: Vec<&str> = h.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] >= w[1]), "newest first: {at:?}");
    assert!(
        h.iter()
            .all(|e| e.get("field").is_some() && e.get("old").is_some())
    );

    let csv_out = cli
        .run(&["bugs", "show", &number, "--format", "csv"])
        .await
        .ok()
        .stdout;
    let mut reader = csv::Reader::from_reader(csv_out.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        &csv::StringRecord::from(SHOW_CSV_HEADER.to_vec())
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], number.as_str());
    assert_eq!(&rows[0][1], title.as_str());

    cli.run(&["bugs", "show", "BUG-999999"])
        .await
        .fails_with(1, &["there is no bug BUG-999999"]);
    cli.run(&["bugs", "show", "BUG-x"])
        .await
        .fails_with(1, &["\"BUG-x\" is not a bug number", "BUG-1001"]);
}

async fn audit_and_history(db: &TestDb) -> (i64, i64) {
    (
        count(db, "SELECT count(*) FROM audit_log").await,
        count(db, "SELECT count(*) FROM bug_history").await,
    )
}

async fn pending_bug(db: &TestDb) -> (Uuid, String, i64) {
    sqlx::query_as(
        "SELECT id, bug_number, version FROM bugs WHERE status = 'pending' ORDER BY bug_number LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .expect("a pending bug")
}

#[tokio::test(flavor = "multi_thread")]
async fn set_status_writes_the_status_one_history_and_one_audit_row() {
    let (db, cli) = seeded().await;
    let (id, number, version) = pending_bug(&db).await;
    let cto: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(DEMO_CTO_EMAIL)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let (audit0, history0) = audit_and_history(&db).await;

    let out = cli
        .run(&[
            "bugs",
            "set-status",
            &number,
            "in_progress",
            "--user",
            DEMO_CTO_EMAIL,
        ])
        .await
        .ok()
        .stdout;
    assert_eq!(
        out,
        format!(
            "{number}: pending → in_progress (version {})\n",
            version + 1
        )
    );
    let (status, v): (String, i64) =
        sqlx::query_as("SELECT status::text, version FROM bugs WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), v), ("in_progress", version + 1));
    let (audit1, history1) = audit_and_history(&db).await;
    assert_eq!((audit1 - audit0, history1 - history0), (1, 1));
    let (who, field, old, new): (Option<Uuid>, String, Option<String>, Option<String>) =
        sqlx::query_as(
            "SELECT changed_by, field_changed, old_value, new_value FROM bug_history \
             WHERE bug_id = $1 ORDER BY changed_at DESC, id DESC LIMIT 1",
        )
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        (who, field.as_str(), old.as_deref(), new.as_deref()),
        (Some(cto), "status", Some("pending"), Some("in_progress"))
    );
    let (user, action, entity, from, to, agent): (Uuid, String, Uuid, String, String, String) =
        sqlx::query_as(
            "SELECT user_id, action, entity_id, details->>'from', details->>'to', user_agent \
             FROM audit_log",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!((user, entity), (cto, id));
    assert_eq!(action, "bug.status_changed");
    assert_eq!((from.as_str(), to.as_str()), ("pending", "in_progress"));
    assert!(agent.starts_with("ctodash/"), "{agent}");

    // The user can also come from CTODASH_USER; a bare number works.
    let out = cli
        .run_env(
            &["bugs", "set-status", &number[4..], "verified"],
            &[("CTODASH_USER", DEMO_CTO_EMAIL)],
        )
        .await
        .ok()
        .stdout;
    assert_eq!(
        out,
        format!(
            "{number}: in_progress → verified (version {})\n",
            version + 2
        )
    );
    let (audit2, history2) = audit_and_history(&db).await;
    assert_eq!((audit2 - audit1, history2 - history1), (1, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn set_status_refusals_write_nothing() {
    let (db, cli) = seeded().await;
    let (id, number, version) = pending_bug(&db).await;
    let before = audit_and_history(&db).await;
    let user = ["--user", DEMO_CTO_EMAIL];

    let run = cli
        .run(&["bugs", "set-status", &number, "shipped", user[0], user[1]])
        .await;
    run.fails_with(
        1,
        &[
            &number,
            "cannot move a bug from pending to shipped",
            "allowed from pending are in_progress, deferred, closed",
            "nothing was written",
        ],
    );
    cli.run(&["bugs", "set-status", &number, "pending", user[0], user[1]])
        .await
        .fails_with(1, &["already pending"]);
    cli.run(&["bugs", "set-status", &number, "verified"])
        .await
        .fails_with(
            1,
            &[
                "does not know who you are",
                "--user EMAIL",
                "CTODASH_USER",
                "nothing was written",
            ],
        );
    cli.run(&[
        "bugs",
        "set-status",
        &number,
        "in_progress",
        "--user",
        "ghost@example.com",
    ])
    .await
    .fails_with(
        1,
        &[
            "no user with the email ghost@example.com",
            "nothing was written",
        ],
    );
    cli.run(&[
        "bugs",
        "set-status",
        &number,
        "in_progress",
        user[0],
        user[1],
        "--read-only",
    ])
    .await
    .fails_with(1, &["read-only", "nothing was written"]);
    cli.run(&["bugs", "set-status", &number, "done", user[0], user[1]])
        .await
        .fails_with(1, &["\"done\" is not a valid bug status", "in_progress"]);
    cli.run(&[
        "bugs",
        "set-status",
        "BUG-999999",
        "in_progress",
        user[0],
        user[1],
    ])
    .await
    .fails_with(1, &["there is no bug BUG-999999"]);

    assert_eq!(audit_and_history(&db).await, before);
    let (status, v): (String, i64) =
        sqlx::query_as("SELECT status::text, version FROM bugs WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), v), ("pending", version));
}

/// The window between reading a bug and writing it is too short to hit from
/// outside, so the conflict is made deterministic: read the row, let
/// "someone else" change it, then apply the status to the stale copy.
#[tokio::test(flavor = "multi_thread")]
async fn a_conflict_is_reported_and_rerunning_applies_to_the_fresh_row() {
    let (db, cli) = seeded().await;
    let (id, number, _) = pending_bug(&db).await;
    let mut conn = db.conn().await;
    let me = ctodash::db::users::find_by_email(&mut conn, DEMO_CTO_EMAIL)
        .await
        .unwrap()
        .unwrap();
    let stale = load_detail(&mut conn, number.parse::<BugNumber>().unwrap(), "test")
        .await
        .unwrap()
        .row;
    sqlx::query("UPDATE bugs SET severity = 'low' WHERE id = $1 AND severity <> 'low'")
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE bugs SET status = 'deferred' WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
    let before = audit_and_history(&db).await;

    let err = apply_status(
        &db.pool,
        &EditContext::new(me),
        &stale,
        BugStatus::InProgress,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(&format!(
            "{number} changed while this command was changing it"
        )),
        "{err}"
    );
    assert!(err.contains("status: pending → deferred"), "{err}");
    assert!(err.contains("Nothing was written"), "{err}");
    assert!(
        err.contains("Run the same command again to apply in_progress"),
        "{err}"
    );
    assert_eq!(audit_and_history(&db).await, before);

    // Re-running reads the fresh row (deferred) and applies the change to it.
    let out = cli
        .run(&[
            "bugs",
            "set-status",
            &number,
            "in_progress",
            "--user",
            DEMO_CTO_EMAIL,
        ])
        .await
        .ok()
        .stdout;
    assert!(
        out.starts_with(&format!("{number}: deferred → in_progress (version ")),
        "{out}"
    );
}
