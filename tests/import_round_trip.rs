//! Exports import back, and imports never silently undo newer work, run as the
//! real binary on a seeded database: `bugs list --format csv` and `projects
//! list --format csv` re-imported change nothing (no version bump, no history,
//! no audit row); a row whose bug changed after the export is a conflict (not
//! applied, named with who changed what, exit 2) unless `--overwrite`; every
//! change to an existing bug leaves an `audit_log` row; a file without a
//! version column says no conflict check was possible.

#[path = "common/cli.rs"]
mod cli;

use cli::{Cli, Run, count, seeded};
use ctodash::db::testing::TestDb;
use uuid::Uuid;

fn temp_csv(text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("ctodash-rt-{}.csv", Uuid::new_v4().simple()));
    std::fs::write(&path, text).expect("write the exported file");
    path
}

async fn export_bugs(cli: &Cli) -> String {
    cli.run(&[
        "bugs", "list", "--status", "all", "--limit", "0", "--format", "csv",
    ])
    .await
    .ok()
    .stdout
}

async fn import(cli: &Cli, kind: &str, text: &str, extra: &[&str]) -> Run {
    let path = temp_csv(text);
    let mut args = vec!["import", "csv", "--kind", kind];
    args.extend_from_slice(extra);
    let p = path.to_str().expect("utf-8 path").to_owned();
    args.push(&p);
    let run = cli.run(&args).await;
    std::fs::remove_file(&path).ok();
    run
}

/// Everything a re-import must leave as it was.
async fn fingerprint(db: &TestDb) -> (i64, i64, i64, i64, String) {
    (
        count(db, "SELECT sum(version)::bigint FROM bugs").await,
        count(db, "SELECT count(*) FROM bug_history").await,
        count(db, "SELECT count(*) FROM audit_log").await,
        count(db, "SELECT count(*) FROM bugs").await,
        sqlx::query_scalar("SELECT md5(string_agg(p::text, '|' ORDER BY p.id)) FROM projects p")
            .fetch_one(&db.pool)
            .await
            .unwrap(),
    )
}

