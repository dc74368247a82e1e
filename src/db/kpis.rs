//! The KPI engine: what the dashboard's KPI pane and `ctodash kpis` show.
//!
//! Cheap reads instead of a scan of a million bugs: the trigger-maintained
//! `bug_stats` summary (≤ 48 rows), a handful of index-only counts for the
//! clock-dependent figures, the `bug_resolutions_daily` summary (one row per day
//! of history) for resolution times and SLA compliance, and the project list for
//! portfolio sums. All business maths happens in `domain`, so the rules live in
//! one place.

mod clock;
mod schedule;

use crate::db::rollups::project_financials;
use crate::domain::{
    BugStatus, DEFAULT_HOURLY_RATE, RevenueAtRisk, Severity, bug_cost, mean_hours_to_resolve,
    portfolio_totals, revenue_at_risk_contribution, sla_compliance_pct,
};
use chrono::{DateTime, Utc};
pub use clock::{Advanced, ClockEvent, ClockKind, HORIZON, KpiClock, MonthTotals};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::PgConnection;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OpenBySeverity {
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
}

impl OpenBySeverity {
    fn slot(&mut self, s: Severity) -> &mut i64 {
        match s {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
        }
    }

    pub fn get(&self, s: Severity) -> i64 {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }
}

/// Bugs of every status, resolved ones included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ByStatus {
    pub pending: i64,
    pub in_progress: i64,
    pub verified: i64,
    pub shipped: i64,
    pub closed: i64,
    pub deferred: i64,
}

impl ByStatus {
    fn slot(&mut self, s: BugStatus) -> &mut i64 {
        match s {
            BugStatus::Pending => &mut self.pending,
            BugStatus::InProgress => &mut self.in_progress,
            BugStatus::Verified => &mut self.verified,
            BugStatus::Shipped => &mut self.shipped,
            BugStatus::Closed => &mut self.closed,
            BugStatus::Deferred => &mut self.deferred,
        }
    }

    pub fn get(&self, s: BugStatus) -> i64 {
        match s {
            BugStatus::Pending => self.pending,
            BugStatus::InProgress => self.in_progress,
            BugStatus::Verified => self.verified,
            BugStatus::Shipped => self.shipped,
            BugStatus::Closed => self.closed,
            BugStatus::Deferred => self.deferred,
        }
    }
}

/// Money is serialised as decimal strings with two places, counts as integers,
/// percentages as numbers with (at most) two decimals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpis {
    pub open_by_severity: OpenBySeverity,
    pub open_total: i64,
    pub deferred: i64,
    pub blockers: i64,
    /// Open bugs (deferred included) strictly past their SLA deadline.
    pub sla_breached: i64,
    /// The deferred share of `sla_breached`.
    pub sla_breached_deferred: i64,
    /// Percent of resolved bugs resolved within their SLA hours; 100 when none.
    pub sla_compliance_pct: f64,
    /// The same over bugs resolved in the last 30 days.
    pub sla_compliance_pct_30d: f64,
    pub revenue_at_risk_daily: Decimal,
    pub revenue_at_risk_monthly: Decimal,
    pub portfolio_valuation: Decimal,
    pub year3_revenue_total: Decimal,
    pub monthly_infra_cost: Decimal,
    /// Σ ARR of active and shipped projects.
    pub arr_total: Decimal,
    pub projects_total: i64,
    pub projects_shipped: i64,
    pub opened_last_7d: i64,
    pub resolved_last_7d: i64,
    /// Mean hours from creation to resolution over bugs resolved in the last 30
    /// days; absent when none were.
    pub mean_time_to_resolve_hours: Option<f64>,
    /// The same over every resolved bug; absent when there are none.
    pub mean_time_to_resolve_hours_all: Option<f64>,
    pub by_status: ByStatus,
    pub engineering_cost: Decimal,
    pub refreshed_at: DateTime<Utc>,
}

impl Kpis {
    /// Every figure zero (compliance 100%, as with nothing resolved).
    pub fn empty() -> Kpis {
        from_buckets(&[])
    }
}

/// One row of `bug_stats`.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Bucket {
    severity: String,
    status: String,
    is_blocker: bool,
    bug_count: i64,
    revenue_impact_daily: Decimal,
    actual_hours: Decimal,
}

const BUCKETS: &str = "SELECT severity::text AS severity, status::text AS status, is_blocker, \
     bug_count, revenue_impact_daily, actual_hours FROM bug_stats WHERE bug_count <> 0";

