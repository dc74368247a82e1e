//! `ctodash import github --file` against a real database, reading the recorded
//! "list repositories" JSON in assets/github/ (or stdin): repositories upserted
//! as projects (existing ones matched by URL keep their name), today's
//! project_metrics rows with a health score from push recency, the
//! import_logs row, a re-import that archives a project, bad repositories
//! skipped and reported, a file that is not a repository list, and a dry run.
//! The API path (`--org`) is in import_github_api.rs.

#[path = "common/import.rs"]
mod import_common;

use chrono::{DateTime, Utc};
use ctodash::commands::import::github::health_score;
use ctodash::db::testing::TestDb;
use import_common::{count, ctodash, github_asset as asset, import, logs, project_names, utc};
use sqlx::PgPool;

#[derive(Debug, sqlx::FromRow, PartialEq)]
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
}

async fn project(pool: &PgPool, url: &str) -> P {
    sqlx::query_as(
        "SELECT name, description, github_url, demo_url, language, tags, stars, forks, \
         last_commit, status::text AS status FROM projects WHERE github_url = $1",
    )
    .bind(url)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn file_import_upserts_projects_and_todays_metrics() {
    let db = TestDb::new().await;
    // Two of the six repositories are already projects (from the CSV sample).
    let run = import(&db, "projects", "assets/csv/projects_sample.csv", &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    let run = ctodash(
        &db,
        &["import", "github", "--file", "assets/github/repos.json"],
        &[],
        None,
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("Import: projects from GitHub from assets/github/repos.json"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("repositories 6"), "{}", run.stdout);
    assert!(
        run.stdout.contains("imported     6  (4 new, 2 updated)"),
        "{}",
        run.stdout
    );
    assert_eq!(project_names(&db.pool).await.len(), 14);

    // Existing: the name people gave it is kept; GitHub's counters, topics and
    // description replace the stored ones; an empty homepage keeps demo_url.
    assert_eq!(
        project(&db.pool, "https://github.com/northwind-labs/storefront-web").await,
        P {
            name: "Storefront Web".into(),
            description: Some("Customer-facing shop: catalogue, cart and checkout".into()),
            github_url: Some("https://github.com/northwind-labs/storefront-web".into()),
            demo_url: Some("https://shop.northwind.example".into()),
            language: Some("TypeScript".into()),
            tags: vec!["checkout".into(), "nextjs".into(), "web".into()],
            stars: 431,
            forks: 59,
            last_commit: Some(utc(2025, 5, 2, 8, 14, 51)),
            status: "active".into(),
        }
    );
    let payments = project(&db.pool, "https://github.com/northwind-labs/payments-core").await;
    assert_eq!((payments.stars, payments.demo_url), (201, None));
    assert_eq!(
        payments.description.as_deref(),
        Some("Card, wallet and bank-transfer processing")
    );
    // New: active, or deferred when archived; nulls stay null.
    assert_eq!(
        project(&db.pool, "https://github.com/northwind-labs/design-system").await,
        P {
            name: "design-system".into(),
            description: Some("Shared React components and tokens".into()),
            github_url: Some("https://github.com/northwind-labs/design-system".into()),
            demo_url: Some("https://design.northwind.example".into()),
            language: Some("TypeScript".into()),
            tags: vec!["react".into(), "design-system".into(), "storybook".into()],
            stars: 96,
            forks: 11,
            last_commit: Some(utc(2025, 4, 29, 12, 0, 0)),
            status: "active".into(),
        }
    );
    assert_eq!(
        project(&db.pool, "https://github.com/northwind-labs/legacy-admin")
            .await
            .status,
        "deferred"
    );
    let docs = project(&db.pool, "https://github.com/northwind-labs/docs-site").await;
    assert_eq!(
        (docs.description, docs.language, docs.demo_url),
        (None, None, None)
    );
    assert!(docs.tags.is_empty());

    // One metrics row per project for today, health from push recency.
    let today = Utc::now().date_naive();
    let metrics: Vec<(String, Option<i32>, Vec<String>, i32)> = sqlx::query_as(
        "SELECT p.name, m.health_score, m.tech_stack, m.commits_count FROM project_metrics m \
         JOIN projects p ON p.id = m.project_id WHERE m.date = $1 ORDER BY p.name",
    )
    .bind(today)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(metrics.len(), 6);
    let now = Utc::now();
    let expect = |name: &str, pushed: DateTime<Utc>, archived: bool| {
        let m = metrics.iter().find(|m| m.0 == name).unwrap();
        assert_eq!(m.1, Some(health_score(pushed, archived, now)), "{name}");
        m.2.clone()
    };
    assert_eq!(
        expect("Storefront Web", utc(2025, 5, 2, 8, 14, 51), false),
        ["TypeScript"]
    );
    assert_eq!(
        expect("legacy-admin", utc(2023, 6, 30, 9, 0, 0), true),
        ["PHP"]
    );
    assert!(expect("docs-site", utc(2025, 2, 10, 16, 20, 0), false).is_empty());
    assert_eq!(
        health_score(now - chrono::Duration::days(3), false, now),
        97
    );

    // The log row.
    let logs = logs(&db.pool).await;
    let log = logs.last().unwrap();
    assert_eq!(
        (
            log.source.as_str(),
            log.records_imported,
            log.records_failed
        ),
        ("github", 6, 0)
    );
    let meta = &log.metadata;
    assert_eq!(meta["file"], "assets/github/repos.json");
    assert_eq!(meta["inserted"], 4);
    assert_eq!(meta["updated"], 2);
    assert_eq!(meta["sha256"].as_str().map(str::len), Some(64));

    // Again, with storefront-web archived (through stdin): no new projects or
    // metrics rows; the active project becomes deferred.
    let edited = asset("repos.json").replacen("\"archived\": false", "\"archived\": true", 1);
    let run = ctodash(
        &db,
        &["import", "github", "--file", "-"],
        &[],
        Some(edited.as_bytes()),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("(0 new, 6 updated)"), "{}", run.stdout);
    assert_eq!(project_names(&db.pool).await.len(), 14);
    assert_eq!(count(&db, "SELECT count(*) FROM project_metrics").await, 6);
    assert_eq!(
        project(&db.pool, "https://github.com/northwind-labs/storefront-web")
            .await
            .status,
        "deferred"
    );
}

#[tokio::test]
async fn bad_repositories_are_skipped_and_reported() {
    let db = TestDb::new().await;
    let run = ctodash(
        &db,
        &[
            "import",
            "github",
            "--file",
            "assets/github/repos_with_problems.json",
        ],
        &[],
        None,
    );
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    for line in [
        "repo 2 \"no-url\", field html_url: is required but empty",
        "repo 3 \"broken-url\", field html_url: \"not a url\" is not a valid URL: it contains spaces",
        "repo 4 \"negative-stars\", field stargazers_count: -4 is out of range: must be 0 or more",
        "repo 5 \"search-indexer\", field html_url: is a duplicate of repo 1",
        "repo 6 \"bad-date\", field pushed_at: \"yesterday\" is not a date or time",
        "repo 7 \"\": is not a JSON object but a string",
        "repo 8 \"\", field name: is required but empty",
        "repo 1 \"search-indexer\": homepage \"search.northwind.example\" is not an http(s) URL, so demo_url was left as it was",
    ] {
        assert!(
            run.stdout.contains(line),
            "missing {line:?} in\n{}",
            run.stdout
        );
    }
    assert_eq!(project_names(&db.pool).await, ["search-indexer"]);

    // Not a repository list at all: fatal, logged.
    let run = ctodash(
        &db,
        &["import", "github", "--file", "-"],
        &[],
        Some(b"{\"message\": \"Bad credentials\"}"),
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("- is not a GitHub repository list: expected a JSON array"),
        "{}",
        run.stderr
    );
    let logs: Vec<(i32, i32)> = logs(&db.pool)
        .await
        .iter()
        .filter(|l| l.source == "github")
        .map(|l| (l.records_imported, l.records_failed))
        .collect();
    assert_eq!(logs, [(1, 7), (0, 0)]);

    // A dry run writes nothing.
    let run = ctodash(
        &db,
        &[
            "import",
            "github",
            "--dry-run",
            "--file",
            "assets/github/repos.json",
        ],
        &[],
        None,
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Dry run (nothing written)"));
    assert_eq!(project_names(&db.pool).await.len(), 1);
}
