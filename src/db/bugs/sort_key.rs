//! Each sort key in SQL and in a row (expression, cursor, bound value), kept side by side.

use crate::app::model::BugRow;
use crate::query::{Cursor, CursorValue, SortKey};
use chrono::TimeDelta;
use sqlx::{Postgres, QueryBuilder};

/// What a sort key orders by, as one SQL expression (with `u` and `p` joined).
/// Priority, number, title, age and SLA are read in this order directly, each
/// from an index of migration 0004 (or 0001's created_at index); severity,
/// status, assignee and project are read in the same order from several
/// sources (see [`sources`](super::page::sources)), so their expressions here
/// only document it.
pub(super) fn sort_expr(key: SortKey) -> &'static str {
    match key {
        SortKey::Priority => "b.priority_score",
        SortKey::Number => "bug_number_key(b.bug_number)",
        SortKey::Severity => "b.severity",
        SortKey::Status => "b.status",
        SortKey::Title => "lower(b.title)",
        SortKey::Assignee => "coalesce(u.name, '')",
        SortKey::Project => "coalesce(p.name, '')",
        SortKey::Age => "b.created_at",
        SortKey::Sla => "b.sla_due_at",
    }
}

/// The sort-key value of `row` plus its id, for `PageAnchor::After/Before/From`.
/// Title is the raw title (the SQL applies `lower()` to both sides, so Rust and
/// PostgreSQL never have to agree on case folding); severity and status are
/// their labels; SLA is the deadline `created_at + sla_hours`.
pub fn cursor_of(row: &BugRow, key: SortKey) -> Cursor {
    let value = match key {
        SortKey::Priority => CursorValue::Int(i64::from(row.priority)),
        SortKey::Number => CursorValue::Int(number_part(&row.number)),
        SortKey::Severity => CursorValue::Text(row.severity.as_str().to_owned()),
        SortKey::Status => CursorValue::Text(row.status.as_str().to_owned()),
        SortKey::Title => CursorValue::Text(row.title.clone()),
        SortKey::Assignee => CursorValue::Text(row.assignee.clone().unwrap_or_default()),
        SortKey::Project => CursorValue::Text(row.project.clone().unwrap_or_default()),
        SortKey::Age => CursorValue::Time(row.created_at),
        SortKey::Sla => {
            CursorValue::Time(row.created_at + TimeDelta::hours(i64::from(row.sla_hours)))
        }
    };
    Cursor { value, id: row.id }
}

/// The number's sort key, as `bug_number_key` (migration 0009) computes it.
fn number_part(number: &str) -> i64 {
    crate::domain::bug_number::sort_key(number).unwrap_or(0)
}

/// Binds a cursor value with the cast that makes it comparable to the key's
/// expression (and lets the index serve the comparison).
pub(super) fn push_cursor_value(
    qb: &mut QueryBuilder<Postgres>,
    key: SortKey,
    value: &CursorValue,
) {
    match (key, value) {
        (SortKey::Priority, CursorValue::Int(v)) => {
            qb.push_bind(i32::try_from(*v).unwrap_or(if *v < 0 { i32::MIN } else { i32::MAX }));
        }
        (SortKey::Number, CursorValue::Int(v)) => {
            qb.push_bind(*v).push("::bigint");
        }
        (SortKey::Severity, CursorValue::Text(v)) => {
            qb.push("(").push_bind(v.clone()).push(")::bug_severity");
        }
        (SortKey::Status, CursorValue::Text(v)) => {
            qb.push("(").push_bind(v.clone()).push(")::bug_status");
        }
        (SortKey::Title, CursorValue::Text(v)) => {
            qb.push("lower(").push_bind(v.clone()).push(")");
        }
        (SortKey::Assignee | SortKey::Project, CursorValue::Text(v)) => {
            qb.push_bind(v.clone()).push("::text");
        }
        (SortKey::Age | SortKey::Sla, CursorValue::Time(v)) => {
            qb.push_bind(*v);
        }
        // A cursor made for another sort key: bind it as it is and let the
        // cast to the key's type decide (text labels still work).
        (_, CursorValue::Int(v)) => {
            qb.push_bind(*v);
        }
        (_, CursorValue::Text(v)) => {
            qb.push_bind(v.clone());
        }
        (_, CursorValue::Time(v)) => {
            qb.push_bind(*v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_part_matches_the_sql_expression() {
        assert_eq!(number_part("BUG-1001"), 1001);
        assert_eq!(number_part("BUG-0042"), 42);
        assert_eq!(number_part("x"), 0);
    }
}
