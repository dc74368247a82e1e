//! Issue 14: the files the web dashboard (the product our database comes from)
//! documents and ships import as they are, through the real binary: its
//! documented bugs layout (no bug numbers: numbers are allocated, also by 8
//! imports at once), its 15-column bugs template (dated and zero-padded
//! numbers, resolvedAt on an open bug), `--create-users` and
//! `--create-projects`, and its GitHub-repositories CSV with and without a
//! header row. The files are the README's worked example in assets/csv/.

#[path = "common/import.rs"]
mod import_common;

use ctodash::cli::ImportKind;
use ctodash::commands::import::{CsvOptions, import_csv};
use ctodash::db::testing::TestDb;
use import_common::{count, csv_asset as asset, ctodash, import, with_sample_projects};
use std::collections::HashSet;

async fn bugs(db: &TestDb) -> Vec<(String, String, String, String)> {
    sqlx::query_as(
        "SELECT bug_number, title, severity::text, status::text FROM bugs \
         ORDER BY bug_number_key(bug_number), bug_number",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn documented_layout_gets_numbers_defaults_and_warns_about_reimport() {
    let (db, _) = with_sample_projects().await;
    // Dry run first, as the report suggests: nothing numbered, nothing written.
    let run = import(
        &db,
        "bugs",
        &asset("webdash_bugs.csv"),
        &["--dry-run", "--create-users", "--create-projects"],
    )
    .ok();
    run.says(&["cannot be matched on re-import"]);
    run.says(&["--create-users would create 1 user(s)"]);
    assert_eq!(count(&db, "SELECT count(*) FROM bugs").await, 0);
    assert_eq!(count(&db, "SELECT count(*) FROM users").await, 2);

    let run = import(
        &db,
        "bugs",
        &asset("webdash_bugs.csv"),
        &["--create-users", "--create-projects"],
    )
    .ok();
    run.says(&[
        "no bugNumber column: read as the web dashboard's documented bugs layout",
        "An empty severity is medium and an empty status pending",
        "importing it twice creates every bug twice (run with --dry-run first",
        "--create-users creates 1 user(s), role engineer: mira.okafor@example.com (Mira Okafor)",
        "--create-projects creates 1 project(s), status active: Billing Portal",
        "numbered the new bugs BUG-1001 to BUG-1004",
    ]);
    let rows = bugs(&db).await;
    let numbers: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(numbers, ["BUG-1001", "BUG-1002", "BUG-1003", "BUG-1004"]);
    // Only the title was given: the source product's defaults.
    assert_eq!(rows[1].1, "Search box loses focus after typing");
    assert_eq!(
        (rows[1].2.as_str(), rows[1].3.as_str()),
        ("medium", "pending")
    );
    assert_eq!(rows[3].3, "deferred");
    let (name, role): (String, String) = sqlx::query_as(
        "SELECT name, role::text FROM users WHERE email = 'mira.okafor@example.com'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((name.as_str(), role.as_str()), ("Mira Okafor", "engineer"));
    let (status, linked): (String, i64) = sqlx::query_as(
        "SELECT p.status::text, (SELECT count(*) FROM bugs b WHERE b.project_id = p.id) \
         FROM projects p WHERE p.name = 'Billing Portal'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), linked), ("active", 2));

    // As the report says: without numbers a second import creates them again
    // (the users and projects now exist, so nothing more is created).
    let run = import(&db, "bugs", &asset("webdash_bugs.csv"), &[]).ok();
    assert!(!run.stdout.contains("--create-users"), "{}", run.stdout);
    assert_eq!(count(&db, "SELECT count(*) FROM bugs").await, 8);
    assert_eq!(count(&db, "SELECT count(*) FROM users").await, 3);
    assert_eq!(count(&db, "SELECT count(*) FROM projects").await, 11);
}

#[tokio::test]
async fn without_the_flags_unknown_people_and_projects_stay_bad_rows_naming_the_flag() {
    let (db, _) = with_sample_projects().await;
    let run = import(&db, "bugs", &asset("webdash_bugs.csv"), &[]).exits(2);
    run.says(&[
        "line 2, column assigned_to_email: no user has the email \"mira.okafor@example.com\"; add \
         the user first, leave the cell empty, or import with --create-users to create it",
        "line 2, column project_name: no project is named \"Billing Portal\"; import the project \
         first, leave the cell empty, or import with --create-projects to create it",
        "line 5, column project_name: no project is named \"Billing Portal\"",
    ]);
    assert_eq!(count(&db, "SELECT count(*) FROM bugs").await, 2);
    assert_eq!(count(&db, "SELECT count(*) FROM users").await, 2);
    assert_eq!(count(&db, "SELECT count(*) FROM projects").await, 10);
}

#[tokio::test]
async fn template_keeps_number_forms_and_imports_resolved_at_on_open_bugs_with_a_warning() {
    let (db, _) = with_sample_projects().await;
    let flags = ["--create-users", "--create-projects"];
    let run = import(&db, "bugs", &asset("webdash_template.csv"), &flags).ok();
    run.says(&[
        "line 3, column resolvedAt: is set but status verified is open; the date was \
             ignored and the bug imported as verified",
    ]);
    let numbers: Vec<String> = bugs(&db).await.into_iter().map(|r| r.0).collect();
    assert_eq!(
        numbers,
        [
            // Equal values (all three are 1) fall back to the text.
            "BUG-00001",
            "BUG-0001",
            "BUG-001",
            "BUG-202511-0001",
            "BUG-202511-0002",
        ]
    );
    let open_resolved: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM bugs WHERE bug_number = 'BUG-202511-0002' AND resolved_at IS NULL",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(open_resolved, 1);
    // The CLI finds a dated number as written, and a padded one by its value.
    let show = ctodash(
        &db,
        &["bugs", "show", "bug-202511-0002", "--format", "csv"],
        &[],
        None,
    )
    .ok();
    show.says(&["BUG-202511-0002"]);
    let show = ctodash(&db, &["bugs", "show", "BUG-1"], &[], None).ok();
    show.says(&["BUG-0"]);
    let show = ctodash(&db, &["bugs", "show", "BUG-202511-0009"], &[], None);
    show.fails_with(1, &["there is no bug BUG-202511-0009"]);
    // Numbers are kept as written, so a re-import matches every row.
    let run = import(&db, "bugs", &asset("webdash_template.csv"), &[]).ok();
    run.says(&["(0 new, 0 updated, 5 unchanged)"]);
    assert_eq!(count(&db, "SELECT count(*) FROM bugs").await, 5);
}

#[tokio::test]
async fn with_a_number_column_an_empty_number_is_still_a_bad_row() {
    let (db, _) = with_sample_projects().await;
    let file = "bugNumber,title,severity\n,No number here,low\nBUG-7,Numbered,low\n";
    let run = ctodash(
        &db,
        &["import", "csv", "--kind", "bugs", "-"],
        &[],
        Some(file.as_bytes()),
    )
    .exits(2);
    run.says(&["line 2, column bugNumber: is required but empty"]);
    let numbers: Vec<String> = bugs(&db).await.into_iter().map(|r| r.0).collect();
    assert_eq!(numbers, ["BUG-7"]);
}

#[tokio::test]
async fn eight_parallel_numberless_imports_never_collide() {
    let db = TestDb::new().await;
    let mut file = String::from("title\n");
    for i in 0..25 {
        file.push_str(&format!("Parallel bug {i}\n"));
    }
    let opts = CsvOptions {
        kind: ImportKind::Bugs,
        dry_run: false,
        all_or_nothing: false,
        overwrite: false,
        actor: None,
    };
    let mut tasks = Vec::new();
    for n in 0..8 {
        let (pool, opts, file) = (db.pool.clone(), opts.clone(), file.clone());
        tasks.push(tokio::spawn(async move {
            import_csv(&pool, &format!("parallel-{n}.csv"), file.as_bytes(), &opts)
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        let report = t.await.unwrap();
        assert_eq!((report.inserted, report.bad_rows), (25, 0), "{report:?}");
        assert!(report.fatal.is_none(), "{report:?}");
    }
    let numbers: Vec<String> = sqlx::query_scalar("SELECT bug_number FROM bugs")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(numbers.len(), 200);
    assert_eq!(numbers.iter().collect::<HashSet<_>>().len(), 200);
}

#[tokio::test]
async fn allocation_skips_numbers_already_taken() {
    let db = TestDb::new().await;
    let taken = "bugNumber,title,severity\nBUG-1001,Taken,low\nBUG-01002,Taken too,low\n";
    ctodash(
        &db,
        &["import", "csv", "--kind", "bugs", "-"],
        &[],
        Some(taken.as_bytes()),
    )
    .ok();
    ctodash(
        &db,
        &["import", "csv", "--kind", "bugs", "-"],
        &[],
        Some(b"title\nNew one\n"),
    )
    .ok();
    let new: String = sqlx::query_scalar("SELECT bug_number FROM bugs WHERE title = 'New one'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(new, "BUG-1003");
}

async fn repos(
    db: &TestDb,
) -> Vec<(
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
)> {
    sqlx::query_as(
        "SELECT name, github_url, demo_url, description, status::text FROM projects ORDER BY name",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn github_repositories_csv_with_and_without_header() {
    let db = TestDb::new().await;
    // Known by URL (as the source product stored it) and already shipped.
    sqlx::query(
        "INSERT INTO projects (name, github_url, status) \
         VALUES ('Atlas', 'https://github.com/acme/atlas-maps', 'shipped')",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let run = import(&db, "projects", &asset("webdash_repos.csv"), &[]).ok();
    run.says(&["read as the web dashboard's GitHub-repositories layout (no header row)"]);
    run.says(&["rows         3"]);
    let expected = vec![
        (
            "atlas-maps".to_string(),
            Some("https://github.com/acme/atlas-maps".to_string()),
            Some("https://atlas.example.com".to_string()),
            Some("Vector map tiles for the storefront".to_string()),
            "shipped".to_string(),
        ),
        (
            "billing-portal".into(),
            Some("https://github.com/acme/billing-portal".into()),
            None,
            Some("Invoices, credit notes and dunning".into()),
            "active".into(),
        ),
        (
            "ledger-sync".into(),
            Some("https://github.com/acme/ledger-sync".into()),
            None,
            Some("Nightly ledger export".into()),
            "active".into(),
        ),
    ];
    assert_eq!(repos(&db).await, expected);

    let run = import(&db, "projects", &asset("webdash_repos_header.csv"), &[]).ok();
    run.says(&["layout (with a header row)"]);
    run.says(&["rows         3"]);
    assert_eq!(repos(&db).await, expected);
}

/// The README's worked example ("Coming from the web dashboard"), command by
/// command, on the database it describes.
#[tokio::test]
async fn readme_worked_example() {
    let (db, _) = with_sample_projects().await;
    let run = import(&db, "projects", &asset("webdash_repos.csv"), &[]).ok();
    run.says(&["(3 new, 0 updated"]);
    let run = import(&db, "projects", &asset("webdash_repos_header.csv"), &[]).ok();
    run.says(&["(0 new,"]);
    let flags = ["--create-users", "--create-projects"];
    let dry = ["--dry-run", "--create-users", "--create-projects"];
    import(&db, "bugs", &asset("webdash_bugs.csv"), &dry).ok();
    let run = import(&db, "bugs", &asset("webdash_bugs.csv"), &flags).ok();
    run.says(&[
        "--create-users creates 1 user(s), role engineer: mira.okafor@example.com (Mira Okafor)",
        "--create-projects creates 1 project(s), status active: Billing Portal",
        "numbered the new bugs BUG-1001 to BUG-1004",
    ]);
    let run = import(&db, "bugs", &asset("webdash_template.csv"), &flags).ok();
    run.says(&["line 3, column resolvedAt: is set but status verified is open"]);
    assert_eq!(count(&db, "SELECT count(*) FROM bugs").await, 9);
}

/// The dashboard's keyset cursor computes the number's sort key in Rust; it
/// must agree with the database's `bug_number_key` for every form.
#[tokio::test]
async fn rust_and_sql_agree_on_the_number_sort_key() {
    let db = TestDb::new().await;
    for n in [
        "BUG-1",
        "BUG-0042",
        "BUG-1001",
        "BUG-00001",
        "BUG-202511-0001",
        "BUG-999999999-999999999",
        "BUG-4294967295",
    ] {
        let sql: i64 = sqlx::query_scalar("SELECT bug_number_key($1)")
            .bind(n)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(ctodash::domain::bug_number::sort_key(n), Some(sql), "{n}");
    }
}
