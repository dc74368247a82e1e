//! `ctodash import csv` against a real database, through the real binary (and
//! the library function where that is clearer): the sample files in
//! assets/csv/, every kind of bad input with its report text and exit code, the
//! resulting rows field by field, dry runs, all-or-nothing, re-imports, stdin,
//! the import_logs row, and a 100,000-row import.
//!
//! The samples reference the projects of assets/csv/projects_sample.csv and the
//! user cto@example.com (the demo database's CTO); each test creates those
//! itself in a fresh database.

#[path = "common/import.rs"]
mod import_common;

use chrono::{DateTime, Utc};
use ctodash::cli::ImportKind;
use ctodash::commands::import::{CsvOptions, MAX_LOGGED_ERRORS, import_csv, sha256_hex};
use ctodash::db::testing::TestDb;
use import_common::{ROOT, count, ctodash, import, logs, project_names, utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sqlx::PgPool;
use std::path::Path;
use std::time::Instant;
use uuid::Uuid;

/// bug number, field, old value, new value, actor.
type HistoryRow = (String, String, Option<String>, Option<String>, Option<Uuid>);

fn asset(name: &str) -> String {
    format!("assets/csv/{name}")
}

fn asset_bytes(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(ROOT).join("assets/csv").join(name)).expect("read asset")
}

async fn add_user(pool: &PgPool, email: &str, name: &str, role: &str) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO users (email, name, role) VALUES ($1, $2, $3::user_role) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(role)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// A fresh database with the sample users and the sample projects imported.
async fn with_sample_projects() -> (TestDb, Uuid) {
    let db = TestDb::new().await;
    let cto = add_user(&db.pool, "cto@example.com", "Ada Lovelace", "cto").await;
    add_user(
        &db.pool,
        "grace.hopper@example.com",
        "Grace Hopper",
        "engineer",
    )
    .await;
    let run = import(&db, "projects", &asset("projects_sample.csv"), &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    (db, cto)
}

#[tokio::test]
async fn sample_projects_import_field_by_field() {
    let db = TestDb::new().await;
    let run = import(&db, "projects", &asset("projects_sample.csv"), &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("Import: projects from assets/csv/projects_sample.csv")
    );
    assert!(
        run.stdout
            .contains("imported     10  (10 new, 0 updated, 0 unchanged)"),
        "{}",
        run.stdout
    );
    assert_eq!(count(&db, "SELECT count(*) FROM projects").await, 10);

    #[derive(sqlx::FromRow, Debug, PartialEq)]
    struct P {
        name: String,
        description: Option<String>,
        github_url: Option<String>,
        demo_url: Option<String>,
        language: Option<String>,
        tags: Vec<String>,
        stars: i32,
        forks: i32,
        last_commit: Option<DateTime<Utc>>,
        status: String,
        complexity: Option<i32>,
        client_appeal: Option<i32>,
        current_milestone: i32,
        total_milestones: i32,
        arr: Option<Decimal>,
        year1_revenue: Option<Decimal>,
        year3_revenue: Option<Decimal>,
        roi_score: Option<Decimal>,
        tam: Option<Decimal>,
        sam: Option<Decimal>,
        som_year3: Option<Decimal>,
        traction_mrr: Option<Decimal>,
        margin_percent: Option<Decimal>,
        dcf_valuation: Option<Decimal>,
        monthly_infra_cost: Option<Decimal>,
    }
    let get = |name: &'static str| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_as::<_, P>(
                "SELECT name, description, github_url, demo_url, language, tags, stars, forks, \
                 last_commit, status::text AS status, complexity, client_appeal, \
                 current_milestone, total_milestones, arr, year1_revenue, year3_revenue, \
                 roi_score, tam, sam, som_year3, traction_mrr, margin_percent, dcf_valuation, \
                 monthly_infra_cost FROM projects WHERE name = $1",
            )
            .bind(name)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        get("Payments Core").await,
        P {
            name: "Payments Core".into(),
            description: Some(
                "Card, wallet and bank-transfer processing with PCI scope kept small".into()
            ),
            github_url: Some("https://github.com/northwind-labs/payments-core".into()),
            demo_url: None,
            language: Some("Go".into()),
            tags: vec!["payments".into(), "pci".into(), "ledger".into()],
            stars: 198,
            forks: 21,
            last_commit: Some(utc(2025, 4, 30, 9, 12, 44)),
            status: "active".into(),
            complexity: Some(5),
            client_appeal: Some(8),
            current_milestone: 4,
            total_milestones: 6,
            arr: Some(dec!(2100000.00)),
            year1_revenue: Some(dec!(1800000.00)),
            year3_revenue: Some(dec!(5200000.00)),
            roi_score: Some(dec!(410.00)),
            tam: Some(dec!(95000000000.00)),
            sam: Some(dec!(4800000000.00)),
            som_year3: Some(dec!(150000000.00)),
            traction_mrr: Some(dec!(175000.00)),
            margin_percent: Some(dec!(52.00)),
            dcf_valuation: Some(dec!(21000000.00)),
            monthly_infra_cost: Some(dec!(12650.00)),
        }
    );
    // A {…} literal for tags, a bare date for lastCommit.
    let identity = get("Identity Service").await;
    assert_eq!(identity.tags, ["auth", "sso", "oauth2"]);
    assert_eq!(identity.last_commit, Some(utc(2025, 4, 22, 0, 0, 0)));
    assert_eq!(
        identity.demo_url.as_deref(),
        Some("https://id.northwind.example")
    );
    // Empty money cells are NULL; negative ROI, margin and valuation are allowed.
    let etl = get("Warehouse ETL").await;
    assert_eq!((etl.arr, etl.tam, etl.margin_percent), (None, None, None));
    assert_eq!(etl.status, "deferred");
    assert_eq!(etl.monthly_infra_cost, Some(dec!(1450.75)));
    let pricing = get("Pricing Engine").await;
    assert_eq!(pricing.roi_score, Some(dec!(-35.00)));
    assert_eq!(pricing.margin_percent, Some(dec!(-12.50)));
    assert_eq!(pricing.dcf_valuation, Some(dec!(-250000.00)));
    assert_eq!(pricing.status, "cancelled");
}

