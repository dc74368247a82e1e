//! Monthly and portfolio rollups computed from the live tables. Used by the demo
//! seed and by `ctodash snapshot`; both are upserts, so running twice is harmless.

use crate::domain::{
    DEFAULT_HOURLY_RATE, PortfolioTotals, ProjectFinancials, ProjectStatus, Severity,
};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;

/// Open-at-month-end counts by severity, revenue at risk at month end, and the
/// month's created/resolved counts, hours, cost and mean resolution time.
const MONTHLY_UPSERT: &str = r#"
WITH bounds AS (
    SELECT $1::date AS m_start,
           least(($1::date + interval '1 month'), $2::timestamptz) AS m_end
), open_at_end AS (
    SELECT b.severity, b.is_blocker, b.revenue_impact_daily
    FROM bugs b, bounds
    WHERE b.created_at < bounds.m_end
      AND (b.resolved_at IS NULL OR b.resolved_at >= bounds.m_end)
), created AS (
    SELECT count(*) AS n FROM bugs b, bounds
    WHERE b.created_at >= bounds.m_start AND b.created_at < bounds.m_end
), resolved AS (
    SELECT count(*) AS n,
           coalesce(sum(b.actual_hours), 0) AS hours,
           coalesce(sum(b.actual_hours * $3::numeric * CASE b.severity
               WHEN 'critical' THEN $4::numeric WHEN 'high' THEN $5::numeric
               WHEN 'medium' THEN $6::numeric ELSE $7::numeric END), 0) AS cost,
           coalesce(round((avg(extract(epoch FROM b.resolved_at - b.created_at)) / 86400)::numeric, 2), 0) AS avg_days
    FROM bugs b, bounds
    WHERE b.resolved_at >= bounds.m_start AND b.resolved_at < bounds.m_end
)
INSERT INTO monthly_metrics AS mm (month, total_bugs, critical_bugs, high_bugs, medium_bugs,
    low_bugs, eng_hours, total_cost, revenue_impact_daily, avg_resolution_days,
    bugs_created, bugs_resolved)
SELECT $1::date,
       (SELECT count(*) FROM open_at_end),
       (SELECT count(*) FROM open_at_end WHERE severity = 'critical'),
       (SELECT count(*) FROM open_at_end WHERE severity = 'high'),
       (SELECT count(*) FROM open_at_end WHERE severity = 'medium'),
       (SELECT count(*) FROM open_at_end WHERE severity = 'low'),
       resolved.hours, round(resolved.cost, 2),
       (SELECT coalesce(sum(revenue_impact_daily * CASE WHEN is_blocker THEN 2 ELSE 1 END), 0)
        FROM open_at_end WHERE severity = 'critical'),
       resolved.avg_days, created.n, resolved.n
FROM created, resolved
ON CONFLICT (month) DO UPDATE SET
    total_bugs = excluded.total_bugs, critical_bugs = excluded.critical_bugs,
    high_bugs = excluded.high_bugs, medium_bugs = excluded.medium_bugs,
    low_bugs = excluded.low_bugs, eng_hours = excluded.eng_hours,
    total_cost = excluded.total_cost, revenue_impact_daily = excluded.revenue_impact_daily,
    avg_resolution_days = excluded.avg_resolution_days, bugs_created = excluded.bugs_created,
    bugs_resolved = excluded.bugs_resolved
"#;

/// First day of the month containing `t`.
pub fn month_start(t: DateTime<Utc>) -> NaiveDate {
    NaiveDate::from_ymd_opt(t.year(), t.month(), 1).expect("day 1 exists in every month")
}

/// Upserts the `monthly_metrics` row for the month starting at `month`, counting
/// only what had happened by `now` (so the current month is month-to-date).
pub async fn upsert_monthly(
    conn: &mut PgConnection,
    month: NaiveDate,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(MONTHLY_UPSERT)
        .bind(month)
        .bind(now)
        .bind(DEFAULT_HOURLY_RATE)
        .bind(Severity::Critical.cost_multiplier())
        .bind(Severity::High.cost_multiplier())
        .bind(Severity::Medium.cost_multiplier())
        .bind(Severity::Low.cost_multiplier())
        .execute(conn)
        .await?;
    Ok(())
}

/// The `months` most recent months ending with the one containing `now`, oldest first.
pub fn recent_months(now: DateTime<Utc>, months: u32) -> Vec<NaiveDate> {
    let current = month_start(now);
    (0..months)
        .rev()
        .map(|back| current - Months::new(back))
        .collect()
}

pub async fn project_financials(conn: &mut PgConnection) -> sqlx::Result<Vec<ProjectFinancials>> {
    type Row = (String, Option<Decimal>, Option<Decimal>, Option<Decimal>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT status::text, dcf_valuation, year3_revenue, monthly_infra_cost FROM projects",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(status, dcf_valuation, year3_revenue, monthly_infra_cost)| ProjectFinancials {
                // The column is an enum, so the label always parses.
                status: status.parse().unwrap_or(ProjectStatus::Active),
                dcf_valuation,
                year3_revenue,
                monthly_infra_cost,
            },
        )
        .collect())
}

pub async fn upsert_portfolio(
    conn: &mut PgConnection,
    date: NaiveDate,
    totals: &PortfolioTotals,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO portfolio_metrics AS p (total_projects, shipped_projects, \
             year3_revenue_total, portfolio_dcf_total, monthly_deps_cost, snapshot_date) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (snapshot_date) DO UPDATE SET \
             total_projects = excluded.total_projects, \
             shipped_projects = excluded.shipped_projects, \
             year3_revenue_total = excluded.year3_revenue_total, \
             portfolio_dcf_total = excluded.portfolio_dcf_total, \
             monthly_deps_cost = excluded.monthly_deps_cost",
    )
    .bind(totals.projects_total as i32)
    .bind(totals.projects_shipped as i32)
    .bind(totals.year3_revenue_total)
    .bind(totals.valuation)
    .bind(totals.monthly_infra_cost)
    .bind(date)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn recent_months_end_with_the_current_month() {
        let now = Utc.with_ymd_and_hms(2026, 2, 14, 9, 0, 0).unwrap();
        let months = recent_months(now, 3);
        assert_eq!(
            months,
            vec![
                NaiveDate::from_ymd_opt(2025, 12, 1).unwrap(),
                NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
            ]
        );
    }
}
