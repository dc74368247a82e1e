//! One keyset page around an anchor, read from the sort key's sources in turn.

use super::filter::{prepare_search, push_filters};
use super::sort_key::{push_cursor_value, sort_expr};
use super::{ROW_COLUMNS, ROW_FROM, decode_row};
use crate::app::model::BugRow;
use crate::app::msg::Page;
use crate::domain::{BugStatus, Severity};
use crate::query::{BugFilter, BugQuery, Cursor, CursorValue, PageAnchor, SortKey};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

/// One page of bugs for `q`, `limit` rows at most, around `anchor`.
pub async fn page(
    conn: &mut PgConnection,
    q: &BugQuery,
    anchor: &PageAnchor,
    limit: usize,
    now: DateTime<Utc>,
) -> sqlx::Result<Page> {
    prepare_search(conn, &q.filter).await?;
    let key = q.sort.key;
    let descending = q.sort.descending();
    // Reading backwards (Bottom, Before) runs the query in the opposite order
    // and reverses the rows afterwards.
    let (backwards, cursor, op_inclusive) = match anchor {
        PageAnchor::Top => (false, None, false),
        PageAnchor::Bottom => (true, None, false),
        PageAnchor::After(c) => (false, Some(c), false),
        PageAnchor::Before(c) => (true, Some(c), false),
        PageAnchor::From(c) => (false, Some(c), true),
    };
    let mut rows = fetch(
        conn,
        q,
        key,
        descending != backwards,
        cursor,
        op_inclusive,
        limit + 1,
        now,
    )
    .await?;
    let overflow = rows.len() > limit;
    rows.truncate(limit);
    if backwards {
        rows.reverse();
    }
    let (more_before, more_after) = match anchor {
        PageAnchor::Top => (false, overflow),
        PageAnchor::Bottom => (overflow, false),
        PageAnchor::After(_) => (true, overflow),
        PageAnchor::Before(_) => (overflow, true),
        PageAnchor::From(c) => {
            // Whether anything precedes the window: one index probe.
            let before = fetch(conn, q, key, !descending, Some(c), false, 1, now).await?;
            (!before.is_empty(), overflow)
        }
    };
    Ok(Page {
        anchor: anchor.clone(),
        rows,
        more_before,
        more_after,
    })
}

/// Where one run of rows comes from and how it is ordered. A sort key reads
/// from one source or from several in turn (see [`sources`]).
struct Source {
    /// Position of this source in ascending order of the key.
    rank: usize,
    /// ` FROM ...` with `b`, `u` and `p` in scope.
    from: &'static str,
    /// Extra ` AND ...` restricting this source (never user text).
    extra: String,
    /// The sort expression, or None when the key has one value for every row
    /// of this source, which is then ordered by id alone.
    expr: Option<&'static str>,
    /// A column to bound by the cursor value on its own as well, so that the
    /// planner can start an index scan of a joined table there.
    bound: Option<&'static str>,
    /// For the rows without an assignee / project: the (all NULL) column to put
    /// before the id in ORDER BY, so that the partial `(column, id)` index on
    /// open bugs yields the order (the planner does not treat `IS NULL` as a
    /// constant). Only used when every status asked for is open; otherwise the
    /// primary key order serves better.
    null_column: Option<&'static str>,
}

impl Source {
    fn plain(rank: usize, extra: String, expr: Option<&'static str>) -> Self {
        Source {
            rank,
            from: ROW_FROM,
            extra,
            expr,
            bound: None,
            null_column: None,
        }
    }
}

const ASSIGNED_FROM: &str = " FROM bugs b \
     JOIN users u ON u.id = b.assigned_to \
     LEFT JOIN projects p ON p.id = b.project_id";
const IN_PROJECT_FROM: &str = " FROM bugs b \
     LEFT JOIN users u ON u.id = b.assigned_to \
     JOIN projects p ON p.id = b.project_id";

/// The sources of a sort key, in ascending order.
///
/// - Assignee and project names live in other tables, so no index on `bugs`
///   can order by them. The rows without one (sorting as '') come first; then
///   a join that walks users / projects in name order (users_name_idx,
///   projects_name_idx) and each one's bugs in id order, which PostgreSQL stops
///   as soon as the page is full.
/// - Severity and status have a handful of values: one source per value,
///   ordered by id, which the primary key serves over all bugs and the partial
///   `(severity, id)` / `(status, id)` indexes serve over open bugs.
/// - Everything else: one source ordered by the key's expression.
fn sources(key: SortKey, filter: &BugFilter) -> Vec<Source> {
    match key {
        SortKey::Assignee | SortKey::Project => {
            let (column, from, name) = if key == SortKey::Assignee {
                ("b.assigned_to", ASSIGNED_FROM, "u.name")
            } else {
                ("b.project_id", IN_PROJECT_FROM, "p.name")
            };
            vec![
                Source {
                    null_column: Some(column),
                    ..Source::plain(0, format!(" AND {column} IS NULL"), None)
                },
                Source {
                    rank: 1,
                    from,
                    extra: String::new(),
                    expr: Some(name),
                    bound: Some(name),
                    null_column: None,
                },
            ]
        }
        SortKey::Severity => Severity::ALL
            .iter()
            .enumerate()
            .filter(|(_, s)| filter.severities.is_empty() || filter.severities.contains(s))
            .map(|(i, s)| Source::plain(i, format!(" AND b.severity = '{}'", s.as_str()), None))
            .collect(),
        SortKey::Status => {
            let wanted = filter.status.statuses();
            BugStatus::ALL
                .iter()
                .enumerate()
                .filter(|(_, s)| wanted.contains(s))
                .map(|(i, s)| Source::plain(i, format!(" AND b.status = '{}'", s.as_str()), None))
                .collect()
        }
        _ => vec![Source::plain(0, String::new(), Some(sort_expr(key)))],
    }
}

