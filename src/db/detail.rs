//! Everything the detail pane shows about one bug, with its timeline: the
//! history of its fields and its comments (`BugDetail::timeline` interleaves
//! them).

use crate::app::model::{BugDetail, CommentEntry, HistoryEntry};
use crate::db::bugs::{ROW_COLUMNS, ROW_FROM, decode_row};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

/// A UUID in text, so that `old_value::uuid` is only attempted on values that
/// can be one (history written by other apps may hold anything).
const UUID_RE: &str =
    "'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'";

/// The bug, or None if it does not exist (any more).
pub async fn detail(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<BugDetail>> {
    let sql = format!(
        "SELECT {ROW_COLUMNS}, b.description, b.business_impact, b.revenue_impact_daily, \
         b.estimated_hours, b.actual_hours, u.email AS assignee_email, c.name AS creator, \
         b.updated_at, b.resolved_at{ROW_FROM} LEFT JOIN users c ON c.id = b.created_by \
         WHERE b.id = $1"
    );
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let bug = decode_row(&row)?;
    let history = history(conn, id).await?;
    let comments = comments(conn, id).await?;
    Ok(Some(BugDetail {
        row: bug,
        description: row.try_get("description")?,
        business_impact: row.try_get("business_impact")?,
        revenue_impact_daily: row.try_get::<Option<Decimal>, _>("revenue_impact_daily")?,
        estimated_hours: row.try_get("estimated_hours")?,
        actual_hours: row.try_get("actual_hours")?,
        assignee_email: row.try_get("assignee_email")?,
        creator: row.try_get("creator")?,
        updated_at: row.try_get("updated_at")?,
        resolved_at: row.try_get("resolved_at")?,
        history,
        comments,
    }))
}

/// The history of one bug, newest first; `limit` None for all of it. Assignee
/// and project ids are shown as names (or as the raw value when gone).
pub async fn history(conn: &mut PgConnection, bug: Uuid) -> sqlx::Result<Vec<HistoryEntry>> {
    history_limited(conn, bug, None).await
}

pub(crate) async fn history_limited(
    conn: &mut PgConnection,
    bug: Uuid,
    limit: Option<i64>,
) -> sqlx::Result<Vec<HistoryEntry>> {
    let sql = format!(
        "SELECT h.changed_at, w.name AS who, h.field_changed, \
                coalesce(ou.name, op.name, h.old_value) AS old_value, \
                coalesce(nu.name, np.name, h.new_value) AS new_value \
         FROM bug_history h \
         LEFT JOIN users w ON w.id = h.changed_by \
         LEFT JOIN users ou ON h.field_changed = 'assigned_to' \
              AND ou.id = CASE WHEN h.old_value ~ {UUID_RE} THEN h.old_value::uuid END \
         LEFT JOIN users nu ON h.field_changed = 'assigned_to' \
              AND nu.id = CASE WHEN h.new_value ~ {UUID_RE} THEN h.new_value::uuid END \
         LEFT JOIN projects op ON h.field_changed = 'project_id' \
              AND op.id = CASE WHEN h.old_value ~ {UUID_RE} THEN h.old_value::uuid END \
         LEFT JOIN projects np ON h.field_changed = 'project_id' \
              AND np.id = CASE WHEN h.new_value ~ {UUID_RE} THEN h.new_value::uuid END \
         WHERE h.bug_id = $1 \
         ORDER BY h.changed_at DESC, h.id DESC \
         LIMIT $2"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(bug)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryEntry {
                at: r.try_get::<DateTime<Utc>, _>("changed_at")?,
                who: r.try_get("who")?,
                field: r.try_get("field_changed")?,
                old: r.try_get("old_value")?,
                new: r.try_get("new_value")?,
            })
        })
        .collect()
}

/// The comments on one bug, newest first, with their authors' names.
pub async fn comments(conn: &mut PgConnection, bug: Uuid) -> sqlx::Result<Vec<CommentEntry>> {
    let rows = sqlx::query(
        "SELECT c.id, c.created_at, a.name AS author, c.body FROM bug_comments c \
         LEFT JOIN users a ON a.id = c.author \
         WHERE c.bug_id = $1 ORDER BY c.created_at DESC, c.id DESC",
    )
    .bind(bug)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CommentEntry {
                id: r.try_get("id")?,
                at: r.try_get("created_at")?,
                author: r.try_get("author")?,
                body: r.try_get("body")?,
            })
        })
        .collect()
}
