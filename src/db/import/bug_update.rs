//! The update half of a bug load: lock the existing bugs the file changes,
//! hold back those edited since the file was exported, update the rest and
//! write one `audit_log` row per changed bug, all set-based (a few statements
//! whatever the number of rows).
//!
//! Race-free by locking first: one `SELECT … FOR UPDATE` locks every bug whose
//! values differ from the file's and records its current version and old values
//! in the staging table; the `UPDATE` then only touches locked rows, so no edit
//! can slip in between the version check and the write. A bug whose values
//! equal the file's is neither locked nor written: there is nothing to undo.

use super::{BugColumns, update_sql};
use crate::app::model::HistoryEntry;
use crate::db::detail::history_limited;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Row};
use uuid::Uuid;

/// At most this many conflicts get their history looked up (one query each);
/// the rest are reported by version only.
const DESCRIBED_CONFLICTS: usize = 200;

/// What an import may set on an existing bug: `(column, new value)` with `b`
/// the bug and `s` the staged row, for the columns the file has.
pub struct BugSets(Vec<(&'static str, &'static str)>);

/// A stored time equal to the file's to the second keeps its fraction: exports
/// write whole seconds, and re-importing one must change nothing.
const CREATED_AT: &str = "CASE WHEN s.created_at IS NULL \
     OR s.created_at = date_trunc('second', b.created_at) THEN b.created_at ELSE s.created_at END";
const RESOLVED_AT: &str = "CASE WHEN s.resolved_at IS NULL \
     OR s.resolved_at = date_trunc('second', b.resolved_at) THEN b.resolved_at \
     ELSE s.resolved_at END";

impl BugSets {
    pub fn new(cols: &BugColumns) -> Self {
        let mut sets = vec![("title", "s.title"), ("severity", "s.severity")];
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
            (cols.resolved_at, "resolved_at", RESOLVED_AT),
            (cols.created_at, "created_at", CREATED_AT),
        ];
        sets.extend(optional.iter().filter(|o| o.0).map(|o| (o.1, o.2)));
        BugSets(sets)
    }

    /// `ROW(b.col, …) IS DISTINCT FROM ROW(new, …)`.
    fn differs(&self) -> String {
        let old: Vec<String> = self.0.iter().map(|(c, _)| format!("b.{c}")).collect();
        let new: Vec<&str> = self.0.iter().map(|(_, e)| *e).collect();
        format!(
            "ROW({}) IS DISTINCT FROM ROW({})",
            old.join(", "),
            new.join(", ")
        )
    }

    /// `jsonb_build_object('col', b.col, …)`: the audited values of bug `b`.
    fn snapshot(&self) -> String {
        let pairs: Vec<String> = self
            .0
            .iter()
            .map(|(c, _)| format!("'{c}', b.{c}"))
            .collect();
        format!("jsonb_build_object({})", pairs.join(", "))
    }
}

