//! What bugs cost in labour, and what open critical bugs put at risk.

use rust_decimal::Decimal;

use crate::domain::enums::{BugStatus, Severity};

/// Hourly rate used when none is configured.
pub const DEFAULT_HOURLY_RATE: Decimal = Decimal::from_parts(150, 0, 0, false, 0);

const DAYS_PER_MONTH: Decimal = Decimal::from_parts(30, 0, 0, false, 0);
const DAYS_PER_YEAR: Decimal = Decimal::from_parts(365, 0, 0, false, 0);

/// actual hours × hourly rate × severity multiplier; unlogged hours cost nothing.
pub fn bug_cost(
    actual_hours: Option<Decimal>,
    severity: Severity,
    hourly_rate: Decimal,
) -> Decimal {
    actual_hours.unwrap_or(Decimal::ZERO) * hourly_rate * severity.cost_multiplier()
}

/// One bug's share of daily revenue at risk: only open critical bugs count,
/// and a blocker counts double because nothing around it can ship either.
/// The impact is taken as stored (no clamping) so this agrees with a plain SQL SUM.
pub fn revenue_at_risk_contribution(
    severity: Severity,
    status: BugStatus,
    is_blocker: bool,
    revenue_impact_daily: Option<Decimal>,
) -> Decimal {
    if severity != Severity::Critical || !status.is_open() {
        return Decimal::ZERO;
    }
    let impact = revenue_impact_daily.unwrap_or(Decimal::ZERO);
    if is_blocker {
        impact * Decimal::TWO
    } else {
        impact
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RevenueAtRisk {
    pub daily: Decimal,
    /// daily × 30
    pub monthly: Decimal,
    /// daily × 365
    pub yearly: Decimal,
}

impl RevenueAtRisk {
    pub fn from_daily(daily: Decimal) -> Self {
        Self {
            daily,
            monthly: daily * DAYS_PER_MONTH,
            yearly: daily * DAYS_PER_YEAR,
        }
    }
}

/// Sums `revenue_at_risk_contribution` over
/// `(severity, status, is_blocker, revenue_impact_daily)` tuples.
pub fn revenue_at_risk<I>(bugs: I) -> RevenueAtRisk
where
    I: IntoIterator<Item = (Severity, BugStatus, bool, Option<Decimal>)>,
{
    let daily = bugs
        .into_iter()
        .map(|(sev, status, blocker, impact)| {
            revenue_at_risk_contribution(sev, status, blocker, impact)
        })
        .sum();
    RevenueAtRisk::from_daily(daily)
}

#[cfg(test)]
mod tests {
    use super::*;
    use BugStatus::*;
    use Severity::*;
    use rust_decimal_macros::dec;

    #[test]
    fn default_rate_is_150() {
        assert_eq!(DEFAULT_HOURLY_RATE, dec!(150));
    }

    #[test]
    fn bug_cost_applies_rate_and_multiplier() {
        let cases = [
            (Some(dec!(10)), Critical, DEFAULT_HOURLY_RATE, dec!(4500)),
            (Some(dec!(10)), High, DEFAULT_HOURLY_RATE, dec!(3000)),
            (Some(dec!(10)), Medium, DEFAULT_HOURLY_RATE, dec!(1500)),
            (Some(dec!(10)), Low, DEFAULT_HOURLY_RATE, dec!(750)),
            (Some(dec!(1.5)), Low, dec!(99.99), dec!(74.9925)),
            (Some(dec!(0)), Critical, DEFAULT_HOURLY_RATE, dec!(0)),
            (None, Critical, DEFAULT_HOURLY_RATE, dec!(0)),
        ];
        for (hours, sev, rate, expected) in cases {
            assert_eq!(
                bug_cost(hours, sev, rate),
                expected,
                "{hours:?} {sev} {rate}"
            );
        }
    }

    #[test]
    fn contribution_counts_only_open_critical_bugs() {
        let cases = [
            (Critical, Pending, false, Some(dec!(1000)), dec!(1000)),
            (Critical, InProgress, true, Some(dec!(1000)), dec!(2000)),
            (Critical, Verified, false, Some(dec!(250.50)), dec!(250.50)),
            // Deferred is still open, so it still risks revenue.
            (Critical, Deferred, true, Some(dec!(10)), dec!(20)),
            (Critical, Shipped, true, Some(dec!(1000)), dec!(0)),
            (Critical, Closed, false, Some(dec!(1000)), dec!(0)),
            (High, Pending, true, Some(dec!(1000)), dec!(0)),
            (Medium, Pending, false, Some(dec!(1000)), dec!(0)),
            (Low, InProgress, true, Some(dec!(1000)), dec!(0)),
            (Critical, Pending, true, None, dec!(0)),
        ];
        for (sev, status, blocker, impact, expected) in cases {
            assert_eq!(
                revenue_at_risk_contribution(sev, status, blocker, impact),
                expected,
                "{sev} {status} blocker={blocker} {impact:?}"
            );
        }
    }

    #[test]
    fn totals_scale_to_month_and_year() {
        let bugs = [
            (Critical, Pending, false, Some(dec!(1000))),
            (Critical, InProgress, true, Some(dec!(500.25))),
            (Critical, Shipped, true, Some(dec!(9999))),
            (High, Pending, true, Some(dec!(9999))),
            (Critical, Deferred, false, None),
        ];
        assert_eq!(
            revenue_at_risk(bugs),
            RevenueAtRisk {
                daily: dec!(2000.50),
                monthly: dec!(60015.00),
                yearly: dec!(730182.50),
            }
        );
        assert_eq!(revenue_at_risk([]), RevenueAtRisk::from_daily(dec!(0)));
        assert_eq!(
            RevenueAtRisk::default(),
            RevenueAtRisk::from_daily(Decimal::ZERO)
        );
    }
}
