//! `ctodash bugs list`, run as the real binary against a real, seeded
//! database, every answer checked against plain SQL: the table, JSON and CSV
//! outputs (default limit, priority order, every open bug once across keyset
//! pages, `--sort`, `--limit`), each filter (severity, status, blocker, SLA
//! breach, project, assignee, search) and the summary naming them, and bad
//! filter values refused with the valid ones listed, plus an empty database.

#[path = "common/cli.rs"]
mod cli;

use cli::{Cli, count, seeded};
use ctodash::commands::bugs::LIST_CSV_HEADER;
use ctodash::db::testing::TestDb;
use serde_json::Value;

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
    // The source product's definition: not shipped or closed (deferred
    // included) and older than its SLA hours.
    let breached = "SELECT count(*) FROM bugs WHERE status NOT IN ('shipped', 'closed') \
                    AND created_at + make_interval(hours => sla_hours) < now()";
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

/// Every CLI session carries a statement timeout: a list stuck behind a lock
/// held elsewhere is stopped and explained instead of waiting forever. (The
/// URL's own statement_timeout wins, which keeps this test short.)
#[tokio::test(flavor = "multi_thread")]
async fn a_statement_stuck_behind_a_lock_times_out_with_a_clear_error() {
    let db = TestDb::new().await;
    let url = db.url();
    let sep = if url.contains('?') { '&' } else { '?' };
    let cli = Cli::new(format!("{url}{sep}options=-c%20statement_timeout%3D700"));
    let mut blocker = db.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE bugs IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *blocker)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    cli.run(&["bugs", "list"]).await.fails_with(
        1,
        &[
            "canceling statement due to statement timeout",
            "ran longer than its time limit (120 s for this command",
            "lock",
        ],
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    blocker.rollback().await.unwrap();
}