/// The export's rows with their line numbers (a title may hold a newline).
fn rows_with_lines(text: &str) -> Vec<(u64, csv::StringRecord)> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        out.push((rec.position().unwrap().line(), rec));
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn exports_import_back_unchanged() {
    let (db, cli) = seeded().await;
    // A shared display name and a shared project name: the export's email and
    // project id columns must still say which one.
    sqlx::query(
        "UPDATE users SET name = 'Sam Lee' WHERE id IN (SELECT id FROM users ORDER BY id LIMIT 2)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE projects SET name = 'Twin' WHERE id IN \
         (SELECT id FROM projects ORDER BY id LIMIT 2)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let before = fingerprint(&db).await;

    let bugs = export_bugs(&cli).await;
    assert!(bugs.lines().count() > 2_000, "every bug exported");
    let run = import(&cli, "bugs", &bugs, &[]).await.ok();
    assert!(
        run.stdout.contains("(0 new, 0 updated, 2,000 unchanged)"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Warnings:"), "{}", run.stdout);
    assert!(!run.stdout.contains("no version column"), "{}", run.stdout);

    let projects = cli
        .run(&["projects", "list", "--format", "csv"])
        .await
        .ok()
        .stdout;
    let run = import(&cli, "projects", &projects, &[]).await.ok();
    assert!(
        run.stdout.contains("(0 new, 0 updated, 12 unchanged)"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Warnings:"), "{}", run.stdout);
    assert_eq!(fingerprint(&db).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bug_changed_since_the_export_is_a_conflict_unless_overwrite() {
    let (db, cli) = seeded().await;
    let bugs = export_bugs(&cli).await;
    let rows = rows_with_lines(&bugs);
    let pending = rows
        .iter()
        .find(|(_, r)| &r[2] == "pending")
        .expect("a pending bug")
        .clone();
    let edited = rows
        .iter()
        .find(|(_, r)| r[0] != pending.1[0])
        .expect("another bug")
        .clone();
    let (conflict_line, conflict_bug) = (pending.0, pending.1[0].to_owned());
    let edited_bug = edited.1[0].to_owned();

    // Someone moves the pending bug on after the export.
    let (who, who_name): (Uuid, String) =
        sqlx::query_as("SELECT id, name FROM users ORDER BY email LIMIT 1")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let mut tx = db.pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('ctodash.actor', $1, true)")
        .bind(who.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE bugs SET status = 'in_progress' WHERE bug_number = $1")
        .bind(&conflict_bug)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // The file edits another bug's title.
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut rdr = csv::Reader::from_reader(bugs.as_bytes());
    w.write_record(rdr.headers().unwrap()).unwrap();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let mut cells: Vec<String> = rec.iter().map(str::to_owned).collect();
        if cells[0] == edited_bug {
            cells[3] = "Retitled in the spreadsheet".into();
        }
        w.write_record(&cells).unwrap();
    }
    let file = String::from_utf8(w.into_inner().unwrap()).unwrap();

    let version_of = |n: String| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT version FROM bugs WHERE bug_number = $1")
                .bind(n)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let conflict_version = version_of(conflict_bug.clone()).await;
    let run = import(&cli, "bugs", &file, &[]).await;
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let expected = format!(
        "line {conflict_line}, {conflict_bug}: changed since this file was exported \
         (status pending → in_progress by {who_name} "
    );
    assert!(run.stdout.contains(&expected), "{expected}\n{}", run.stdout);
    assert!(
        run.stdout.contains("(0 new, 1 updated, 1,998 unchanged)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("--overwrite"), "{}", run.stdout);
    // The newer edit stands; the other row was applied, with its audit row.
    assert_eq!(version_of(conflict_bug.clone()).await, conflict_version);
    let status: String = sqlx::query_scalar("SELECT status::text FROM bugs WHERE bug_number = $1")
        .bind(&conflict_bug)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(status, "in_progress");
    let audit: Vec<(String, serde_json::Value, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT action, details, ip_address, user_agent FROM audit_log ORDER BY created_at",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    let (action, details, ip, agent) = &audit[0];
    assert_eq!(action, "bug.imported");
    assert_eq!(details["bug_number"], edited_bug.as_str());
    assert_eq!(
        details["changes"]["title"]["new"],
        "Retitled in the spreadsheet"
    );
    assert_eq!(details["changes"]["title"]["old"], edited.1[3]);
    assert_eq!(details["changes"].as_object().unwrap().len(), 1);
    let log_id: Uuid = sqlx::query_scalar("SELECT id FROM import_logs")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(details["import_id"], log_id.to_string());
    assert!(ip.as_deref().is_some_and(|a| !a.is_empty()));
    assert!(agent.as_deref().is_some_and(|a| a.starts_with("ctodash/")));

    // --overwrite applies it, says so, and audits it as overwriting.
    let run = import(&cli, "bugs", &file, &["--overwrite"]).await.ok();
    assert!(
        run.stdout.contains("applied anyway (--overwrite)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
    let status: String = sqlx::query_scalar("SELECT status::text FROM bugs WHERE bug_number = $1")
        .bind(&conflict_bug)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(status, "pending");
    let overwrote: serde_json::Value =
        sqlx::query_scalar("SELECT details FROM audit_log WHERE details->>'bug_number' = $1")
            .bind(&conflict_bug)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(overwrote["overwrote_newer"], true);
    assert_eq!(overwrote["changes"]["status"]["old"], "in_progress");
    assert_eq!(overwrote["changes"]["status"]["new"], "pending");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_version_column_the_report_says_no_check_was_possible() {
    let (db, cli) = seeded().await;
    let number: String = sqlx::query_scalar("SELECT bug_number FROM bugs ORDER BY id LIMIT 1")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let file = format!("bugNumber,title,severity\n{number},Renamed by a script,low\n");
    let run = import(&cli, "bugs", &file, &[]).await.ok();
    assert!(
        run.stdout
            .contains("no version column: changes were applied without checking for newer edits"),
        "{}",
        run.stdout
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_log WHERE action = 'bug.imported'"
        )
        .await,
        1
    );
}
