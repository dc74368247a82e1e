//! CSV import throughput: the real importer (what `ctodash import csv` runs)
//! on a generated file of new bugs, then on the same file with every title
//! edited, each beside the loop a newcomer would write (parse, then one
//! statement per row in one transaction). Meanwhile a reader, as a dashboard
//! would, reads a page of open bugs every 50 ms; its worst wait is a figure of
//! its own. Everything the imports add is deleted afterwards, so a reused
//! benchmark database keeps its size.

use super::{Figure, Measure, Target};
use crate::cli::ImportKind;
use crate::commands::import::{CsvOptions, import_csv};
use crate::domain::{BugStatus, Severity};
use chrono::{DateTime, TimeDelta, Utc};
use sqlx::PgPool;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Rows in the imported file: the scale, capped so the figure stays quick.
const MAX_ROWS: usize = 100_000;
/// Rows the row-by-row baseline runs (its rate is steady long before this).
const MAX_BASELINE_ROWS: usize = 20_000;
/// Far above any seeded number (bug numbers are u32), so generated bugs never
/// collide with the demo's.
const IMPORT_BASE: u64 = 3_000_000_000;
const BASELINE_BASE: u64 = 3_500_000_000;

const HEADER: [&str; 9] = [
    "bugNumber",
    "title",
    "description",
    "severity",
    "status",
    "assignedTo",
    "projectName",
    "revenueImpact",
    "createdAt",
];

/// Names that make the generated rows look like the demo's.
struct Refs {
    emails: Vec<String>,
    projects: Vec<String>,
}

async fn refs(pool: &PgPool) -> sqlx::Result<Refs> {
    Ok(Refs {
        emails: sqlx::query_scalar("SELECT email FROM users ORDER BY email LIMIT 25")
            .fetch_all(pool)
            .await?,
        projects: sqlx::query_scalar("SELECT name FROM projects ORDER BY name LIMIT 50")
            .fetch_all(pool)
            .await?,
    })
}

fn record(refs: &Refs, base: u64, i: usize, edit: &str, now: DateTime<Utc>) -> [String; 9] {
    let severities = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];
    let statuses = [
        BugStatus::Pending,
        BugStatus::InProgress,
        BugStatus::Verified,
    ];
    let pick = |v: &[String]| v.get(i % v.len().max(1)).cloned().unwrap_or_default();
    [
        format!("BUG-{}", base + i as u64),
        format!("Checkout times out for cart {i}{edit}"),
        format!("Imported from the old tracker, row {i}; payment step, \"retry\" loops."),
        severities[i % 4].as_str().into(),
        statuses[i % 3].as_str().into(),
        pick(&refs.emails),
        pick(&refs.projects),
        format!("{}.50", i % 5000),
        (now - TimeDelta::minutes(i as i64)).to_rfc3339(),
    ]
}

fn csv_bytes(refs: &Refs, base: u64, rows: usize, edit: &str, now: DateTime<Utc>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).expect("in-memory CSV");
    for i in 0..rows {
        w.write_record(record(refs, base, i, edit, now))
            .expect("in-memory CSV");
    }
    w.into_inner().expect("in-memory CSV")
}

/// The newcomer's importer: parse the file, then one INSERT (or UPDATE) per
/// row, looking up the user and project by name, in one transaction.
async fn row_by_row(pool: &PgPool, bytes: &[u8], update: bool) -> sqlx::Result<usize> {
    const INSERT: &str = "INSERT INTO bugs (bug_number, title, description, severity, status, \
         assigned_to, project_id, revenue_impact_daily, created_at) \
         VALUES ($1, $2, $3, $4::bug_severity, $5::bug_status, \
         (SELECT id FROM users WHERE email = $6), (SELECT id FROM projects WHERE name = $7), \
         $8::numeric, $9::timestamptz)";
    const UPDATE: &str = "UPDATE bugs SET title = $2, description = $3, \
         severity = $4::bug_severity, status = $5::bug_status, \
         assigned_to = (SELECT id FROM users WHERE email = $6), \
         project_id = (SELECT id FROM projects WHERE name = $7), \
         revenue_impact_daily = $8::numeric, created_at = $9::timestamptz \
         WHERE bug_number = $1";
    let mut tx = pool.begin().await?;
    let mut rows = 0;
    for rec in csv::Reader::from_reader(bytes).records() {
        let rec = rec.map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        let mut q = sqlx::query(if update { UPDATE } else { INSERT });
        for cell in rec.iter() {
            q = q.bind(cell.to_owned());
        }
        q.execute(&mut *tx).await?;
        rows += 1;
    }
    tx.commit().await?;
    Ok(rows)
}

async fn ours(pool: &PgPool, bytes: &[u8]) -> sqlx::Result<f64> {
    let opts = CsvOptions {
        kind: ImportKind::Bugs,
        dry_run: false,
        overwrite: false,
        all_or_nothing: true,
        actor: None,
    };
    let started = Instant::now();
    let report = import_csv(pool, "bench.csv", bytes, &opts)
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("{e:#}")))?;
    let secs = started.elapsed().as_secs_f64();
    if let Some(fatal) = &report.fatal {
        return Err(sqlx::Error::Protocol(format!(
            "benchmark import failed: {fatal}"
        )));
    }
    if report.skipped > 0 {
        return Err(sqlx::Error::Protocol(format!(
            "benchmark import skipped {} rows: {:?}",
            report.skipped,
            report.errors.first()
        )));
    }
    Ok(report.rows as f64 / secs)
}

