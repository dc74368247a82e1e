//! Everything the detail pane shows about one bug, with its history timeline.

use crate::app::model::{BugDetail, HistoryEntry};
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
    }))
}

/// The history of one bug, newest first; `limit` None for all of it. Assignee
/// ids are shown as names (or as the raw value when the user is gone).
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
                coalesce(ou.name, h.old_value) AS old_value, \
                coalesce(nu.name, h.new_value) AS new_value \
         FROM bug_history h \
         LEFT JOIN users w ON w.id = h.changed_by \
         LEFT JOIN users ou ON h.field_changed = 'assigned_to' \
              AND ou.id = CASE WHEN h.old_value ~ {UUID_RE} THEN h.old_value::uuid END \
         LEFT JOIN users nu ON h.field_changed = 'assigned_to' \
              AND nu.id = CASE WHEN h.new_value ~ {UUID_RE} THEN h.new_value::uuid END \
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