/// Counts that depend on the clock, each an index-only count over a partial
/// index: SLA breaches of open non-deferred bugs from `bugs_sla_due_open_idx`
/// (0001) and of deferred ones from `bugs_sla_due_deferred_idx` (0008) — their
/// sum is the breach count, the second its deferred share — and the 7-day
/// opened count from the created_at index. The same statement reads the
/// all-time resolution totals from `bug_resolutions_daily`. The status lists
/// must stay exactly those indexes' predicates.
const CLOCK_COUNTS: &str = "WITH totals AS ( \
       SELECT coalesce(sum(resolved), 0)::bigint AS n, \
              coalesce(sum(resolve_seconds), 0)::float8 AS secs, \
              coalesce(sum(within_sla), 0)::bigint AS within \
       FROM bug_resolutions_daily) \
     SELECT \
     (SELECT count(*) FROM bugs WHERE status IN ('pending', 'in_progress', 'verified') \
        AND sla_due_at < $1), \
     (SELECT count(*) FROM bugs WHERE status = 'deferred' AND sla_due_at < $1), \
     (SELECT count(*) FROM bugs WHERE created_at > $1 - interval '7 days' AND created_at <= $1), \
     totals.n, totals.secs, totals.within FROM totals";

/// Resolutions in a window: whole UTC days from the summary, the two partial
/// days at the edges from `bugs_resolved_sla_idx` (two narrow index-only range
/// scans). Within SLA = resolved no later than the deadline, as in
/// `domain::sla::resolved_within_sla` and the summary's triggers.
const RESOLUTIONS: &str = "WITH days AS ( \
       SELECT coalesce(sum(resolved), 0)::bigint AS n, \
              coalesce(sum(resolve_seconds), 0)::float8 AS secs, \
              coalesce(sum(within_sla), 0)::bigint AS within \
       FROM bug_resolutions_daily WHERE day > $2 AND day < $4 \
     ), edges AS ( \
       SELECT count(*) AS n, \
              coalesce(sum(extract(epoch FROM resolved_at - created_at)), 0)::float8 AS secs, \
              count(*) FILTER (WHERE resolved_at <= sla_due_at) AS within \
       FROM (SELECT resolved_at, created_at, sla_due_at FROM bugs \
               WHERE resolved_at > $1 AND resolved_at < $3 \
             UNION ALL \
             SELECT resolved_at, created_at, sla_due_at FROM bugs \
               WHERE resolved_at >= $5 AND resolved_at <= $6) e \
     ) \
     SELECT days.n + edges.n, days.secs + edges.secs, days.within + edges.within \
     FROM days, edges";

/// Bugs resolved in a window (or ever): how many, their total seconds from
/// creation to resolution, and how many of them within their SLA.
#[derive(Debug, Clone, Copy)]
struct Resolutions {
    n: i64,
    seconds: f64,
    within: i64,
}

/// The bugs resolved in (now − days, now].
async fn resolutions(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    days: i64,
) -> sqlx::Result<Resolutions> {
    let since = now - chrono::Duration::days(days);
    let first_day = since.date_naive();
    let last_day = now.date_naive();
    let midnight = |d: chrono::NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    let (n, seconds, within): (i64, f64, i64) = sqlx::query_as(RESOLUTIONS)
        .bind(since)
        .bind(first_day)
        .bind(midnight(first_day + chrono::Duration::days(1)))
        .bind(last_day)
        .bind(midnight(last_day))
        .bind(now)
        .fetch_one(conn)
        .await?;
    Ok(Resolutions { n, seconds, within })
}

