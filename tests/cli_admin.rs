//! `ctodash projects list`, `ctodash snapshot` and `ctodash doctor`, run as the
//! real binary against real databases and checked against plain SQL.

#[path = "common/cli.rs"]
mod cli;

use chrono::{Datelike, Months, NaiveDate, Utc};
use cli::{Cli, count, seeded};
use ctodash::commands::projects::CSV_HEADER;
use ctodash::db::testing::TestDb;
use serde_json::Value;
use std::collections::BTreeMap;

#[tokio::test(flavor = "multi_thread")]
async fn projects_list_matches_the_database() {
    let (db, cli) = seeded().await;
    let open: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT p.name, count(b.id), \
                count(b.id) FILTER (WHERE b.severity = 'critical'), \
                count(b.id) FILTER (WHERE b.is_blocker) \
         FROM projects p LEFT JOIN bugs b ON b.project_id = p.id \
              AND b.status IN ('pending', 'in_progress', 'verified', 'deferred') \
         GROUP BY p.name ORDER BY p.name",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(open.len(), 12);

    let out = cli.run(&["projects", "list"]).await.ok().stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1 + 12 + 1, "{out}");
    for col in [
        "Project",
        "Status",
        "ROI",
        "Valuation",
        "ARR",
        "Infra/mo",
        "Milestones",
        "Open",
        "Crit",
        "Blk",
        "Risk",
        "Health",
    ] {
        assert!(lines[0].contains(col), "{col} in {}", lines[0]);
    }
    for (name, ..) in &open {
        assert!(
            lines[1..13].iter().any(|l| l.starts_with(name.as_str())),
            "{name} in\n{out}"
        );
    }
    assert!(
        lines[13].starts_with("12 projects (riskiest first"),
        "{out}"
    );

    let json = cli
        .run(&["projects", "list", "--format", "json"])
        .await
        .ok()
        .stdout;
    let rows: Vec<Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.len(), 12);
    let by_name: BTreeMap<&str, &Value> = rows
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r))
        .collect();
    for (name, n, crit, blk) in &open {
        let r = by_name[name.as_str()];
        assert_eq!(
            (&r["open_bugs"], &r["critical_bugs"], &r["blocker_bugs"]),
            (&Value::from(*n), &Value::from(*crit), &Value::from(*blk)),
            "{name}"
        );
        let level = r["risk_level"].as_str().unwrap();
        assert!(["low", "medium", "high", "critical"].contains(&level));
        assert!((0.0..=100.0).contains(&r["risk_score"].as_f64().unwrap()));
    }
    let scores: Vec<f64> = rows
        .iter()
        .map(|r| r["risk_score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "riskiest first: {scores:?}"
    );
    let (name, valuation, infra): (String, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT name, dcf_valuation::text, monthly_infra_cost::text FROM projects ORDER BY name LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let r = by_name[name.as_str()];
    assert_eq!(r["dcf_valuation"].as_str(), valuation.as_deref());
    assert_eq!(r["monthly_infra_cost"].as_str(), infra.as_deref());

    let csv_out = cli
        .run(&["projects", "list", "--format", "csv"])
        .await
        .ok()
        .stdout;
    let mut reader = csv::Reader::from_reader(csv_out.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        &csv::StringRecord::from(CSV_HEADER.to_vec())
    );
    assert_eq!(reader.records().map(Result::unwrap).count(), 12);
}

async fn metrics(db: &TestDb) -> (Vec<String>, Vec<String>) {
    let monthly =
        sqlx::query_scalar("SELECT row_to_json(m)::text FROM monthly_metrics m ORDER BY month")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let portfolio = sqlx::query_scalar(
        "SELECT row_to_json(p)::text FROM portfolio_metrics p ORDER BY snapshot_date",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    (monthly, portfolio)
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshot_upserts_idempotently_and_checks_the_month() {
    let (db, cli) = seeded().await;
    sqlx::raw_sql("DELETE FROM monthly_metrics; DELETE FROM portfolio_metrics")
        .execute(&db.pool)
        .await
        .unwrap();
    let now = Utc::now();
    let this_month = NaiveDate::from_ymd_opt(now.year(), now.month(), 1).unwrap();
    let last_month = this_month - Months::new(1);
    let today = now.date_naive();

    let out = cli.run(&["snapshot"]).await.ok().stdout;
    assert!(
        out.starts_with(&format!(
            "monthly_metrics {} (month to date",
            this_month.format("%Y-%m")
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("portfolio_metrics {today} (UTC): 12 projects")),
        "{out}"
    );
    let m = format!("--month={}", last_month.format("%Y-%m"));
    let out = cli.run(&["snapshot", &m]).await.ok().stdout;
    assert!(
        out.starts_with(&format!(
            "monthly_metrics {} (whole month)",
            last_month.format("%Y-%m")
        )),
        "{out}"
    );

    let first = metrics(&db).await;
    assert_eq!((first.0.len(), first.1.len()), (2, 1), "{first:?}");

    // Again: the same rows, value for value (ids and created_at included).
    cli.run(&["snapshot"]).await.ok();
    cli.run(&["snapshot", &m]).await.ok();
    assert_eq!(metrics(&db).await, first);

    // The values are the live tables' figures.
    let (created, resolved, total): (i32, i32, i32) = sqlx::query_as(
        "SELECT bugs_created, bugs_resolved, total_bugs FROM monthly_metrics WHERE month = $1",
    )
    .bind(last_month)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let sql_created: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM bugs WHERE created_at >= $1::date AND created_at < $2::date",
    )
    .bind(last_month)
    .bind(this_month)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let sql_resolved: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM bugs WHERE resolved_at >= $1::date AND resolved_at < $2::date",
    )
    .bind(last_month)
    .bind(this_month)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let sql_open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM bugs WHERE created_at < $1::date \
         AND (resolved_at IS NULL OR resolved_at >= $1::date)",
    )
    .bind(this_month)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        (i64::from(created), i64::from(resolved), i64::from(total)),
        (sql_created, sql_resolved, sql_open)
    );
    let (projects, shipped): (i32, i32) = sqlx::query_as(
        "SELECT total_projects, shipped_projects FROM portfolio_metrics WHERE snapshot_date = $1",
    )
    .bind(today)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        i64::from(projects),
        count(&db, "SELECT count(*) FROM projects").await
    );
    assert_eq!(
        i64::from(shipped),
        count(
            &db,
            "SELECT count(*) FROM projects WHERE status = 'shipped'"
        )
        .await
    );

    // Bad input: nothing written, one paragraph, exit 1.
    let next = this_month + Months::new(1);
    let cases: [(String, &[&str]); 4] = [
        (
            "--month=2026-13".into(),
            &["\"2026-13\" is not a month", "YYYY-MM"],
        ),
        ("--month=last month".into(), &["is not a month", "YYYY-MM"]),
        ("--month=2026/10".into(), &["is not a month"]),
        (
            format!("--month={}", next.format("%Y-%m")),
            &["is in the future"],
        ),
    ];
    for (arg, needles) in cases {
        cli.run(&["snapshot", &arg]).await.fails_with(1, needles);
    }
    cli.run(&["snapshot", "--read-only"])
        .await
        .fails_with(1, &["read-only"]);
    assert_eq!(metrics(&db).await, first);
}

