//! `ctodash import csv` given bad or unusual input, and the ways of running it,
//! through the real binary (and the library function where that is clearer)
//! against a real database: bad bug rows skipped and reported by line and
//! column, with the import_logs row that records them; a missing required
//! column, an empty file and an unreadable one, which are fatal; what is
//! accepted with a note (a BOM, CRLF line ends, snake_case headers, unknown
//! columns); `--dry-run`, `--all-or-nothing`, the JSON and CSV reports;
//! read-only sessions and unknown users, which are refused; and the cap on the
//! errors kept in the log. The samples reference the projects of
//! assets/csv/projects_sample.csv and the user cto@example.com; each test
//! creates those itself in a fresh database.

#[path = "common/import.rs"]
mod import_common;

use chrono::{DateTime, Utc};
use ctodash::cli::ImportKind;
use ctodash::commands::import::{CsvOptions, MAX_LOGGED_ERRORS, import_csv, sha256_hex};
use ctodash::db::testing::TestDb;
use import_common::{
    count, csv_asset as asset, csv_asset_bytes as asset_bytes, ctodash, import, logs, utc,
    with_sample_projects,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

#[tokio::test]
async fn bad_bug_rows_are_skipped_and_reported_by_line_and_column() {
    let (db, _) = with_sample_projects().await;
    let file = asset("bugs_bad_rows.csv");
    let run = import(&db, "bugs", &file, &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    // Exit code 2 is an outcome the report explains, not an error to repeat.
    assert!(!run.stderr.contains("error:"), "{}", run.stderr);
    let expected = [
        "line 3, column severity: \"urgent\" is not a valid severity: expected one of critical, high, medium, low",
        "line 4, column assignedTo: no user has the email \"nobody@example.com\"; add the user first, leave the cell empty, or import with --create-users to create it",
        "line 5, column projectName: no project is named \"Atlantis\"; import the project first, leave the cell empty, or import with --create-projects to create it",
        "line 6, column bugNumber: BUG-60001 is a duplicate of line 2 (the first row is the one imported)",
        "line 7: has 17 fields but the header has 15; a value containing a comma must be in double quotes",
        "line 8, column revenueImpact: -500 is negative: must be 0 or more",
        "line 9, column isBlocker: \"maybe\" is not a yes/no value: use true/false, yes/no or 1/0",
        "line 9, column resolvedAt: \"31/12/2024\" is not a date or time",
        "line 10, column title: is required but empty",
        "line 11, column priorityScore: 150 is out of range: must be between 0 and 100",
        "line 12, column bugNumber: \"ISSUE-12\" is not a bug number: bug numbers look like BUG-1001",
        "line 14: has 5 fields but the header has 15",
        "line 16, column status: \"done\" is not a valid bug status",
        "line 16, column slaHours: 0 is out of range: must be at least 1",
    ];
    for line in expected {
        assert!(
            run.stdout.contains(line),
            "missing {line:?} in\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("rows         17"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("imported      5  (5 new, 0 updated, 0 unchanged)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("skipped      12  (12 bad, listed below)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Imported 5 and skipped 12 bad rows"),
        "{}",
        run.stdout
    );

    let numbers: Vec<String> =
        sqlx::query_scalar("SELECT bug_number FROM bugs ORDER BY substr(bug_number, 5)::int")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        numbers,
        [
            "BUG-60001",
            "BUG-60012",
            "BUG-60014",
            "BUG-60016",
            "BUG-60017"
        ]
    );
    // The first of the duplicates is the one kept.
    let title: String = sqlx::query_scalar("SELECT title FROM bugs WHERE bug_number = 'BUG-60001'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        title,
        "Order confirmation page shows another customer's name"
    );
    // "In Progress" and a mixed-case email are accepted.
    let (status, assignee): (String, Option<String>) = sqlx::query_as(
        "SELECT b.status::text, u.email FROM bugs b LEFT JOIN users u ON u.id = b.assigned_to \
         WHERE bug_number IN ('BUG-60014', 'BUG-60017') ORDER BY bug_number DESC LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        (status.as_str(), assignee.as_deref()),
        ("pending", Some("cto@example.com"))
    );

    // One import_logs row for this run (after the projects import's).
    let logs = logs(&db.pool).await;
    assert_eq!(logs.len(), 2);
    let log = &logs[1];
    assert_eq!(log.source, "csv");
    assert_eq!((log.records_imported, log.records_failed), (5, 12));
    assert_eq!(log.errors.len(), expected.len());
    assert_eq!(log.errors[0], expected[0]);
    for e in &log.errors {
        assert!(run.stdout.contains(e.as_str()), "{e}");
    }
    let m = &log.metadata;
    assert_eq!(m["file"], file.as_str());
    assert_eq!(
        m["sha256"],
        sha256_hex(&asset_bytes("bugs_bad_rows.csv")).as_str()
    );
    assert_eq!(m["kind"], "bugs");
    assert_eq!(m["rows"], 17);
    assert_eq!(m["inserted"], 5);
    assert_eq!(m["updated"], 0);
    assert_eq!(m["skipped"], 12);
    assert_eq!(m["dry_run"], false);
    assert_eq!(m["all_or_nothing"], false);
    assert!(m["duration_ms"].is_u64());
}

#[tokio::test]
async fn bom_crlf_snake_case_headers_and_unknown_columns() {
    let (db, _) = with_sample_projects().await;
    let run = import(&db, "bugs", &asset("bugs_bom_crlf.csv"), &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("unknown column \"reporter\" (column 16) was ignored"),
        "{}",
        run.stdout
    );
    let (title, desc, impact, rev, blocker): (String, String, String, Decimal, bool) =
        sqlx::query_as(
            "SELECT title, description, business_impact, revenue_impact_daily, is_blocker \
         FROM bugs WHERE bug_number = 'BUG-61002'",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(title, "Settlement report off by one day, every day");
    assert_eq!(
        desc, "Report uses the server's zone.\nShould use UTC.",
        "CRLF inside a value becomes \\n"
    );
    assert_eq!(impact, "Finance reconciliation, manual fixes");
    assert_eq!((rev, blocker), (dec!(800.00), true));
    let logs = logs(&db.pool).await;
    assert_eq!(
        logs.last().unwrap().metadata["unknown_columns"],
        serde_json::json!(["reporter"])
    );

    let run = import(&db, "projects", &asset("projects_bom_crlf.csv"), &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("unknown column \"owner\" (column 19) was ignored")
    );
    let (tags, arr, infra, last): (Vec<String>, Decimal, Decimal, DateTime<Utc>) = sqlx::query_as(
        "SELECT tags, arr, monthly_infra_cost, last_commit FROM projects \
         WHERE name = 'Inventory Service'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(tags, ["inventory", "stock"]);
    assert_eq!((arr, infra), (dec!(1200000.00), dec!(1450.00)));
    assert_eq!(last, utc(2025, 4, 19, 8, 30, 0));
}

#[tokio::test]
async fn missing_required_column_and_empty_file_are_fatal_and_logged() {
    let db = TestDb::new().await;
    let run = import(&db, "bugs", &asset("bugs_missing_severity.csv"), &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains(
            "error: the header row is missing the required column severity. A bugs file needs \
             bugNumber, title, severity"
        ),
        "{}",
        run.stderr
    );
    let run = import(&db, "bugs", &asset("empty.csv"), &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("error: the file is empty"),
        "{}",
        run.stderr
    );
    // A header without rows is not an error: nothing to do.
    let run = ctodash(
        &db,
        &["import", "csv", "--kind", "projects", "-"],
        &[],
        Some(b"name,githubUrl\r\n"),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("rows         0"), "{}", run.stdout);

    assert_eq!(count(&db, "SELECT count(*) FROM bugs").await, 0);
    let logs = logs(&db.pool).await;
    assert_eq!(logs.len(), 3);
    assert_eq!((logs[0].records_imported, logs[0].records_failed), (0, 0));
    assert!(
        logs[0].errors[0].starts_with("the header row is missing the required column severity")
    );
    assert_eq!((logs[1].records_imported, logs[1].records_failed), (0, 0));
    assert!(logs[1].errors[0].starts_with("the file is empty"));
    assert_eq!(
        logs[1].metadata["sha256"],
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(logs[2].metadata["file"], "-");
    // An unreadable file never reaches the database.
    let run = import(&db, "bugs", "assets/csv/no-such-file.csv", &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("error: cannot read assets/csv/no-such-file.csv"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn dry_run_validates_and_writes_nothing() {
    let (db, _) = with_sample_projects().await;
    let before = logs(&db.pool).await.len();
    let run = import(&db, "bugs", &asset("bugs_bad_rows.csv"), &["--dry-run"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .starts_with("Dry run (nothing written): bugs from assets/csv/bugs_bad_rows.csv")
    );
    assert!(
        run.stdout
            .contains("valid         5  (5 new, 0 already in the database)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("12 bad rows would be skipped (exit code 2).")
    );
    assert!(run.stdout.contains("line 3, column severity"));

    let run = import(&db, "bugs", &asset("bugs_sample.csv"), &["--dry-run"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Every row is valid."));
    assert_eq!(count(&db, "SELECT count(*) FROM bugs").await, 0);
    assert_eq!(
        logs(&db.pool).await.len(),
        before,
        "a dry run writes no import_logs row"
    );

    // Once imported, a dry run counts the rows it would update.
    assert_eq!(import(&db, "bugs", &asset("bugs_sample.csv"), &[]).code, 0);
    let run = import(
        &db,
        "bugs",
        &asset("bugs_sample.csv"),
        &["--dry-run", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (v["inserted"].as_u64(), v["updated"].as_u64()),
        (Some(0), Some(30))
    );
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["import_log_id"], serde_json::Value::Null);
}

#[tokio::test]
async fn all_or_nothing_stops_at_the_first_bad_row_and_writes_only_the_log() {
    let (db, _) = with_sample_projects().await;
    let run = import(
        &db,
        "bugs",
        &asset("bugs_bad_rows.csv"),
        &["--all-or-nothing"],
    );
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(
        "skipped      17  (--all-or-nothing: stopped at the bad row on line 3; nothing imported)"
    ), "{}", run.stdout);
    assert!(run.stdout.contains("line 3, column severity"));
    assert!(
        !run.stdout.contains("line 4,"),
        "validation stops at the first bad row"
    );
    assert!(run.stdout.contains("Nothing imported (exit code 2)."));
    assert_eq!(count(&db, "SELECT count(*) FROM bugs").await, 0);
    let logs = logs(&db.pool).await;
    let log = logs.last().unwrap();
    assert_eq!((log.records_imported, log.records_failed), (0, 17));
    assert_eq!(log.errors.len(), 1);
    assert_eq!(log.metadata["aborted_at"], 3);
    assert_eq!(log.metadata["all_or_nothing"], true);

    // A clean file goes in whole.
    let run = import(
        &db,
        "bugs",
        &asset("bugs_sample.csv"),
        &["--all-or-nothing"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(count(&db, "SELECT count(*) FROM bugs").await, 30);
}

#[tokio::test]
async fn json_and_csv_report_formats() {
    let (db, _) = with_sample_projects().await;
    let run = import(
        &db,
        "bugs",
        &asset("bugs_bad_rows.csv"),
        &["--format", "json"],
    );
    assert_eq!(run.code, 2);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
    assert_eq!(v["source"], "csv");
    assert_eq!(v["kind"], "bugs");
    assert_eq!(v["rows"], 17);
    assert_eq!(v["imported"], 5);
    assert_eq!(v["skipped"], 12);
    assert_eq!(v["bad_rows"], 12);
    assert_eq!(
        v["errors"][0],
        serde_json::json!({
            "line": 3,
            "column": "severity",
            "message": "\"urgent\" is not a valid severity: expected one of critical, high, medium, low"
        })
    );
    assert_eq!(v["errors"][4]["column"], serde_json::Value::Null);
    assert!(v["import_log_id"].is_string());

    let run = import(
        &db,
        "projects",
        &asset("projects_bad_rows.csv"),
        &["--format", "csv", "--dry-run"],
    );
    assert_eq!(run.code, 2);
    let mut lines = run.stdout.lines();
    assert_eq!(lines.next(), Some("line,item,column,message"));
    assert_eq!(
        lines.next(),
        Some(
            "3,,status,\"\"\"paused\"\" is not a valid project status: expected one of active, shipped, deferred, cancelled\""
        )
    );
}

#[tokio::test]
async fn read_only_sessions_and_unknown_users_are_refused() {
    let db = TestDb::new().await;
    let run = import(
        &db,
        "projects",
        &asset("projects_sample.csv"),
        &["--read-only"],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("this session is read-only"),
        "{}",
        run.stderr
    );
    let run = ctodash(
        &db,
        &[
            "--user",
            "ghost@example.com",
            "import",
            "csv",
            "--kind",
            "projects",
            &asset("projects_sample.csv"),
        ],
        &[],
        None,
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("\"ghost@example.com\""),
        "{}",
        run.stderr
    );
    // --read-only with --dry-run is fine: it only reads.
    let run = import(
        &db,
        "projects",
        &asset("projects_sample.csv"),
        &["--read-only", "--dry-run"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(count(&db, "SELECT count(*) FROM projects").await, 0);
}

#[tokio::test]
async fn logged_errors_are_capped() {
    let db = TestDb::new().await;
    let mut csv = String::from("bugNumber,title,severity\n");
    for i in 0..1500 {
        csv.push_str(&format!("BUG-{},Title {i},catastrophic\n", 1000 + i));
    }
    let opts = CsvOptions {
        kind: ImportKind::Bugs,
        dry_run: false,
        overwrite: false,
        all_or_nothing: false,
        actor: None,
    };
    let report = import_csv(&db.pool, "generated.csv", csv.as_bytes(), &opts)
        .await
        .unwrap();
    assert_eq!(
        (report.rows, report.bad_rows, report.imported),
        (1500, 1500, 0)
    );
    assert_eq!(report.exit_code(), 2);
    let logs = logs(&db.pool).await;
    assert_eq!(logs[0].errors.len(), MAX_LOGGED_ERRORS);
    assert_eq!(logs[0].errors[MAX_LOGGED_ERRORS - 1], "… and 501 more");
    assert_eq!(logs[0].records_failed, 1500);
}
