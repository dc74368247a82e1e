//! `ctodash import csv --kind projects` through the real binary against a real
//! database: the sample projects file checked field by field (tags as a list
//! or a `{…}` literal, bare dates, empty money cells as NULL, negative ROI,
//! margin and valuation); bad project rows skipped and reported by line and
//! column while the good ones are imported; and names that cannot say which
//! project a row means: two existing projects with the same name (for a
//! project row or a bug's projectName) and two rows naming the same project.

#[path = "common/import.rs"]
mod import_common;

use chrono::{DateTime, Utc};
use ctodash::db::testing::TestDb;
use import_common::{
    add_user, count, csv_asset as asset, ctodash, import, logs, project_names, utc,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

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