async fn baseline(pool: &PgPool, bytes: &[u8], update: bool) -> sqlx::Result<f64> {
    let started = Instant::now();
    let rows = row_by_row(pool, bytes, update).await?;
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}

/// The dashboard's first page, as a reader runs it during an import.
const READER_QUERY: &str = "SELECT id, bug_number, title FROM bugs \
     WHERE status IN ('pending', 'in_progress', 'verified', 'deferred') \
     ORDER BY priority_score DESC, id DESC LIMIT 100";
const READER_EVERY: Duration = Duration::from_millis(50);

/// Runs `work` while another connection reads a page every 50 ms; returns
/// `work`'s result and the reader's longest read in milliseconds (a read still
/// waiting when `work` ends counts with its wait so far).
async fn watched<T>(
    pool: &PgPool,
    work: impl Future<Output = sqlx::Result<T>>,
) -> sqlx::Result<(T, f64)> {
    let mut conn = pool.acquire().await?.detach();
    let stop = Arc::new(AtomicBool::new(false));
    let done = stop.clone();
    let reader = tokio::spawn(async move {
        let mut worst = Duration::ZERO;
        while !done.load(Ordering::Relaxed) {
            let started = Instant::now();
            sqlx::query(READER_QUERY).fetch_all(&mut conn).await?;
            worst = worst.max(started.elapsed());
            tokio::time::sleep(READER_EVERY).await;
        }
        Ok::<Duration, sqlx::Error>(worst)
    });
    let result = work.await;
    stop.store(true, Ordering::Relaxed);
    let worst = reader
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("the reader task failed: {e}")))??;
    Ok((result?, worst.as_secs_f64() * 1000.0))
}

fn rate(value: f64) -> Measure {
    Measure::Value {
        value,
        unit: "rows/s",
    }
}

async fn clean_up(pool: &PgPool, since: DateTime<Utc>) -> sqlx::Result<()> {
    let deleted = sqlx::query("DELETE FROM bugs WHERE bug_number ~ '^BUG-3[0-9]{9}$'")
        .execute(pool)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM import_logs WHERE \"timestamp\" >= $1")
        .bind(since)
        .execute(pool)
        .await?;
    // The figures after this one (and the next run) should not meet dead rows.
    if deleted > 0 {
        sqlx::query("VACUUM ANALYZE bugs").execute(pool).await?;
    }
    Ok(())
}

/// Import throughput for new rows and for an edited re-import.
pub async fn csv_import(pool: &PgPool, bugs: u64) -> sqlx::Result<Vec<Figure>> {
    let since = Utc::now();
    let rows = (bugs as usize).min(MAX_ROWS);
    let base_rows = rows.min(MAX_BASELINE_ROWS);
    let refs = refs(pool).await?;
    let now = Utc::now();
    let file = |base, rows, edit| csv_bytes(&refs, base, rows, edit, now);
    // Leftovers of an interrupted run would turn "new rows" into updates.
    clean_up(pool, since).await?;

    let (new_ours, wait_1) = watched(pool, ours(pool, &file(IMPORT_BASE, rows, ""))).await?;
    let (new_base, base_wait_1) = watched(
        pool,
        baseline(pool, &file(BASELINE_BASE, base_rows, ""), false),
    )
    .await?;
    let (edit_ours, wait_2) =
        watched(pool, ours(pool, &file(IMPORT_BASE, rows, " (edited)"))).await?;
    let (edit_base, base_wait_2) = watched(
        pool,
        baseline(pool, &file(BASELINE_BASE, base_rows, " (edited)"), true),
    )
    .await?;
    clean_up(pool, since).await?;

    let baseline_how = |what: &str| {
        format!("parse, then one {what} per row in one transaction ({base_rows} rows)")
    };
    let ms = |value: f64| Measure::Value { value, unit: "ms" };
    Ok(vec![
        Figure {
            name: "CSV import, new bugs",
            how: format!(
                "`import csv` of {rows} new bugs (validate, COPY to staging, one INSERT, log)"
            ),
            ours: rate(new_ours),
            baseline: Some((baseline_how("INSERT"), rate(new_base))),
            target: if bugs >= 1_000_000 {
                Target::AtLeast(20_000.0)
            } else {
                Target::Report
            },
        },
        Figure {
            name: "CSV import, edited",
            how: format!(
                "the same {rows} bugs again with every title changed (lock, version check, \
                 UPDATE, audit rows)"
            ),
            ours: rate(edit_ours),
            baseline: Some((baseline_how("UPDATE"), rate(edit_base))),
            target: Target::Report,
        },
        Figure {
            name: "reader's worst wait during import",
            how: "longest read of the first page of open bugs, run every 50 ms on another \
                  connection during both imports above"
                .into(),
            ours: ms(wait_1.max(wait_2)),
            baseline: Some((
                "the same reader during the row-by-row imports".into(),
                ms(base_wait_1.max(base_wait_2)),
            )),
            target: Target::AtMost(1000.0),
        },
    ])
}