/// The rank (see [`Source::rank`]) of the source a cursor falls in.
fn rank_of(key: SortKey, cursor: &Cursor) -> usize {
    let CursorValue::Text(v) = &cursor.value else {
        return 0;
    };
    match key {
        SortKey::Assignee | SortKey::Project => usize::from(!v.is_empty()),
        SortKey::Severity => v
            .parse::<Severity>()
            .ok()
            .and_then(|s| Severity::ALL.iter().position(|x| *x == s))
            .unwrap_or(0),
        SortKey::Status => v
            .parse::<BugStatus>()
            .ok()
            .and_then(|s| BugStatus::ALL.iter().position(|x| *x == s))
            .unwrap_or(0),
        _ => 0,
    }
}

/// Rows in `descending` order of (key, id), strictly past `cursor` in that
/// order (or from it, when `inclusive`): the sources from the cursor's onwards,
/// until `limit` rows are in.
#[allow(clippy::too_many_arguments)]
async fn fetch(
    conn: &mut PgConnection,
    q: &BugQuery,
    key: SortKey,
    descending: bool,
    cursor: Option<&Cursor>,
    inclusive: bool,
    limit: usize,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<BugRow>> {
    let mut order = sources(key, &q.filter);
    if descending {
        order.reverse();
    }
    let start = cursor.map(|c| (rank_of(key, c), c));
    let mut rows = Vec::new();
    for src in &order {
        let here = match start {
            None => None,
            Some((rank, c)) if src.rank == rank => Some(c),
            // Sources before the cursor's, in this direction, are skipped.
            Some((rank, _)) if (src.rank < rank) != descending => continue,
            Some(_) => None,
        };
        let want = limit - rows.len();
        rows.extend(fetch_source(conn, q, key, src, descending, here, inclusive, want, now).await?);
        if rows.len() >= limit {
            break;
        }
    }
    Ok(rows)
}

#[allow(clippy::too_many_arguments)]
async fn fetch_source(
    conn: &mut PgConnection,
    q: &BugQuery,
    key: SortKey,
    src: &Source,
    descending: bool,
    cursor: Option<&Cursor>,
    inclusive: bool,
    limit: usize,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<BugRow>> {
    let mut qb = QueryBuilder::<Postgres>::new("SELECT ");
    qb.push(ROW_COLUMNS).push(src.from).push(" WHERE true");
    push_filters(&mut qb, &q.filter, now);
    qb.push(&src.extra);
    if let Some(c) = cursor {
        let op = match (descending, inclusive) {
            (false, false) => ">",
            (false, true) => ">=",
            (true, false) => "<",
            (true, true) => "<=",
        };
        match src.expr {
            Some(expr) => {
                qb.push(" AND (")
                    .push(expr)
                    .push(", b.id) ")
                    .push(op)
                    .push(" (");
                push_cursor_value(&mut qb, key, &c.value);
                qb.push(", ").push_bind(c.id).push(")");
            }
            None => {
                qb.push(" AND b.id ").push(op).push(" ").push_bind(c.id);
            }
        }
        if let Some(col) = src.bound {
            qb.push(" AND ")
                .push(col)
                .push(if descending { " <= " } else { " >= " });
            push_cursor_value(&mut qb, key, &c.value);
        }
    }
    let dir = if descending { " DESC" } else { " ASC" };
    qb.push(" ORDER BY ");
    if let Some(expr) = src.expr {
        qb.push(expr).push(dir).push(", ");
    }
    if let Some(col) = src.null_column
        && q.filter.status.statuses().iter().all(BugStatus::is_open)
    {
        qb.push(col).push(dir).push(", ");
    }
    qb.push("b.id").push(dir);
    qb.push(" LIMIT ")
        .push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
    // Unnamed statement: planned with the actual values every time (a search
    // for a rare word and one for a common word want different plans).
    let rows = qb.build().persistent(false).fetch_all(&mut *conn).await?;
    rows.iter().map(decode_row).collect()
}
