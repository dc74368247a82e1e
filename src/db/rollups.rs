//! Monthly and portfolio rollups computed from the live tables. Used by the demo
//! seed and by `ctodash snapshot`; both are upserts, so running twice is harmless.

use crate::domain::{
    BugStatus, DEFAULT_HOURLY_RATE, PortfolioTotals, ProjectFinancials, ProjectStatus, Severity,
    bug_cost, revenue_at_risk_contribution,
};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;

/// Bugs created (or resolved) per UTC month, severity and blocker flag: one pass
/// each over the table, whatever the number of months asked for.
const CREATED_BY_MONTH: &str = "SELECT date_trunc('month', created_at AT TIME ZONE 'UTC')::date, \
     severity::text, is_blocker, count(*), coalesce(sum(revenue_impact_daily), 0), \
     0::numeric, 0::float8 \
     FROM bugs WHERE created_at <= $1 GROUP BY 1, 2, 3";
const RESOLVED_BY_MONTH: &str = "SELECT date_trunc('month', resolved_at AT TIME ZONE 'UTC')::date, \
     severity::text, is_blocker, count(*), coalesce(sum(revenue_impact_daily), 0), \
     coalesce(sum(actual_hours), 0), \
     coalesce(sum(extract(epoch FROM resolved_at - created_at)), 0)::float8 \
     FROM bugs WHERE resolved_at <= $1 GROUP BY 1, 2, 3";

/// One group of either query: (month, severity, blocker, count, revenue, hours, seconds).
type Group = (NaiveDate, String, bool, i64, Decimal, Decimal, f64);

/// A `monthly_metrics` row: bugs open at the month's end by severity and the
/// revenue at risk then, plus the month's created/resolved counts, hours, cost
/// and mean resolution time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthRow {
    pub month: Option<NaiveDate>,
    pub open: [i64; 4],
    pub revenue_at_risk_daily: Decimal,
    pub eng_hours: Decimal,
    pub total_cost: Decimal,
    pub avg_resolution_days: Decimal,
    pub created: i64,
    pub resolved: i64,
}

/// Computes the rows for `months` from per-month groups. "Open at the end of M"
/// is everything created by then minus everything resolved by then.
pub fn month_rows(months: &[NaiveDate], created: &[Group], resolved: &[Group]) -> Vec<MonthRow> {
    let sev = |s: &str| s.parse::<Severity>().ok();
    months
        .iter()
        .map(|&m| {
            let mut row = MonthRow {
                month: Some(m),
                ..MonthRow::default()
            };
            let mut risk = Decimal::ZERO;
            let mut seconds = 0.0;
            for (sign, groups) in [(1i64, created), (-1, resolved)] {
                for (month, s, blocker, n, revenue, hours, secs) in groups {
                    let Some(severity) = sev(s) else { continue };
                    if *month <= m {
                        row.open[severity as usize] += sign * n;
                        let at_risk = revenue_at_risk_contribution(
                            severity,
                            BugStatus::Pending,
                            *blocker,
                            Some(*revenue),
                        );
                        risk += Decimal::from(sign) * at_risk;
                    }
                    if *month == m {
                        if sign > 0 {
                            row.created += n;
                        } else {
                            row.resolved += n;
                            row.eng_hours += hours;
                            row.total_cost += bug_cost(Some(*hours), severity, DEFAULT_HOURLY_RATE);
                            seconds += secs;
                        }
                    }
                }
            }
            row.revenue_at_risk_daily = risk.max(Decimal::ZERO).round_dp(2);
            row.total_cost = row.total_cost.round_dp(2);
            if row.resolved > 0 {
                let days = seconds / 86_400.0 / row.resolved as f64;
                row.avg_resolution_days = Decimal::from_f64_retain(days)
                    .unwrap_or_default()
                    .round_dp(2);
            }
            row
        })
        .collect()
}

/// First day of the month containing `t` (UTC).
pub fn month_start(t: DateTime<Utc>) -> NaiveDate {
    NaiveDate::from_ymd_opt(t.year(), t.month(), 1).expect("day 1 exists in every month")
}