/// Locks the existing bugs the staged file changes and notes, per staged row,
/// the bug's current version and values and whether to apply the row.
pub async fn lock_changed(
    conn: &mut PgConnection,
    sets: &BugSets,
    overwrite: bool,
) -> sqlx::Result<()> {
    // Locked in id order, as every other multi-row writer should, so two
    // imports cannot deadlock each other.
    let lock = format!(
        "WITH cand AS ( \
             SELECT s.line, b.id, b.version, {snapshot} AS old \
             FROM ctodash_import_bugs s JOIN bugs b ON b.bug_number = s.bug_number \
             WHERE {differs} ORDER BY b.id FOR UPDATE OF b) \
         UPDATE ctodash_import_bugs s SET bug_id = c.id, db_version = c.version, old = c.old, \
             apply = ($1 OR s.version IS NULL OR s.version = c.version) \
         FROM cand c WHERE s.line = c.line",
        snapshot = sets.snapshot(),
        differs = sets.differs(),
    );
    sqlx::query(sqlx::AssertSqlSafe(lock))
        .bind(overwrite)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Updates and audits the locked bugs [`lock_changed`] chose; returns how many
/// were updated.
pub async fn apply(
    conn: &mut PgConnection,
    sets: &BugSets,
    load: &super::bugs::BugLoad<'_>,
) -> sqlx::Result<u64> {
    let update = update_sql(
        "bugs",
        "b",
        &sets.0,
        "b.id = s.bug_id AND s.apply",
        "ctodash_import_bugs",
    );
    let updated = sqlx::query(sqlx::AssertSqlSafe(update))
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if updated > 0 {
        audit(conn, sets, load).await?;
    }
    Ok(updated)
}

/// One `audit_log` row per updated bug, as the dashboard's edits write them
/// (who, from where, with what), with the changed fields' old and new values
/// and which import did it.
async fn audit(
    conn: &mut PgConnection,
    sets: &BugSets,
    load: &super::bugs::BugLoad<'_>,
) -> sqlx::Result<()> {
    let insert = format!(
        "INSERT INTO audit_log \
             (user_id, action, entity_type, entity_id, details, ip_address, user_agent) \
         SELECT $1, 'bug.imported', 'bug', b.id, \
             jsonb_build_object('bug_number', b.bug_number, 'import_id', $2::uuid, \
                 'file', $3::text, 'sha256', $4::text, 'line', s.line, \
                 'version_before', s.db_version, 'version_after', b.version, \
                 'file_version', s.version, \
                 'overwrote_newer', coalesce(s.version <> s.db_version, false), \
                 'changes', (SELECT jsonb_object_agg(k, jsonb_build_object( \
                                 'old', s.old -> k, 'new', n.new -> k)) \
                             FROM jsonb_object_keys(n.new) k \
                             WHERE s.old -> k IS DISTINCT FROM n.new -> k)), \
             $5, $6 \
         FROM ctodash_import_bugs s JOIN bugs b ON b.id = s.bug_id \
         CROSS JOIN LATERAL (SELECT {snapshot} AS new) n \
         WHERE s.apply AND b.version <> s.db_version",
        snapshot = sets.snapshot(),
    );
    let a = load.audit;
    sqlx::query(sqlx::AssertSqlSafe(insert))
        .bind(load.actor)
        .bind(a.import_id)
        .bind(&a.file)
        .bind(&a.sha256)
        .bind(&a.client_addr)
        .bind(&a.user_agent)
        .execute(conn)
        .await?;
    Ok(())
}

/// A row whose bug changed after the file was exported.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub line: u64,
    pub bug_number: String,
    pub file_version: i64,
    pub db_version: i64,
    /// When the bug was last written.
    pub updated_at: DateTime<Utc>,
    /// Its newest history entries, newest first, up to one per write since the
    /// export (at most three); empty when not looked up or when the changes
    /// leave no history (a title, say).
    pub recent: Vec<HistoryEntry>,
}

/// The staged rows held back (or, with `--overwrite`, applied anyway) because
/// their bug changed since the export, in file order.
pub async fn conflicts(conn: &mut PgConnection) -> sqlx::Result<Vec<Conflict>> {
    let rows = sqlx::query(
        "SELECT s.line, s.bug_number, s.bug_id, s.version, s.db_version, b.updated_at \
         FROM ctodash_import_bugs s JOIN bugs b ON b.id = s.bug_id \
         WHERE s.version IS NOT NULL AND s.version <> s.db_version ORDER BY s.line",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let id: Uuid = r.try_get("bug_id")?;
        let file_version: i64 = r.try_get("version")?;
        let db_version: i64 = r.try_get("db_version")?;
        let writes = (db_version - file_version).clamp(1, 3);
        let recent = if i < DESCRIBED_CONFLICTS {
            history_limited(conn, id, Some(writes)).await?
        } else {
            Vec::new()
        };
        out.push(Conflict {
            line: u64::try_from(r.try_get::<i64, _>("line")?).unwrap_or(0),
            bug_number: r.try_get("bug_number")?,
            file_version,
            db_version,
            updated_at: r.try_get("updated_at")?,
            recent,
        });
    }
    Ok(out)
}
