//! The bug table: one page of a filtered, sorted query, read with keyset
//! pagination (never OFFSET), and the row count for the current filter.
//!
//! Every page is `WHERE <filters> AND (<sort expr>, b.id) > (<cursor>)
//! ORDER BY <sort expr>, b.id LIMIT n + 1`, so reading page 10,000 costs the same
//! as reading page 1 as long as an index serves the order. Migration 0004 adds
//! those indexes; most are partial on the open statuses, which is what the
//! dashboard shows by default, and are therefore small and cheap to build.
//!
//! User text (search, project, assignee) is always bound. Status and severity
//! labels come from the domain enums and are written into the SQL as literals on
//! purpose: the planner can then prove that a partial index on open bugs covers
//! the query, which it cannot do for a bound parameter in a generic plan.
//!
//! Here: the row columns and their decoding, shared with `detail` and `edit`.

mod count;
mod export_keys;
mod filter;
pub mod numbers;
mod page;
mod sort_key;

pub use count::{EXACT_COUNT_LIMIT, count};
pub use export_keys::{ExportKeys, export_keys};
pub use filter::like_escape;
pub use page::page;
pub use sort_key::cursor_of;

use crate::app::model::BugRow;
use crate::domain::{BugStatus, Severity};
use sqlx::Row;
use sqlx::postgres::PgRow;

/// The columns of a [`BugRow`], in the order [`decode_row`] reads them. Needs
/// `bugs b LEFT JOIN users u ON u.id = b.assigned_to LEFT JOIN projects p ON
/// p.id = b.project_id`.
pub(crate) const ROW_COLUMNS: &str = "b.id, b.bug_number, b.severity::text AS severity, \
     b.status::text AS status, b.title, u.name AS assignee, p.name AS project, b.created_at, \
     b.sla_hours, b.priority_score, b.is_blocker, b.version";

pub(crate) const ROW_FROM: &str = " FROM bugs b \
     LEFT JOIN users u ON u.id = b.assigned_to \
     LEFT JOIN projects p ON p.id = b.project_id";

fn decode_err(e: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

/// Reads a row selected with [`ROW_COLUMNS`].
pub(crate) fn decode_row(row: &PgRow) -> sqlx::Result<BugRow> {
    let severity: String = row.try_get("severity")?;
    let status: String = row.try_get("status")?;
    Ok(BugRow {
        id: row.try_get("id")?,
        number: row.try_get("bug_number")?,
        severity: severity.parse::<Severity>().map_err(decode_err)?,
        status: status.parse::<BugStatus>().map_err(decode_err)?,
        title: row.try_get("title")?,
        assignee: row.try_get("assignee")?,
        project: row.try_get("project")?,
        created_at: row.try_get("created_at")?,
        sla_hours: row.try_get("sla_hours")?,
        priority: row.try_get("priority_score")?,
        is_blocker: row.try_get("is_blocker")?,
        version: row.try_get("version")?,
    })
}
