//! The filters as SQL, user text bound: the WHERE clause the page and the count share.

use crate::domain::{BugStatus, Severity};
use crate::query::{BugFilter, Window};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

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
pub(super) fn push_filters(qb: &mut QueryBuilder<Postgres>, f: &BugFilter, now: DateTime<Utc>) {
    // PostgreSQL text cannot hold NUL, so no stored value contains one and a
    // filter text with one matches nothing (binding it would be an error).
    let texts = [
        f.project.as_deref(),
        f.assignee.as_deref(),
        Some(f.search.as_str()),
    ];
    if texts.iter().flatten().any(|t| t.contains('\0')) {
        qb.push(" AND false");
        return;
    }
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
        // Open, deferred included, as the KPI counts it (domain::sla); the
        // same predicate as the partial index bugs_open_sla_idx.
        qb.push(
            " AND b.status IN ('pending', 'in_progress', 'verified', 'deferred') \
             AND b.sla_due_at < ",
        )
        .push_bind(now);
    }
    if let Some(window) = f.window {
        // The same bounds as the KPI engine's counts (db::kpis).
        let (column, days) = match window {
            Window::Opened { days } => ("b.created_at", Some(days)),
            Window::Resolved { days } => ("b.resolved_at", Some(days)),
            Window::ResolvedEver => ("b.resolved_at", None),
        };
        qb.push(format!(" AND {column} IS NOT NULL"));
        if let Some(days) = days {
            qb.push(format!(" AND {column} > "))
                .push_bind(now - chrono::Duration::days(i64::from(days)))
                .push(format!(" AND {column} <= "))
                .push_bind(now);
        }
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
pub(super) async fn prepare_search(conn: &mut PgConnection, f: &BugFilter) -> sqlx::Result<()> {
    if f.fuzzy && !f.search.trim().is_empty() {
        sqlx::query("SELECT set_config('pg_trgm.word_similarity_threshold', '0.5', false)")
            .execute(conn)
            .await?;
    }
    Ok(())
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
    fn a_nul_in_filter_text_matches_nothing_instead_of_failing() {
        for f in [
            BugFilter {
                search: "a\0b".into(),
                ..Default::default()
            },
            BugFilter {
                project: Some("\0".into()),
                ..Default::default()
            },
            BugFilter {
                assignee: Some("x\0".into()),
                ..Default::default()
            },
        ] {
            let mut qb = QueryBuilder::<Postgres>::new("SELECT 1 FROM bugs b WHERE true");
            push_filters(&mut qb, &f, Utc::now());
            assert_eq!(
                qb.into_string(),
                "SELECT 1 FROM bugs b WHERE true AND false"
            );
        }
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
