//! The KPI engine: what the dashboard's KPI pane and `ctodash kpis` show.
//!
//! Cheap reads instead of a scan of a million bugs: the trigger-maintained
//! `bug_stats` summary (≤ 48 rows), the hourly summaries of migration 0010 for
//! the clock-dependent figures (see `windows`: whole hours summed, only the
//! partial edge hours counted from indexes), the `bug_resolutions_daily`
//! summary (one row per day of history) for all-time resolution times and SLA
//! compliance, and the project list for portfolio sums. All business maths happens in `domain`, so the rules live in
//! one place.

mod clock;
mod schedule;
mod windows;

use crate::domain::{
    BugStatus, DEFAULT_HOURLY_RATE, PortfolioTotals, ProjectFinancials, ProjectStatus,
    RevenueAtRisk, Severity, bug_cost, mean_hours_to_resolve, portfolio_totals_grouped,
    revenue_at_risk_contribution, sla_compliance_pct,
};
use chrono::{DateTime, Utc};
pub use clock::{Advanced, ClockEvent, ClockKind, HORIZON, KpiClock, MonthTotals};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::{PgConnection, Postgres, Transaction};

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

pub async fn load(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<Kpis> {
    let mut tx = generic_plans(conn).await?;
    let (kpis, _) = load_parts(&mut tx, now).await?;
    tx.commit().await?;
    Ok(kpis)
}

/// A transaction whose statements use generic plans. The KPI statements are
/// narrow ranges over the same indexes whatever the instant, so one plan per
/// connection serves every refresh. Left to choose, PostgreSQL keeps custom
/// plans at a million bugs (the generic estimates look dearer there) and
/// re-plans each refresh's scans over `bugs` and its two dozen indexes, which
/// cost more than running them (measured ~2 ms of planning against ~1 ms of
/// execution for the windows statement).
async fn generic_plans(conn: &mut PgConnection) -> sqlx::Result<Transaction<'_, Postgres>> {
    let mut tx = sqlx::Acquire::begin(conn).await?;
    sqlx::query("SET LOCAL plan_cache_mode = force_generic_plan")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// The KPIs at `now` plus what the clock will change in them before
/// `now + HORIZON` (one more statement), for the live dashboard.
pub async fn load_live(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> sqlx::Result<(Kpis, KpiClock)> {
    let mut tx = generic_plans(conn).await?;
    let (kpis, month) = load_parts(&mut tx, now).await?;
    let month = MonthTotals {
        resolved: month.n,
        seconds: month.seconds,
        within_sla: month.within,
    };
    let clock = schedule::schedule(&mut tx, now, now + HORIZON, month).await?;
    tx.commit().await?;
    Ok((kpis, clock))
}

async fn load_parts(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> sqlx::Result<(Kpis, windows::Resolutions)> {
    let buckets: Vec<Bucket> = sqlx::query_as(BUCKETS).fetch_all(&mut *conn).await?;
    let w = windows::read(&mut *conn, now).await?;
    let portfolio = portfolio(conn).await?;

    let mut k = from_buckets(&buckets);
    let (month, all) = (w.month, w.all_time);
    k.sla_breached = w.breached_active + w.breached_deferred;
    k.sla_breached_deferred = w.breached_deferred;
    k.sla_compliance_pct = sla_compliance_pct(all.within, all.n);
    k.sla_compliance_pct_30d = sla_compliance_pct(month.within, month.n);
    k.opened_last_7d = w.opened_7d;
    k.resolved_last_7d = w.week.n;
    k.mean_time_to_resolve_hours = mean_hours_to_resolve(month.seconds, month.n);
    k.mean_time_to_resolve_hours_all = mean_hours_to_resolve(all.seconds, all.n);
    k.portfolio_valuation = money(portfolio.valuation);
    k.year3_revenue_total = money(portfolio.year3_revenue_total);
    k.monthly_infra_cost = money(portfolio.monthly_infra_cost);
    k.arr_total = money(portfolio.arr_total);
    k.projects_total = portfolio.projects_total;
    k.projects_shipped = portfolio.projects_shipped;
    k.refreshed_at = now;
    Ok((k, month))
}

/// The portfolio totals from one row per project status (the sums are by
/// status, see `domain::portfolio_totals_grouped`): five rows instead of every
/// project, which at 1,000 projects cost more than the rest of the refresh.
async fn portfolio(conn: &mut PgConnection) -> sqlx::Result<PortfolioTotals> {
    type Row = (
        String,
        i64,
        Option<Decimal>,
        Option<Decimal>,
        Option<Decimal>,
        Option<Decimal>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT status::text, count(*), sum(dcf_valuation), sum(year3_revenue), \
         sum(monthly_infra_cost), sum(arr) FROM projects GROUP BY status",
    )
    .fetch_all(conn)
    .await?;
    let groups: Vec<(ProjectFinancials, i64)> = rows
        .into_iter()
        .map(
            |(status, n, dcf_valuation, year3_revenue, monthly_infra_cost, arr)| {
                let group = ProjectFinancials {
                    // The column is an enum, so the label always parses.
                    status: status.parse().unwrap_or(ProjectStatus::Active),
                    dcf_valuation,
                    year3_revenue,
                    monthly_infra_cost,
                    arr,
                };
                (group, n)
            },
        )
        .collect();
    Ok(portfolio_totals_grouped(
        groups.iter().map(|(g, n)| (g, *n)),
    ))
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