/// Upserts the `monthly_metrics` rows for `months` (first days of months),
/// counting only what had happened by `now`, so the current month is
/// month-to-date. Two scans of `bugs` however many months.
pub async fn upsert_months(
    conn: &mut PgConnection,
    months: &[NaiveDate],
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let created: Vec<Group> = sqlx::query_as(CREATED_BY_MONTH)
        .bind(now)
        .fetch_all(&mut *conn)
        .await?;
    let resolved: Vec<Group> = sqlx::query_as(RESOLVED_BY_MONTH)
        .bind(now)
        .fetch_all(&mut *conn)
        .await?;
    for row in month_rows(months, &created, &resolved) {
        sqlx::query(
            "INSERT INTO monthly_metrics AS mm (month, total_bugs, critical_bugs, high_bugs, \
                 medium_bugs, low_bugs, eng_hours, total_cost, revenue_impact_daily, \
                 avg_resolution_days, bugs_created, bugs_resolved) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (month) DO UPDATE SET \
                 total_bugs = excluded.total_bugs, critical_bugs = excluded.critical_bugs, \
                 high_bugs = excluded.high_bugs, medium_bugs = excluded.medium_bugs, \
                 low_bugs = excluded.low_bugs, eng_hours = excluded.eng_hours, \
                 total_cost = excluded.total_cost, \
                 revenue_impact_daily = excluded.revenue_impact_daily, \
                 avg_resolution_days = excluded.avg_resolution_days, \
                 bugs_created = excluded.bugs_created, bugs_resolved = excluded.bugs_resolved",
        )
        .bind(row.month)
        .bind(row.open.iter().sum::<i64>() as i32)
        .bind(row.open[0] as i32)
        .bind(row.open[1] as i32)
        .bind(row.open[2] as i32)
        .bind(row.open[3] as i32)
        .bind(row.eng_hours)
        .bind(row.total_cost)
        .bind(row.revenue_at_risk_daily)
        .bind(row.avg_resolution_days)
        .bind(row.created as i32)
        .bind(row.resolved as i32)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Upserts one month's row (`ctodash snapshot --month`).
pub async fn upsert_monthly(
    conn: &mut PgConnection,
    month: NaiveDate,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    upsert_months(conn, &[month], now).await
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
    type Row = (
        String,
        Option<Decimal>,
        Option<Decimal>,
        Option<Decimal>,
        Option<Decimal>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT status::text, dcf_valuation, year3_revenue, monthly_infra_cost, arr FROM projects",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(status, dcf_valuation, year3_revenue, monthly_infra_cost, arr)| ProjectFinancials {
                // The column is an enum, so the label always parses.
                status: status.parse().unwrap_or(ProjectStatus::Active),
                dcf_valuation,
                year3_revenue,
                monthly_infra_cost,
                arr,
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

    fn d(y: i32, m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, 1).unwrap()
    }

    #[test]
    fn month_rows_accumulate_open_bugs_and_count_the_month_itself() {
        use rust_decimal_macros::dec;
        let created: Vec<Group> = vec![
            (
                d(2026, 1),
                "critical".into(),
                true,
                2,
                dec!(100),
                dec!(0),
                0.0,
            ),
            (
                d(2026, 2),
                "critical".into(),
                false,
                1,
                dec!(50),
                dec!(0),
                0.0,
            ),
            (d(2026, 2), "low".into(), false, 3, dec!(0), dec!(0), 0.0),
        ];
        // One blocker critical (revenue 40 of the 100) resolved in February
        // after 2 days, with 4 hours of work.
        let resolved: Vec<Group> = vec![(
            d(2026, 2),
            "critical".into(),
            true,
            1,
            dec!(40),
            dec!(4),
            2.0 * 86_400.0,
        )];
        let rows = month_rows(&[d(2026, 1), d(2026, 2)], &created, &resolved);
        assert_eq!(rows[0].open, [2, 0, 0, 0]);
        assert_eq!(rows[0].revenue_at_risk_daily, dec!(200)); // 100 × 2 (blockers)
        assert_eq!((rows[0].created, rows[0].resolved), (2, 0));
        assert_eq!(rows[1].open, [2, 0, 0, 3]); // 2 + 1 − 1 critical, 3 low
        // 200 − 40×2 + 50 = 170
        assert_eq!(rows[1].revenue_at_risk_daily, dec!(170));
        assert_eq!((rows[1].created, rows[1].resolved), (4, 1));
        assert_eq!(rows[1].eng_hours, dec!(4));
        assert_eq!(rows[1].total_cost, dec!(1800)); // 4 h × 150 × 3
        assert_eq!(rows[1].avg_resolution_days, dec!(2));
    }

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