fn doctor_lines(stdout: &str) -> Vec<&str> {
    let lines: Vec<&str> = stdout.lines().collect();
    let (checks, summary) = lines.split_at(lines.len() - 1);
    assert!(summary[0].contains(" checks: "), "{stdout}");
    checks.to_vec()
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_on_a_fresh_database_is_healthy() {
    let db = TestDb::new().await;
    let cli = Cli::new(db.url());
    let run = cli.run(&["doctor"]).await.ok();
    let lines = doctor_lines(&run.stdout);
    for name in [
        "connection",
        "server version",
        "schema",
        "extensions",
        "indexes",
        "bug_stats",
        "clock",
        "write access",
    ] {
        assert!(
            lines.iter().any(|l| l[6..].starts_with(name)),
            "a {name} line in\n{}",
            run.stdout
        );
    }
    for l in &lines {
        assert!(l.starts_with("ok    ") || l.starts_with("warn  "), "{l}");
    }
    let find = |name: &str| *lines.iter().find(|l| l[6..].starts_with(name)).unwrap();
    assert!(
        find("connection").contains("found via the configured database URL"),
        "{}",
        run.stdout
    );
    assert!(find("extensions").contains("pg_trgm"));
    assert!(find("schema").starts_with("ok"));
    assert!(find("indexes").contains("all ") && find("indexes").starts_with("ok"));
    assert!(find("write access").contains("no user is set"));
    assert!(run.stdout.ends_with("0 failures\n"), "{}", run.stdout);

    // Read-only inspection: nothing was created or changed.
    assert_eq!(count(&db, "SELECT count(*) FROM bug_stats").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_reports_a_missing_index_and_fails() {
    let db = TestDb::new().await;
    let cli = Cli::new(db.url());
    sqlx::query("DROP INDEX bugs_open_priority_idx")
        .execute(&db.pool)
        .await
        .unwrap();
    let run = cli.run(&["doctor"]).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let lines = doctor_lines(&run.stdout);
    let line = lines
        .iter()
        .find(|l| l.starts_with("fail  indexes"))
        .expect("a failing indexes line");
    assert!(line.contains("1 of "), "{line}");
    assert!(
        line.contains("missing: bugs_open_priority_idx on bugs"),
        "{line}"
    );
    assert!(
        line.contains("fix: recreate with psql: CREATE INDEX bugs_open_priority_idx ON bugs"),
        "{line}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("fail")).count(),
        1,
        "{}",
        run.stdout
    );
    run.fails_with(1, &["doctor found 1 problem (indexes)"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_warns_about_drifted_stats_and_fails_on_an_unknown_user() {
    let db = TestDb::new().await;
    let cli = Cli::new(db.url());
    sqlx::query("INSERT INTO bug_stats (severity, status, is_blocker, bug_count) VALUES ('low', 'pending', false, 3)")
        .execute(&db.pool)
        .await
        .unwrap();
    let run = cli.run(&["doctor", "--user", "ghost@example.com"]).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let lines = doctor_lines(&run.stdout);
    let stats = lines
        .iter()
        .find(|l| l[6..].starts_with("bug_stats"))
        .unwrap();
    assert!(stats.starts_with("warn"), "{stats}");
    assert!(stats.contains("bug_stats counts 3, bugs has 0"), "{stats}");
    assert!(
        stats.contains("fix: run `SELECT bug_stats_rebuild();`"),
        "{stats}"
    );
    let user = lines
        .iter()
        .find(|l| l[6..].starts_with("write access"))
        .unwrap();
    assert!(user.starts_with("fail"), "{user}");
    assert!(
        user.contains("ghost@example.com is not in the users table"),
        "{user}"
    );
    run.fails_with(1, &["doctor found 1 problem (write access)"]);
    // Nothing was repaired behind the user's back.
    assert_eq!(count(&db, "SELECT count(*) FROM bug_stats").await, 1);
}

#[tokio::test]
async fn every_command_has_help_with_examples() {
    let cli = Cli::new("postgres://unused@localhost/unused".into());
    for cmd in [
        &["bugs", "list"][..],
        &["bugs", "show"],
        &["bugs", "set-status"],
        &["bugs", "set"],
        &["bugs", "new"],
        &["bugs", "comment"],
        &["projects", "list"],
        &["snapshot"],
        &["doctor"],
    ] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let help = cli.run(&args).await.ok().stdout;
        assert!(help.contains("Examples:\n  ctodash "), "{cmd:?}:\n{help}");
    }
    // Help is wrapped to the terminal: compare with whitespace collapsed.
    let flat = |s: String| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let help = flat(cli.run(&["bugs", "show", "--help"]).await.ok().stdout);
    assert!(
        help.contains("csv is one row of fields, without history"),
        "{help}"
    );
    let help = flat(cli.run(&["bugs", "set-status", "--help"]).await.ok().stdout);
    assert!(help.contains("running the same command again"), "{help}");
    let help = flat(cli.run(&["doctor", "--help"]).await.ok().stdout);
    assert!(
        help.contains("Exit code 0 when nothing failed, 1 otherwise"),
        "{help}"
    );
}
