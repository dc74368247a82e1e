//! The bugs an edit is about, locked in its transaction, with every editable
//! field's current value (what a change is checked against and what its undo
//! restores).

use crate::app::model::BugRow;
use crate::db::bugs::{ROW_COLUMNS, ROW_FROM, decode_row};
use crate::domain::{Field, FieldChange};
use rust_decimal::Decimal;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

/// A bug's row as locked, with the editable fields the table row lacks.
#[derive(Debug, Clone)]
pub(super) struct Locked {
    pub row: BugRow,
    pub assigned_to: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub estimated_hours: Option<Decimal>,
    pub actual_hours: Option<Decimal>,
    pub description: Option<String>,
}

impl Locked {
    /// The field's current value, as the change that would set it.
    pub fn value(&self, field: Field) -> FieldChange {
        match field {
            Field::Status => FieldChange::Status(self.row.status),
            Field::Severity => FieldChange::Severity(self.row.severity),
            Field::Assignee => FieldChange::Assignee(self.assigned_to),
            Field::Blocker => FieldChange::Blocker(self.row.is_blocker),
            Field::Title => FieldChange::Title(self.row.title.clone()),
            Field::Project => FieldChange::Project(self.project_id),
            Field::EstimatedHours => FieldChange::EstimatedHours(self.estimated_hours),
            Field::ActualHours => FieldChange::ActualHours(self.actual_hours),
            Field::Description => FieldChange::Description(self.description.clone()),
        }
    }
}

/// Locks the bugs with these ids (in id order, so two bulk edits never
/// deadlock) and, in the same round trip, declares the actor (read by the
/// history trigger) and a lock timeout for this transaction. The `set_config`
/// calls are volatile, so they run as rows are produced, below the step that
/// locks them: the timeout already bounds these locks' own wait (the test
/// `a_held_row_lock_times_out_instead_of_hanging` holds it to that).
pub(super) async fn lock(
    conn: &mut PgConnection,
    ids: &[Uuid],
    actor: Option<Uuid>,
) -> sqlx::Result<Vec<Locked>> {
    let sql = format!(
        "SELECT {ROW_COLUMNS}, b.assigned_to, b.project_id, b.estimated_hours, b.actual_hours, \
         b.description, set_config('ctodash.actor', $2, true) AS actor, \
         set_config('lock_timeout', '3s', true) AS lock_timeout{ROW_FROM} \
         WHERE b.id = ANY($1) ORDER BY b.id FOR UPDATE OF b"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ids)
        .bind(actor.map(|a| a.to_string()).unwrap_or_default())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Locked {
                row: decode_row(r)?,
                assigned_to: r.try_get("assigned_to")?,
                project_id: r.try_get("project_id")?,
                estimated_hours: r.try_get("estimated_hours")?,
                actual_hours: r.try_get("actual_hours")?,
                description: r.try_get("description")?,
            })
        })
        .collect()
}

/// Of `ids` in `table` (users or projects), those that do not exist.
pub(super) async fn missing(
    conn: &mut PgConnection,
    table: &'static str,
    ids: &[Uuid],
) -> sqlx::Result<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT i FROM unnest($1::uuid[]) i WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = i)"
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(ids)
        .fetch_all(conn)
        .await
}