pub async fn load(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<Kpis> {
    Ok(load_parts(conn, now).await?.0)
}

/// The KPIs at `now` plus what the clock will change in them before
/// `now + HORIZON` (one more statement), for the live dashboard.
pub async fn load_live(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> sqlx::Result<(Kpis, KpiClock)> {
    let (kpis, month) = load_parts(&mut *conn, now).await?;
    let month = MonthTotals {
        resolved: month.n,
        seconds: month.seconds,
        within_sla: month.within,
    };
    let clock = schedule::schedule(conn, now, now + HORIZON, month).await?;
    Ok((kpis, clock))
}

async fn load_parts(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> sqlx::Result<(Kpis, Resolutions)> {
    let buckets: Vec<Bucket> = sqlx::query_as(BUCKETS).fetch_all(&mut *conn).await?;
    type Clock = (i64, i64, i64, i64, f64, i64);
    let (breached_active, breached_deferred, opened, n_all, seconds_all, within_all): Clock =
        sqlx::query_as(CLOCK_COUNTS)
            .bind(now)
            .fetch_one(&mut *conn)
            .await?;
    let week = resolutions(&mut *conn, now, 7).await?;
    let month = resolutions(&mut *conn, now, 30).await?;
    let portfolio = portfolio_totals(&project_financials(conn).await?);

    let mut k = from_buckets(&buckets);
    k.sla_breached = breached_active + breached_deferred;
    k.sla_breached_deferred = breached_deferred;
    k.sla_compliance_pct = sla_compliance_pct(within_all, n_all);
    k.sla_compliance_pct_30d = sla_compliance_pct(month.within, month.n);
    k.opened_last_7d = opened;
    k.resolved_last_7d = week.n;
    k.mean_time_to_resolve_hours = mean_hours_to_resolve(month.seconds, month.n);
    k.mean_time_to_resolve_hours_all = mean_hours_to_resolve(seconds_all, n_all);
    k.portfolio_valuation = money(portfolio.valuation);
    k.year3_revenue_total = money(portfolio.year3_revenue_total);
    k.monthly_infra_cost = money(portfolio.monthly_infra_cost);
    k.arr_total = money(portfolio.arr_total);
    k.projects_total = portfolio.projects_total;
    k.projects_shipped = portfolio.projects_shipped;
    k.refreshed_at = now;
    Ok((k, month))
}

/// Everything the summary table answers (the caller fills in the rest).
fn from_buckets(buckets: &[Bucket]) -> Kpis {
    let mut open = OpenBySeverity::default();
    let mut by_status = ByStatus::default();
    let (mut deferred, mut blockers) = (0, 0);
    let mut at_risk = Decimal::ZERO;
    let mut cost = Decimal::ZERO;
    for b in buckets {
        // Both columns are enums, so their labels always parse.
        let (Ok(severity), Ok(status)) = (
            b.severity.parse::<Severity>(),
            b.status.parse::<BugStatus>(),
        ) else {
            continue;
        };
        cost += bug_cost(Some(b.actual_hours), severity, DEFAULT_HOURLY_RATE);
        *by_status.slot(status) += b.bug_count;
        if !status.is_open() {
            continue;
        }
        *open.slot(severity) += b.bug_count;
        if status == BugStatus::Deferred {
            deferred += b.bug_count;
        }
        if b.is_blocker {
            blockers += b.bug_count;
        }
        at_risk += revenue_at_risk_contribution(
            severity,
            status,
            b.is_blocker,
            Some(b.revenue_impact_daily),
        );
    }
    let risk = RevenueAtRisk::from_daily(at_risk);
    Kpis {
        open_total: open.critical + open.high + open.medium + open.low,
        open_by_severity: open,
        deferred,
        blockers,
        sla_breached: 0,
        sla_breached_deferred: 0,
        sla_compliance_pct: 100.0,
        sla_compliance_pct_30d: 100.0,
        revenue_at_risk_daily: money(risk.daily),
        revenue_at_risk_monthly: money(risk.monthly),
        portfolio_valuation: Decimal::ZERO,
        year3_revenue_total: Decimal::ZERO,
        monthly_infra_cost: Decimal::ZERO,
        arr_total: Decimal::ZERO,
        projects_total: 0,
        projects_shipped: 0,
        opened_last_7d: 0,
        resolved_last_7d: 0,
        mean_time_to_resolve_hours: None,
        mean_time_to_resolve_hours_all: None,
        by_status,
        engineering_cost: money(cost),
        refreshed_at: DateTime::<Utc>::MIN_UTC,
    }
}

/// Two decimal places, always: "1200.00", not "1200" or "1200.000".
fn money(d: Decimal) -> Decimal {
    let mut d = d.round_dp(2);
    d.rescale(2);
    d
}

/// The last twelve months of `monthly_metrics`, oldest first, for sparklines.
pub async fn trend(conn: &mut PgConnection) -> sqlx::Result<Vec<crate::app::model::MonthPoint>> {
    type Row = (chrono::NaiveDate, i32, i32, i32, i32, Decimal, Decimal);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT month, total_bugs, critical_bugs, bugs_created, bugs_resolved, \
         revenue_impact_daily, avg_resolution_days \
         FROM (SELECT * FROM monthly_metrics ORDER BY month DESC LIMIT 12) m ORDER BY month",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(month, open, critical, created, resolved, risk, days)| {
            crate::app::model::MonthPoint {
                month,
                open_total: open.into(),
                critical: critical.into(),
                created: created.into(),
                resolved: resolved.into(),
                revenue_at_risk_daily: risk,
                avg_resolution_days: days,
            }
        })
        .collect())
}
