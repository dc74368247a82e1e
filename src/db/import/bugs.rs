//! The bug load: validated CSV rows COPYed into a staging table, then the
//! existing bugs that differ are locked, checked against the file's `version`,
//! updated and audited (`bug_update`), and the new ones inserted with one
//! `INSERT … SELECT` (see the parent module for why it is not an upsert).
//!
//! Every statement here takes only row locks and `ROW EXCLUSIVE` on `bugs`,
//! which never block a reader: an import of any size leaves the dashboards
//! reading (the test `import_never_blocks_readers` checks `pg_locks`).

use super::bug_update::{self, BugSets};
use super::{ImportAudit, LoadCounts, copy_in};
use crate::db::copy_text::Row;
use crate::domain::{BugStatus, Severity};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

/// One validated bug row. `None` means "empty in the file" (or no such column).
#[derive(Debug, Clone)]
pub struct BugRow {
    pub line: u64,
    pub bug_number: String,
    pub title: String,
    pub description: Option<String>,
    pub severity: Severity,
    pub status: Option<BugStatus>,
    pub assigned_to: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub sla_hours: Option<i32>,
    pub business_impact: Option<String>,
    pub revenue_impact_daily: Option<Decimal>,
    pub is_blocker: Option<bool>,
    pub estimated_hours: Option<Decimal>,
    pub actual_hours: Option<Decimal>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<Utc>>,
    /// The bug's version when the file was exported; a different one in the
    /// database makes the row a conflict.
    pub version: Option<i64>,
}

/// Which optional bug columns the file has. Only those are changed on existing
/// bugs: an empty cell clears a nullable column; for a column that cannot be
/// null (status, isBlocker, slaHours, resolvedAt, createdAt) it keeps the
/// current value.
#[derive(Debug, Clone, Copy, Default)]
pub struct BugColumns {
    pub description: bool,
    pub status: bool,
    pub assigned_to: bool,
    pub project: bool,
    pub sla_hours: bool,
    pub business_impact: bool,
    pub revenue_impact: bool,
    pub is_blocker: bool,
    pub estimated_hours: bool,
    pub actual_hours: bool,
    pub resolved_at: bool,
    pub created_at: bool,
    /// The file carries each bug's version (the conflict check is possible).
    pub version: bool,
}

const BUG_STAGE: &str = "CREATE TEMP TABLE ctodash_import_bugs (
    line bigint NOT NULL, bug_number text NOT NULL, title text NOT NULL, description text,
    severity bug_severity NOT NULL, status bug_status, assigned_to uuid, project_id uuid,
    sla_hours integer, business_impact text, revenue_impact_daily numeric,
    is_blocker boolean, estimated_hours numeric, actual_hours numeric,
    resolved_at timestamptz, created_at timestamptz, version bigint,
    bug_id uuid, db_version bigint, apply boolean, old jsonb) ON COMMIT DROP";

const BUG_COPY: &str = "COPY ctodash_import_bugs (line, bug_number, title, description, \
     severity, status, assigned_to, project_id, sla_hours, business_impact, \
     revenue_impact_daily, is_blocker, estimated_hours, actual_hours, resolved_at, created_at, \
     version) FROM STDIN";

/// How to load: who imports, whether to apply rows that changed since the
/// export, and what the audit rows say.
#[derive(Debug, Clone)]
pub struct BugLoad<'a> {
    pub cols: BugColumns,
    pub actor: Option<Uuid>,
    /// Apply rows whose bug changed since the file was exported (`--overwrite`).
    pub overwrite: bool,
    pub audit: &'a ImportAudit,
}

/// Loads validated bugs inside the caller's transaction: updates existing bugs
/// (by bug number) whose values differ, unless they changed since the file was
/// exported (a conflict, returned, not applied unless `overwrite`), with one
/// `audit_log` row each; inserts the others. `actor` becomes `created_by` of
/// new bugs.
pub async fn load_bugs(
    conn: &mut PgConnection,
    rows: &[BugRow],
    load: &BugLoad<'_>,
) -> sqlx::Result<LoadCounts> {
    let cols = &load.cols;
    sqlx::query(BUG_STAGE).execute(&mut *conn).await?;
    let mut text = String::with_capacity(rows.len() * 160);
    for r in rows {
        let mut w = Row::new(&mut text);
        w.display(r.line)
            .text(&r.bug_number)
            .text(&r.title)
            .opt_text(r.description.as_deref())
            .text(r.severity.as_str())
            .opt_text(r.status.map(|s| s.as_str()))
            .opt_display(r.assigned_to)
            .opt_display(r.project_id)
            .opt_display(r.sla_hours)
            .opt_text(r.business_impact.as_deref())
            .opt_display(r.revenue_impact_daily)
            .opt_bool(r.is_blocker)
            .opt_display(r.estimated_hours)
            .opt_display(r.actual_hours)
            .opt_time(r.resolved_at)
            .opt_time(r.created_at)
            .opt_display(r.version)
            .end();
    }
    copy_in(conn, BUG_COPY, text).await?;
    sqlx::query("ANALYZE ctodash_import_bugs")
        .execute(&mut *conn)
        .await?;

    let sets = BugSets::new(cols);
    bug_update::lock_changed(conn, &sets, load.overwrite).await?;
    // Described before applying, so with --overwrite the history shown is the
    // newer edit's, not this import's.
    let conflicts = bug_update::conflicts(conn).await?;
    let updated = bug_update::apply(conn, &sets, load).await?;

    let inserted = sqlx::query(
        "INSERT INTO bugs (bug_number, title, description, severity, status, assigned_to, \
             project_id, sla_hours, business_impact, revenue_impact_daily, is_blocker, \
             estimated_hours, actual_hours, resolved_at, created_at, created_by) \
         SELECT s.bug_number, s.title, s.description, s.severity, \
             coalesce(s.status, 'pending'), s.assigned_to, s.project_id, s.sla_hours, \
             s.business_impact, s.revenue_impact_daily, coalesce(s.is_blocker, false), \
             s.estimated_hours, s.actual_hours, s.resolved_at, \
             coalesce(s.created_at, least(now(), s.resolved_at), now()), $1 \
         FROM ctodash_import_bugs s \
         WHERE NOT EXISTS (SELECT 1 FROM bugs b WHERE b.bug_number = s.bug_number) \
         ORDER BY s.line",
    )
    .bind(load.actor)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let total = rows.len() as u64;
    let held_back = if load.overwrite {
        0
    } else {
        conflicts.len() as u64
    };
    Ok(LoadCounts {
        inserted,
        updated,
        unchanged: total.saturating_sub(inserted + updated + held_back),
        conflicts,
    })
}
