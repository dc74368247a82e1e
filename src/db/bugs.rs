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

use crate::app::model::{BugRow, Count};
use crate::app::msg::Page;
use crate::domain::{BugStatus, Severity};
use crate::query::{BugFilter, BugQuery, Cursor, CursorValue, PageAnchor, SortKey};
use chrono::{DateTime, TimeDelta, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};

/// Counts are exact while the planner expects fewer rows than this; above it
/// the estimate is returned (and labelled as such by the table).
pub const EXACT_COUNT_LIMIT: u64 = 100_000;

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

/// What a sort key orders by, as one SQL expression (with `u` and `p` joined).
/// Priority, number, title, age and SLA are read in this order directly, each
/// from an index of migration 0004 (or 0001's created_at index); severity,
/// status, assignee and project are read in the same order from several
/// sources (see [`sources`]), so their expressions here only document it.
fn sort_expr(key: SortKey) -> &'static str {
    match key {
        SortKey::Priority => "b.priority_score",
        SortKey::Number => "(substr(b.bug_number, 5)::bigint)",
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

/// 1001 for "BUG-1001", as `substr(bug_number, 5)::bigint` computes it.
fn number_part(number: &str) -> i64 {
    number.get(4..).and_then(|d| d.parse().ok()).unwrap_or(0)
}

/// Binds a cursor value with the cast that makes it comparable to the key's
/// expression (and lets the index serve the comparison).
fn push_cursor_value(qb: &mut QueryBuilder<Postgres>, key: SortKey, value: &CursorValue) {
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

/// `'pending', 'in_progress'` from domain enums (never from user text).
fn labels<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items
        .into_iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Escapes LIKE wildcards so the user's `%` and `_` match themselves.
pub fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Appends ` AND ...` for every filter. References only `b` (and subqueries),
/// so the count query needs no joins.
fn push_filters(qb: &mut QueryBuilder<Postgres>, f: &BugFilter, now: DateTime<Utc>) {
    let mut statuses = f.status.statuses();
    statuses.sort();
    statuses.dedup();
    if statuses.is_empty() {
        qb.push(" AND false");
    } else if statuses.len() < BugStatus::ALL.len() {
        qb.push(" AND b.status IN (")
            .push(labels(statuses.iter().map(BugStatus::as_str)))
            .push(")");
    }
    let mut severities = f.severities.clone();
    severities.sort();
    severities.dedup();
    if !severities.is_empty() && severities.len() < Severity::ALL.len() {
        qb.push(" AND b.severity IN (")
            .push(labels(severities.iter().map(Severity::as_str)))
            .push(")");
    }
    if let Some(project) = f
        .project
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        qb.push(" AND b.project_id IN (SELECT id FROM projects WHERE lower(name) = lower(")
            .push_bind(project.to_owned())
            .push("))");
    }
    if let Some(who) = f
        .assignee
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        if who.eq_ignore_ascii_case("none") {
            qb.push(" AND b.assigned_to IS NULL");
        } else {
            qb.push(" AND b.assigned_to IN (SELECT id FROM users WHERE lower(email) = lower(")
                .push_bind(who.to_owned())
                .push(") OR lower(name) = lower(")
                .push_bind(who.to_owned())
                .push("))");
        }
    }
    if f.blocker_only {
        // `IS TRUE` rather than a bare boolean: the same rows (the column is NOT
        // NULL), but it keeps the planner off 0001's partial index on blockers,
        // whose 40,000-entry bitmap it underestimates (8 ms instead of 1 ms for
        // open critical blockers at 1M bugs); an ordered index scan with a
        // filter is what serves a blocker page.
        qb.push(" AND b.is_blocker IS TRUE");
    }
    if f.sla_breached_only {
        // Same predicate as the partial index bugs_sla_due_open_idx.
        qb.push(" AND b.status IN ('pending', 'in_progress', 'verified') AND b.sla_due_at < ")
            .push_bind(now);
    }
    let search = f.search.trim();
    if !search.is_empty() {
        let pattern = format!("%{}%", like_escape(search));
        qb.push(" AND (b.title ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR b.description ILIKE ")
            .push_bind(pattern);
        if f.fuzzy {
            // A word of the title within trigram distance of the text: served by
            // the same trigram indexes (threshold set by `prepare_search`).
            qb.push(" OR ")
                .push_bind(search.to_owned())
                .push(" <% b.title");
        }
        qb.push(")");
    }
}

/// The word-similarity threshold for fuzzy search: 0.5 lets one wrong or
/// missing letter in a word of seven or more through ("chekout" → "Checkout",
/// 0.55) without matching unrelated words. Session-level, and only fuzzy
/// searches use the `<%` operator it governs.
async fn prepare_search(conn: &mut PgConnection, f: &BugFilter) -> sqlx::Result<()> {
    if f.fuzzy && !f.search.trim().is_empty() {
        sqlx::query("SELECT set_config('pg_trgm.word_similarity_threshold', '0.5', false)")
            .execute(conn)
            .await?;
    }
    Ok(())
}

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

/// How many bugs match `q`'s filter: exact below [`EXACT_COUNT_LIMIT`], else
/// the planner's estimate (instant at any size).
pub async fn count(
    conn: &mut PgConnection,
    q: &BugQuery,
    now: DateTime<Utc>,
) -> sqlx::Result<Count> {
    prepare_search(conn, &q.filter).await?;
    let mut qb =
        QueryBuilder::<Postgres>::new("EXPLAIN (FORMAT JSON) SELECT 1 FROM bugs b WHERE true");
    push_filters(&mut qb, &q.filter, now);
    let plan: sqlx::types::Json<serde_json::Value> = qb
        .build_query_scalar()
        .persistent(false)
        .fetch_one(&mut *conn)
        .await?;
    let estimate = plan.0[0]["Plan"]["Plan Rows"].as_f64().unwrap_or(f64::MAX);
    if estimate >= EXACT_COUNT_LIMIT as f64 {
        return Ok(Count {
            n: estimate.round() as u64,
            estimated: true,
        });
    }
    let mut qb = QueryBuilder::<Postgres>::new("SELECT count(*) FROM bugs b WHERE true");
    push_filters(&mut qb, &q.filter, now);
    let n: i64 = qb
        .build_query_scalar()
        .persistent(false)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Count {
        n: n.max(0) as u64,
        estimated: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_escape_neutralises_wildcards() {
        assert_eq!(like_escape("100%_done\\"), "100\\%\\_done\\\\");
        assert_eq!(like_escape("checkout"), "checkout");
    }

    #[test]
    fn number_part_matches_the_sql_expression() {
        assert_eq!(number_part("BUG-1001"), 1001);
        assert_eq!(number_part("BUG-0042"), 42);
        assert_eq!(number_part("x"), 0);
    }

    #[test]
    fn filters_never_contain_user_text() {
        let f = BugFilter {
            project: Some("x'); DROP TABLE bugs; --".into()),
            assignee: Some("o'brien".into()),
            search: "50% off_".into(),
            severities: vec![Severity::Critical],
            blocker_only: true,
            ..Default::default()
        };
        let mut qb = QueryBuilder::<Postgres>::new("SELECT 1 FROM bugs b WHERE true");
        push_filters(&mut qb, &f, Utc::now());
        let sql = qb.into_string();
        assert!(
            !sql.contains("DROP") && !sql.contains("brien") && !sql.contains("50"),
            "{sql}"
        );
        assert!(sql.contains("b.status IN ('pending', 'in_progress', 'verified', 'deferred')"));
        assert!(sql.contains("b.severity IN ('critical')"));
    }
}