#[tokio::test]
async fn sample_bugs_import_field_by_field() {
    let (db, cto) = with_sample_projects().await;
    let run = import(&db, "bugs", &asset("bugs_sample.csv"), &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("rows         30"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("imported     30  (30 new, 0 updated, 0 unchanged)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("priorityScore is checked (0–100) but not stored")
    );
    assert_eq!(count(&db, "SELECT count(*) FROM bugs").await, 30);

    #[derive(sqlx::FromRow, Debug, PartialEq)]
    struct B {
        title: String,
        description: Option<String>,
        severity: String,
        status: String,
        assigned_to: Option<Uuid>,
        project: Option<String>,
        sla_hours: i32,
        business_impact: Option<String>,
        revenue_impact_daily: Option<Decimal>,
        is_blocker: bool,
        priority_score: i32,
        estimated_hours: Option<Decimal>,
        actual_hours: Option<Decimal>,
        resolved_at: Option<DateTime<Utc>>,
        created_by: Option<Uuid>,
    }
    let get = |n: &'static str| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_as::<_, B>(
                "SELECT b.title, b.description, b.severity::text AS severity, \
                 b.status::text AS status, b.assigned_to, p.name AS project, b.sla_hours, \
                 b.business_impact, b.revenue_impact_daily, b.is_blocker, b.priority_score, \
                 b.estimated_hours, b.actual_hours, b.resolved_at, b.created_by \
                 FROM bugs b LEFT JOIN projects p ON p.id = b.project_id WHERE b.bug_number = $1",
            )
            .bind(n)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        get("BUG-50002").await,
        B {
            title: "Duplicate charge when the customer double-clicks Pay".into(),
            description: Some(
                "Idempotency key is generated per click, not per cart, so two captures can succeed."
                    .into()
            ),
            severity: "critical".into(),
            status: "verified".into(),
            assigned_to: Some(cto),
            project: Some("Payments Core".into()),
            sla_hours: 4,
            business_impact: Some("Refunds, chargebacks, support load".into()),
            revenue_impact_daily: Some(dec!(8200.00)),
            is_blocker: true,
            // The file says 85; the rule says critical 40 + min(30, 8200/1000) 8 + blocker 20.
            priority_score: 68,
            estimated_hours: Some(dec!(8.00)),
            actual_hours: Some(dec!(9.25)),
            resolved_at: None,
            created_by: None,
        }
    );
    // Resolved with a time given: kept; created no later than it was resolved.
    let shipped = get("BUG-50004").await;
    assert_eq!(shipped.status, "shipped");
    assert_eq!(shipped.resolved_at, Some(utc(2025, 4, 3, 11, 20, 0)));
    assert_eq!(shipped.revenue_impact_daily, None);
    assert_eq!(shipped.sla_hours, 72, "medium's SLA when the cell is empty");
    let created: DateTime<Utc> =
        sqlx::query_scalar("SELECT created_at FROM bugs WHERE bug_number = 'BUG-50004'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(created, utc(2025, 4, 3, 11, 20, 0));
    // Quoted newline and quotes inside a value.
    let multi = get("BUG-50025").await;
    assert_eq!(
        multi.description.as_deref(),
        Some(
            "Percentage coupon applied to the list price, not the sale price.\nReproduce: add item on sale, apply SAVE10."
        )
    );
    assert!(
        get("BUG-50001")
            .await
            .description
            .unwrap()
            .contains("\"Place order\"")
    );
    // Unassigned, no blocker ("0"), SLA default for high.
    let b5 = get("BUG-50005").await;
    assert_eq!(
        (b5.assigned_to, b5.is_blocker, b5.sla_hours),
        (None, false, 24)
    );
    // An explicit SLA is kept.
    assert_eq!(get("BUG-50014").await.sla_hours, 72);
    // The bug_stats summary followed the bulk insert.
    assert_eq!(
        count(
            &db,
            "SELECT coalesce(sum(bug_count), 0)::bigint FROM bug_stats"
        )
        .await,
        30
    );
}

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
        "line 4, column assignedTo: no user has the email \"nobody@example.com\"; add the user first or leave the cell empty",
        "line 5, column projectName: no project is named \"Atlantis\"; import the project first or leave the cell empty",
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
async fn bad_project_rows_are_skipped_and_reported() {
    let db = TestDb::new().await;
    let run = import(&db, "projects", &asset("projects_bad_rows.csv"), &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    for line in [
        "line 3, column status: \"paused\" is not a valid project status: expected one of active, shipped, deferred, cancelled",
        "line 4, column stars: -5 is negative: must be 0 or more",
        "line 5, column githubUrl: \"github.com/northwind-labs/returns-beta\" is not a valid URL: it must start with http:// or https://",
        "line 6, column name: is required but empty",
        "line 7, column complexity: 7 is out of range: must be between 1 and 5",
        "line 8: has 27 fields but the header has 25; a value containing a comma must be in double quotes",
        "line 9, column githubUrl: is a duplicate of line 2 (same GitHub URL)",
        "line 10, column clientAppeal: 11 is out of range: must be between 0 and 10",
        "line 10, column marginPercent: 150 is out of range: must be between -100 and 100",
        "line 11, column demoUrl: \"ftp://files.northwind.example/recs\" is not a valid URL: it must start with http:// or https://",
        "line 11, column lastCommit: \"last tuesday\" is not a date or time",
        "line 12, column currentMilestone: 6 is more than totalMilestones (4)",
        "line 13, column monthlyInfraCost: -10.00 is negative: must be 0 or more",
    ] {
        assert!(
            run.stdout.contains(line),
            "missing {line:?} in\n{}",
            run.stdout
        );
    }
    assert_eq!(
        project_names(&db.pool).await,
        ["Ledger Sync", "Returns Portal"]
    );
    let desc: String =
        sqlx::query_scalar("SELECT description FROM projects WHERE name = 'Returns Portal'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(desc, "Self-service returns, labels and refunds");
    let logs = logs(&db.pool).await;
    assert_eq!((logs[0].records_imported, logs[0].records_failed), (2, 11));
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
async fn reimport_updates_instead_of_duplicating_and_history_records_it() {
    let (db, cto) = with_sample_projects().await;
    assert_eq!(import(&db, "bugs", &asset("bugs_sample.csv"), &[]).code, 0);
    let versions = "SELECT sum(version)::bigint FROM bugs";
    let v1 = count(&db, versions).await;

    // The same file again: nothing changes, not even versions.
    let run = import(&db, "bugs", &asset("bugs_sample.csv"), &[]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("imported     30  (0 new, 0 updated, 30 unchanged)"),
        "{}",
        run.stdout
    );
    assert_eq!(count(&db, "SELECT count(*) FROM bugs").await, 30);
    assert_eq!(count(&db, versions).await, v1);
    assert_eq!(count(&db, "SELECT count(*) FROM bug_history").await, 0);
    let resolved_before: DateTime<Utc> =
        sqlx::query_scalar("SELECT resolved_at FROM bugs WHERE bug_number = 'BUG-50013'")
            .fetch_one(&db.pool)
            .await
            .unwrap();

    // An edited copy through stdin, as a named user: two status changes, a
    // reassignment, a new title and one new bug.
    let text = String::from_utf8(asset_bytes("bugs_sample.csv")).unwrap();
    let edited = text
        .replace(
            "BUG-50003,Password reset emails arrive after the link expired,",
            "BUG-50003,Password reset emails arrive late,",
        )
        .replace(
            "critical,in_progress,cto@example.com,Storefront Web,",
            "critical,verified,grace.hopper@example.com,Storefront Web,",
        )
        .replace(
            ",high,in_progress,cto@example.com,Mobile Android,",
            ",high,shipped,cto@example.com,Mobile Android,",
        )
        + "BUG-50031,Wishlist not synced between devices,,low,pending,,Storefront Web,,,,false,,,,\n";
    assert_ne!(edited, text);
    let run = ctodash(
        &db,
        &[
            "--user",
            "cto@example.com",
            "import",
            "csv",
            "--kind",
            "bugs",
            "-",
        ],
        &[],
        Some(edited.as_bytes()),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Import: bugs from standard input"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("imported     31  (1 new, 3 updated, 27 unchanged)"),
        "{}",
        run.stdout
    );
    assert_eq!(count(&db, "SELECT count(*) FROM bugs").await, 31);

    let history: Vec<HistoryRow> = sqlx::query_as(
        "SELECT b.bug_number, h.field_changed, h.old_value, h.new_value, h.changed_by \
             FROM bug_history h JOIN bugs b ON b.id = h.bug_id ORDER BY 1, 2",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let grace: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'grace.hopper@example.com'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        history,
        [
            (
                "BUG-50001".into(),
                "assigned_to".into(),
                Some(cto.to_string()),
                Some(grace.to_string()),
                Some(cto)
            ),
            (
                "BUG-50001".into(),
                "status".into(),
                Some("in_progress".into()),
                Some("verified".into()),
                Some(cto)
            ),
            (
                "BUG-50010".into(),
                "status".into(),
                Some("in_progress".into()),
                Some("shipped".into()),
                Some(cto)
            ),
        ]
    );
    // Shipped without a resolvedAt: resolved now; an already-resolved bug keeps its time.
    let resolved: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT resolved_at FROM bugs WHERE bug_number = 'BUG-50010'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(resolved.is_some_and(|t| (Utc::now() - t).num_minutes() < 5));
    let resolved_after: DateTime<Utc> =
        sqlx::query_scalar("SELECT resolved_at FROM bugs WHERE bug_number = 'BUG-50013'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(resolved_after, resolved_before);
    let (title, created_by): (String, Option<Uuid>) =
        sqlx::query_as("SELECT title, created_by FROM bugs WHERE bug_number = 'BUG-50003'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        (title.as_str(), created_by),
        ("Password reset emails arrive late", None)
    );
    let new_by: Option<Uuid> =
        sqlx::query_scalar("SELECT created_by FROM bugs WHERE bug_number = 'BUG-50031'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(new_by, Some(cto));

    // Projects: re-import updates by URL; a row without a URL matches by name.
    let run = import(&db, "projects", &asset("projects_sample.csv"), &[]);
    assert!(
        run.stdout
            .contains("imported     10  (0 new, 0 updated, 10 unchanged)"),
        "{}",
        run.stdout
    );
    let run = ctodash(
        &db,
        &["import", "csv", "--kind", "projects", "-"],
        &[],
        Some(b"name,stars,status\npayments core,250,shipped\nBrand New,1,\n"),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("(1 new, 1 updated, 0 unchanged)"),
        "{}",
        run.stdout
    );
    let (name, stars, status, url): (String, i32, String, Option<String>) = sqlx::query_as(
        "SELECT name, stars, status::text, github_url FROM projects WHERE lower(name) = 'payments core'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        name, "payments core",
        "the file's spelling of the name wins"
    );
    assert_eq!((stars, status.as_str()), (250, "shipped"));
    assert_eq!(
        url.as_deref(),
        Some("https://github.com/northwind-labs/payments-core")
    );
    assert_eq!(count(&db, "SELECT count(*) FROM projects").await, 11);
}

#[tokio::test]
async fn ambiguous_project_names_and_conflicting_rows_are_rejected() {
    let db = TestDb::new().await;
    add_user(&db.pool, "cto@example.com", "Ada Lovelace", "cto").await;
    for url in ["https://github.com/a/atlas", "https://github.com/b/atlas"] {
        sqlx::query("INSERT INTO projects (name, github_url) VALUES ('Atlas', $1)")
            .bind(url)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    // Bugs cannot point at an ambiguous project name either.
    let bugs = "bugNumber,title,severity,projectName\n1,Crash,high,atlas\n";
    let run = ctodash(
        &db,
        &["import", "csv", "--kind", "bugs", "-"],
        &[],
        Some(bugs.as_bytes()),
    );
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains(
        "line 2, column projectName: 2 projects are named \"atlas\"; rename one so the name is unique"
    ), "{}", run.stdout);
    let csv = "name,githubUrl,stars\n\
               Atlas,,5\n\
               Atlas A,https://GITHUB.com/a/atlas/,7\n\
               Nova,https://github.com/c/nova,1\n\
               nova,https://github.com/c/nova-2,1\n";
    let run = ctodash(
        &db,
        &["import", "csv", "--kind", "projects", "-"],
        &[],
        Some(csv.as_bytes()),
    );
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(
        "line 2, column name: 2 projects are named \"Atlas\"; add their githubUrl to say which one this row updates"
    ), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("line 5, column name: \"nova\" is a duplicate of line 4 (same name)"),
        "{}",
        run.stdout
    );
    let stars: i32 = sqlx::query_scalar(
        "SELECT stars FROM projects WHERE github_url = 'https://github.com/a/atlas'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(stars, 7, "matched by URL, case and trailing slash aside");
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

#[tokio::test]
async fn hundred_thousand_rows_import_in_seconds() {
    let db = TestDb::new().await;
    add_user(&db.pool, "cto@example.com", "Ada Lovelace", "cto").await;
    for i in 0..20 {
        add_user(
            &db.pool,
            &format!("eng{i}@example.com"),
            &format!("Engineer {i}"),
            "engineer",
        )
        .await;
    }
    let run = import(&db, "projects", &asset("projects_sample.csv"), &[]);
    assert_eq!(run.code, 0);
    let projects = [
        "Storefront Web",
        "Payments Core",
        "Identity Service",
        "Partner API",
        "Data Platform",
        "Mobile Android",
    ];
    let severities = ["critical", "high", "medium", "low"];
    let statuses = [
        "pending",
        "in_progress",
        "verified",
        "shipped",
        "closed",
        "deferred",
    ];
    let rows = 100_000;
    let mut csv = String::from(
        "bugNumber,title,description,severity,status,assignedTo,projectName,slaHours,\
         businessImpact,revenueImpact,isBlocker,priorityScore,estimatedHours,actualHours,resolvedAt\n",
    );
    for i in 0..rows {
        let status = statuses[i % statuses.len()];
        let resolved = if matches!(status, "shipped" | "closed") {
            "2025-04-01 10:00:00"
        } else {
            ""
        };
        csv.push_str(&format!(
            "BUG-{},\"Generated bug {i}, for the load test\",Steps to reproduce #{i},{},{status},eng{}@example.com,{},,\"Impact, {i}\",{}.50,{},{},{},{},{resolved}\n",
            200_000 + i,
            severities[i % 4],
            i % 20,
            projects[i % projects.len()],
            i % 5000,
            i % 7 == 0,
            i % 101,
            i % 40,
            i % 13,
        ));
    }
    let indexes = "SELECT count(*) FROM pg_indexes WHERE tablename = 'bugs'";
    let indexes_before = count(&db, indexes).await;
    let path = std::env::temp_dir().join(format!("ctodash-100k-{}.csv", Uuid::new_v4().simple()));
    std::fs::write(&path, &csv).unwrap();
    let started = Instant::now();
    let run = import(&db, "bugs", path.to_str().unwrap(), &["--format", "json"]);
    let elapsed = started.elapsed();
    std::fs::remove_file(&path).ok();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["inserted"], rows);
    assert_eq!(count(&db, "SELECT count(*) FROM bugs").await, rows as i64);
    let rate = rows as f64 / elapsed.as_secs_f64();
    println!(
        "imported {rows} rows in {:.2} s ({rate:.0} rows/s; the import itself reports {} ms)",
        elapsed.as_secs_f64(),
        v["duration_ms"]
    );
    // Generous: a debug build on a busy 2-core CI machine.
    assert!(elapsed.as_secs() < 120, "took {elapsed:?}");
    // A first import this large rebuilds the secondary indexes: all are back.
    assert_eq!(count(&db, indexes).await, indexes_before);
    let open: i64 = count(
        &db,
        "SELECT count(*) FROM bugs WHERE status IN ('pending', 'in_progress', 'verified', 'deferred') \
         AND lower(title) LIKE 'generated bug 4%'",
    )
    .await;
    assert!(open > 0);

    // Re-import of the whole file: every row unchanged, still fast.
    std::fs::write(&path, &csv).unwrap();
    let started = Instant::now();
    let run = import(&db, "bugs", path.to_str().unwrap(), &["--format", "json"]);
    std::fs::remove_file(&path).ok();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (v["inserted"].as_u64(), v["unchanged"].as_u64()),
        (Some(0), Some(rows as u64))
    );
    println!(
        "re-imported {rows} unchanged rows in {:.2} s",
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test]
async fn a_database_error_imports_nothing_and_is_logged() {
    let (db, _) = with_sample_projects().await;
    // Something the validator cannot know about: a rule added by another team.
    sqlx::query(
        "ALTER TABLE bugs ADD CONSTRAINT no_wishlists CHECK (title NOT ILIKE '%wishlist%')",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let csv = "bugNumber,title,severity\nBUG-1,Cart empties itself,high\nBUG-2,Wishlist lost,low\n";
    let run = ctodash(
        &db,
        &["import", "csv", "--kind", "bugs", "-"],
        &[],
        Some(csv.as_bytes()),
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("error: the database rejected the import, so nothing was imported")
            && run.stderr.contains("no_wishlists"),
        "{}",
        run.stderr
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM bugs").await,
        0,
        "not even the good row"
    );
    let logs = logs(&db.pool).await;
    let log = logs.last().unwrap();
    assert_eq!((log.records_imported, log.records_failed), (0, 2));
    assert!(log.errors[0].contains("no_wishlists"), "{:?}", log.errors);

    // Over-long titles are caught before the database sees them.
    let long = format!("bugNumber,title,severity\nBUG-3,{},low\n", "x".repeat(501));
    let run = ctodash(
        &db,
        &["import", "csv", "--kind", "bugs", "-"],
        &[],
        Some(long.as_bytes()),
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stdout
            .contains("line 2, column title: is 501 characters long: at most 500"),
        "{}",
        run.stdout
    );
}
