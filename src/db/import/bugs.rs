//! The bug load: validated CSV rows COPYed into a staging table, then one
//! `UPDATE … FROM` for the bugs that differ and one `INSERT … SELECT` for the
//! new ones (see the parent module for why it is not an upsert).

use super::{LoadCounts, copy_in, update_sql};
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
}

const BUG_STAGE: &str = "CREATE TEMP TABLE ctodash_import_bugs (
    line bigint NOT NULL, bug_number text NOT NULL, title text NOT NULL, description text,
    severity bug_severity NOT NULL, status bug_status, assigned_to uuid, project_id uuid,
    sla_hours integer, business_impact text, revenue_impact_daily numeric,
    is_blocker boolean, estimated_hours numeric, actual_hours numeric,
    resolved_at timestamptz, created_at timestamptz) ON COMMIT DROP";

const BUG_COPY: &str = "COPY ctodash_import_bugs (line, bug_number, title, description, \
     severity, status, assigned_to, project_id, sla_hours, business_impact, \
     revenue_impact_daily, is_blocker, estimated_hours, actual_hours, resolved_at, created_at) \
     FROM STDIN";

/// Loads validated bugs inside the caller's transaction: updates existing bugs
/// (by bug number) whose values differ, inserts the others. `actor` becomes
/// `created_by` of new bugs.
pub async fn load_bugs(
    conn: &mut PgConnection,
    rows: &[BugRow],
    cols: &BugColumns,
    actor: Option<Uuid>,
) -> sqlx::Result<LoadCounts> {
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
            .end();
    }
    copy_in(conn, BUG_COPY, text).await?;
    sqlx::query("ANALYZE ctodash_import_bugs")
        .execute(&mut *conn)
        .await?;

    let mut sets: Vec<(&str, &str)> = vec![("title", "s.title"), ("severity", "s.severity")];
    let optional: [(bool, &str, &str); 12] = [
        (cols.description, "description", "s.description"),
        (cols.status, "status", "coalesce(s.status, b.status)"),
        (cols.assigned_to, "assigned_to", "s.assigned_to"),
        (cols.project, "project_id", "s.project_id"),
        (
            cols.sla_hours,
            "sla_hours",
            "coalesce(s.sla_hours, b.sla_hours)",
        ),
        (cols.business_impact, "business_impact", "s.business_impact"),
        (
            cols.revenue_impact,
            "revenue_impact_daily",
            "s.revenue_impact_daily",
        ),
        (
            cols.is_blocker,
            "is_blocker",
            "coalesce(s.is_blocker, b.is_blocker)",
        ),
        (cols.estimated_hours, "estimated_hours", "s.estimated_hours"),
        (cols.actual_hours, "actual_hours", "s.actual_hours"),
        (
            cols.resolved_at,
            "resolved_at",
            "coalesce(s.resolved_at, b.resolved_at)",
        ),
        (
            cols.created_at,
            "created_at",
            "coalesce(s.created_at, b.created_at)",
        ),
    ];
    sets.extend(optional.iter().filter(|o| o.0).map(|o| (o.1, o.2)));
    let update = update_sql(
        "bugs",
        "b",
        &sets,
        "b.bug_number = s.bug_number",
        "ctodash_import_bugs",
    );
    let updated = sqlx::query(sqlx::AssertSqlSafe(update))
        .execute(&mut *conn)
        .await?
        .rows_affected();

    let new_rows: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM ctodash_import_bugs s \
         WHERE NOT EXISTS (SELECT 1 FROM bugs b WHERE b.bug_number = s.bug_number)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let rebuilt = if rebuild_pays_off(conn, new_rows).await? {
        drop_secondary_bug_indexes(conn).await?
    } else {
        Vec::new()
    };
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
    .bind(actor)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if !rebuilt.is_empty() {
        sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
            .execute(&mut *conn)
            .await?;
        for def in rebuilt {
            sqlx::query(sqlx::AssertSqlSafe(def))
                .execute(&mut *conn)
                .await?;
        }
    }
    let total = rows.len() as u64;
    Ok(LoadCounts {
        inserted,
        updated,
        unchanged: total.saturating_sub(inserted + updated),
    })
}

/// Below this many new bugs, indexes are maintained row by row.
const REBUILD_MIN_ROWS: i64 = 10_000;

/// Whether to drop the bugs table's secondary indexes for the insert and build
/// them afterwards: when a large import adds more bugs than the table holds (a
/// team's first import), building ~20 indexes once (two of them trigram GIN) is
/// about twice as fast as maintaining them row by row. Only the table's owner
/// can; concurrent readers of `bugs` wait for the commit either way.
async fn rebuild_pays_off(conn: &mut PgConnection, new_rows: i64) -> sqlx::Result<bool> {
    if new_rows < REBUILD_MIN_ROWS {
        return Ok(false);
    }
    let (estimate, owner): (f32, bool) = sqlx::query_as(
        "SELECT c.reltuples, pg_has_role(c.relowner, 'USAGE') FROM pg_class c \
         WHERE c.oid = 'bugs'::regclass",
    )
    .fetch_one(&mut *conn)
    .await?;
    if !owner {
        return Ok(false);
    }
    let existing = if estimate < 0.0 {
        sqlx::query_scalar("SELECT count(*) FROM bugs")
            .fetch_one(&mut *conn)
            .await?
    } else {
        estimate as i64
    };
    Ok(new_rows > existing)
}

/// Drops the non-constraint indexes of `bugs` in the current transaction and
/// returns their definitions, read from the catalogue so they match the schema.
async fn drop_secondary_bug_indexes(conn: &mut PgConnection) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i \
         WHERE i.indrelid = 'bugs'::regclass AND NOT i.indisprimary \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (name, _) in &rows {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX {name}")))
            .execute(&mut *conn)
            .await?;
    }
    Ok(rows.into_iter().map(|(_, def)| def).collect())
}
