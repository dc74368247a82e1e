//! The KPI clock's schedule: what the clock alone changes in the KPIs between
//! `now` and the horizon, read in one statement so an idle dashboard can
//! advance its figures locally (see `clock`).
//!
//! Every branch is a narrow range over an index the KPI engine already uses:
//! the open and deferred SLA partial indexes, the created_at index, and the
//! resolutions index (which covers created_at and sla_due_at). The windows'
//! bounds are computed here, in UTC, exactly as `load` computes them.

use super::clock::{ClockEvent, ClockKind, KpiClock, MonthTotals};
use chrono::{DateTime, TimeDelta, Utc};
use sqlx::PgConnection;

/// kind: 0 open SLA due, 1 deferred SLA due, 2 opened, 3 resolved in the
/// 7-day window's edge, 4 resolved in the 30-day window's edge. The status
/// lists must stay exactly the partial indexes' predicates (as CLOCK_COUNTS).
const SCHEDULE: &str = "\
    SELECT 0::int4, sla_due_at, 0::float8, false FROM bugs \
      WHERE status IN ('pending', 'in_progress', 'verified') \
        AND sla_due_at >= $1 AND sla_due_at < $2 \
    UNION ALL SELECT 1, sla_due_at, 0, false FROM bugs \
      WHERE status = 'deferred' AND sla_due_at >= $1 AND sla_due_at < $2 \
    UNION ALL SELECT 2, created_at, 0, false FROM bugs \
      WHERE created_at > $3 AND created_at <= $4 \
    UNION ALL SELECT 3, resolved_at, 0, false FROM bugs \
      WHERE resolved_at > $3 AND resolved_at <= $4 \
    UNION ALL SELECT 4, resolved_at, extract(epoch FROM resolved_at - created_at)::float8, \
           resolved_at <= sla_due_at FROM bugs \
      WHERE resolved_at > $5 AND resolved_at <= $6";

/// Events for every `now` in [from, horizon]: deadlines in [from, horizon)
/// (breached once the clock is past them), and creations and resolutions that
/// leave their window — (t − days, t] — at some t in (from, horizon].
pub async fn schedule(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    horizon: DateTime<Utc>,
    month: MonthTotals,
) -> sqlx::Result<KpiClock> {
    let (week, days30) = (TimeDelta::days(7), TimeDelta::days(30));
    let rows: Vec<(i32, DateTime<Utc>, f64, bool)> = sqlx::query_as(SCHEDULE)
        .bind(from)
        .bind(horizon)
        .bind(from - week)
        .bind(horizon - week)
        .bind(from - days30)
        .bind(horizon - days30)
        .fetch_all(conn)
        .await?;
    let mut events: Vec<ClockEvent> = rows
        .into_iter()
        .filter_map(|(kind, at, seconds, within_sla)| {
            Some(match kind {
                0 | 1 => ClockEvent {
                    at,
                    kind: ClockKind::SlaDue {
                        deferred: kind == 1,
                    },
                },
                2 => ClockEvent {
                    at: at + week,
                    kind: ClockKind::OpenedLeaves7d,
                },
                3 => ClockEvent {
                    at: at + week,
                    kind: ClockKind::ResolvedLeaves7d,
                },
                4 => ClockEvent {
                    at: at + days30,
                    kind: ClockKind::ResolvedLeaves30d {
                        seconds,
                        within_sla,
                    },
                },
                _ => return None,
            })
        })
        .collect();
    events.sort_by_key(|e| e.at);
    Ok(KpiClock {
        horizon: Some(horizon),
        events,
        month,
    })
}
