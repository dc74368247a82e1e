//! The clock-dependent KPIs in one statement, from summaries whose size does
//! not grow with the backlog.
//!
//! Migration 0010 keeps two trigger-maintained summaries keyed by UTC hour:
//! `kpi_hourly` (creations and resolutions per hour) and `kpi_open_due_hourly`
//! (open bugs per hour of SLA deadline). A window (t − days, t] sums its whole
//! hours from `kpi_hourly` (≤ 720 rows) and counts only its two partial edge
//! hours from `bugs`' indexes (an hour of creations or resolutions each).
//! Breaches are the open total (`bug_stats`) minus the open bugs not due yet:
//! whole hours after the current one from `kpi_open_due_hourly` (bounded by
//! the longest SLA, not by the history) plus the rest of the current hour from
//! the SLA partial indexes. All of it is read in one statement, so every
//! figure comes from the same snapshot (the subtraction needs that).

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use sqlx::PgConnection;
use std::sync::LazyLock;

/// Bugs resolved in a window (or ever): how many, their total seconds from
/// creation to resolution, and how many of them within their SLA.
#[derive(Debug, Clone, Copy)]
pub(super) struct Resolutions {
    pub n: i64,
    pub seconds: f64,
    pub within: i64,
}

/// Everything the clock changes, at one instant.
#[derive(Debug, Clone, Copy)]
pub(super) struct Windows {
    /// Open, non-deferred bugs strictly past their deadline.
    pub breached_active: i64,
    pub breached_deferred: i64,
    pub opened_7d: i64,
    pub week: Resolutions,
    pub month: Resolutions,
    pub all_time: Resolutions,
}

/// The UTC hour `t` falls in (hours since the Unix epoch are UTC hours).
pub(crate) fn hour_of(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::hours(1)).unwrap_or(t)
}

/// Resolutions in (since, now]: whole hours strictly between the first
/// partial hour `first` and now's hour ($2), then the two partial hours from
/// `bugs_resolved_sla_idx` (index-only: it includes created_at and sla_due_at).
/// Within SLA = resolved no later than the deadline, as in
/// `domain::sla::resolved_within_sla` and the summaries' triggers. Seconds
/// are summed as numeric (exact) and rounded to float once.
fn resolved_window(name: &str, since: u8, first: u8, first_end: u8) -> String {
    format!(
        "{name} AS ( \
           SELECT h.n + e.n AS n, (h.secs + e.secs)::float8 AS secs, h.within + e.within AS within \
           FROM (SELECT coalesce(sum(resolved), 0)::bigint AS n, \
                        coalesce(sum(resolve_seconds), 0) AS secs, \
                        coalesce(sum(within_sla), 0)::bigint AS within \
                 FROM kpi_hourly WHERE hour > ${first} AND hour < $2) h, \
                (SELECT count(*) AS n, \
                        coalesce(sum(extract(epoch FROM resolved_at - created_at)), 0) AS secs, \
                        count(*) FILTER (WHERE resolved_at <= sla_due_at) AS within \
                 FROM (SELECT resolved_at, created_at, sla_due_at FROM bugs \
                         WHERE resolved_at > ${since} AND resolved_at < ${first_end} \
                       UNION ALL \
                       SELECT resolved_at, created_at, sla_due_at FROM bugs \
                         WHERE resolved_at >= $2 AND resolved_at <= $1) x) e)"
    )
}

/// $1 now, $2 now's hour, $3 the hour after; $4..$6 the 7-day window's start,
/// its first hour and that hour's end; $7..$9 the same for 30 days. The SLA
/// status lists must stay exactly the partial indexes' predicates
/// (`bugs_sla_due_open_idx`, `bugs_sla_due_deferred_idx`).
static WINDOWS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH open_now AS ( \
           SELECT coalesce(sum(bug_count) FILTER (WHERE status <> 'deferred'), 0)::bigint AS active, \
                  coalesce(sum(bug_count) FILTER (WHERE status = 'deferred'), 0)::bigint AS deferred \
           FROM bug_stats WHERE status IN ('pending', 'in_progress', 'verified', 'deferred') \
         ), not_due AS ( \
           SELECT coalesce(sum(open_count) FILTER (WHERE NOT deferred), 0)::bigint \
                    + (SELECT count(*) FROM bugs \
                         WHERE status IN ('pending', 'in_progress', 'verified') \
                           AND sla_due_at >= $1 AND sla_due_at < $3) AS active, \
                  coalesce(sum(open_count) FILTER (WHERE deferred), 0)::bigint \
                    + (SELECT count(*) FROM bugs \
                         WHERE status = 'deferred' AND sla_due_at >= $1 AND sla_due_at < $3) \
                    AS deferred \
           FROM kpi_open_due_hourly WHERE hour > $2 \
         ), opened AS ( \
           SELECT (SELECT coalesce(sum(created), 0)::bigint FROM kpi_hourly \
                     WHERE hour > $5 AND hour < $2) \
                + (SELECT count(*) FROM bugs WHERE created_at > $4 AND created_at < $6) \
                + (SELECT count(*) FROM bugs WHERE created_at >= $2 AND created_at <= $1) AS n \
         ), {week}, {month}, all_time AS ( \
           SELECT coalesce(sum(resolved), 0)::bigint AS n, \
                  coalesce(sum(resolve_seconds), 0)::float8 AS secs, \
                  coalesce(sum(within_sla), 0)::bigint AS within \
           FROM bug_resolutions_daily \
         ) \
         SELECT open_now.active - not_due.active, open_now.deferred - not_due.deferred, opened.n, \
                week.n, week.secs, week.within, month.n, month.secs, month.within, \
                all_time.n, all_time.secs, all_time.within \
         FROM open_now, not_due, opened, week, month, all_time",
        week = resolved_window("week", 4, 5, 6),
        month = resolved_window("month", 7, 8, 9),
    )
});

type Row = (i64, i64, i64, i64, f64, i64, i64, f64, i64, i64, f64, i64);

pub(super) async fn read(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<Windows> {
    let hour = TimeDelta::hours(1);
    let mut q = sqlx::query_as::<_, Row>(WINDOWS.as_str())
        .bind(now)
        .bind(hour_of(now))
        .bind(hour_of(now) + hour);
    for days in [7, 30] {
        let since = now - TimeDelta::days(days);
        q = q
            .bind(since)
            .bind(hour_of(since))
            .bind(hour_of(since) + hour);
    }
    let r = q.fetch_one(conn).await?;
    let res = |n, seconds, within| Resolutions { n, seconds, within };
    Ok(Windows {
        breached_active: r.0,
        breached_deferred: r.1,
        opened_7d: r.2,
        week: res(r.3, r.4, r.5),
        month: res(r.6, r.7, r.8),
        all_time: res(r.9, r.10, r.11),
    })
}
