//! `ctodash snapshot [--month YYYY-MM]`: recomputes one `monthly_metrics` row
//! and today's `portfolio_metrics` row from the live tables, in one
//! transaction. Both are upserts keyed by month / date, so running it again
//! (from cron, say) replaces the rows instead of adding more.

use crate::cli::SnapshotArgs;
use crate::config::Config;
use crate::db::session::refuse_writes;
use crate::db::{self, SchemaPolicy, rollups};
use crate::domain::portfolio_totals;
use crate::format::{count, money};
use chrono::{DateTime, Months, NaiveDate, Utc};
use color_eyre::eyre::{Result, bail, eyre};
use rust_decimal::Decimal;
use sqlx::{Connection, PgConnection};

pub async fn run(cfg: &Config, args: &SnapshotArgs) -> Result<()> {
    let now = Utc::now();
    let month = match args.month.as_deref() {
        Some(text) => parse_month(text, now)?,
        None => rollups::month_start(now),
    };
    refuse_writes(cfg, "write the snapshot", "ctodash snapshot")?;
    let db = db::open(cfg, SchemaPolicy::MigrateOwned).await?;
    let mut conn = db.pool.acquire().await?;
    let written = snapshot(&mut conn, month, now).await?;
    print!("{}", report(&written, now));
    Ok(())
}

/// "2026-10" → 2026-10-01. Months after the current one are refused: there is
/// nothing to compute yet.
pub fn parse_month(text: &str, now: DateTime<Utc>) -> Result<NaiveDate> {
    let t = text.trim();
    let bad = || {
        eyre!(
            "--month {text:?} is not a month: write it as YYYY-MM, e.g. --month {}, or leave \
             --month out for the current month",
            now.format("%Y-%m")
        )
    };
    let (y, m) = t.split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.is_empty() || m.len() > 2 {
        return Err(bad());
    }
    let (Ok(year), Ok(month)) = (y.parse::<i32>(), m.parse::<u32>()) else {
        return Err(bad());
    };
    let date = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)?;
    let current = rollups::month_start(now);
    if date > current {
        bail!(
            "--month {t} is in the future (this month is {}): a snapshot can only count what \
             has happened. Pass {} or an earlier month",
            current.format("%Y-%m"),
            current.format("%Y-%m")
        );
    }
    Ok(date)
}

/// The rows as written, read back.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MonthlyRow {
    pub month: NaiveDate,
    pub total_bugs: i32,
    pub critical_bugs: i32,
    pub high_bugs: i32,
    pub medium_bugs: i32,
    pub low_bugs: i32,
    pub eng_hours: Decimal,
    pub total_cost: Decimal,
    pub revenue_impact_daily: Decimal,
    pub avg_resolution_days: Decimal,
    pub bugs_created: i32,
    pub bugs_resolved: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PortfolioRow {
    pub snapshot_date: NaiveDate,
    pub total_projects: i32,
    pub shipped_projects: i32,
    pub year3_revenue_total: Decimal,
    pub portfolio_dcf_total: Decimal,
    pub monthly_deps_cost: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub monthly: MonthlyRow,
    pub portfolio: PortfolioRow,
    /// Whether `monthly` counts only up to `now` (the current month).
    pub month_to_date: bool,
}

/// Upserts both rows in one transaction and reads them back.
pub async fn snapshot(
    conn: &mut PgConnection,
    month: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Snapshot> {
    let today = now.date_naive();
    let mut tx = conn.begin().await?;
    rollups::upsert_monthly(&mut tx, month, now).await?;
    let financials = rollups::project_financials(&mut tx).await?;
    rollups::upsert_portfolio(&mut tx, today, &portfolio_totals(&financials)).await?;
    let monthly: MonthlyRow = sqlx::query_as(
        "SELECT month, total_bugs, critical_bugs, high_bugs, medium_bugs, low_bugs, eng_hours, \
                total_cost, revenue_impact_daily, avg_resolution_days, bugs_created, bugs_resolved \
         FROM monthly_metrics WHERE month = $1",
    )
    .bind(month)
    .fetch_one(&mut *tx)
    .await?;
    let portfolio: PortfolioRow = sqlx::query_as(
        "SELECT snapshot_date, total_projects, shipped_projects, year3_revenue_total, \
                portfolio_dcf_total, monthly_deps_cost \
         FROM portfolio_metrics WHERE snapshot_date = $1",
    )
    .bind(today)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Snapshot {
        monthly,
        portfolio,
        month_to_date: month + Months::new(1) > today,
    })
}

/// What was written, for people and cron logs.
pub fn report(s: &Snapshot, now: DateTime<Utc>) -> String {
    let m = &s.monthly;
    let p = &s.portfolio;
    let period = if s.month_to_date {
        format!("month to date, up to {}", now.format("%Y-%m-%d %H:%M UTC"))
    } else {
        "whole month".to_owned()
    };
    format!(
        "monthly_metrics {} ({period}): open at end {} (critical {}, high {}, medium {}, low {}), \
         created {}, resolved {}, avg resolution {} days, eng hours {}, cost {}, revenue at risk \
         {}/day\n\
         portfolio_metrics {} (UTC): {} projects ({} shipped), valuation {}, year-3 revenue {}, \
         infra {}/month\n",
        m.month.format("%Y-%m"),
        count(m.total_bugs.into()),
        count(m.critical_bugs.into()),
        count(m.high_bugs.into()),
        count(m.medium_bugs.into()),
        count(m.low_bugs.into()),
        count(m.bugs_created.into()),
        count(m.bugs_resolved.into()),
        m.avg_resolution_days.normalize(),
        m.eng_hours.normalize(),
        money(m.total_cost),
        money(m.revenue_impact_daily),
        p.snapshot_date,
        count(p.total_projects.into()),
        count(p.shipped_projects.into()),
        money(p.portfolio_dcf_total),
        money(p.year3_revenue_total),
        money(p.monthly_deps_cost),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn months() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap();
        assert_eq!(parse_month("2026-10", now).unwrap(), d(2026, 10));
        assert_eq!(parse_month(" 2026-1 ", now).unwrap(), d(2026, 1));
        assert_eq!(parse_month("2026-11", now).unwrap(), d(2026, 11));
        for bad in [
            "2026-13", "2026-00", "26-10", "2026/10", "october", "", "2026-", "2026-1x",
        ] {
            let e = parse_month(bad, now).unwrap_err().to_string();
            assert!(e.contains("YYYY-MM") && e.contains("2026-11"), "{bad}: {e}");
        }
        let e = parse_month("2026-12", now).unwrap_err().to_string();
        assert!(e.contains("in the future"), "{e}");
    }
}
