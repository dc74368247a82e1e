//! The 0–100 priority score used to order the bug table.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::domain::enums::Severity;

const MAX_REVENUE_POINTS: u8 = 30;
const BLOCKER_POINTS: u8 = 20;
const MAX_AGE_POINTS: u8 = 10;

/// Severity points, plus min(30, ⌊daily revenue / 1000⌋), plus 20 if a blocker,
/// plus min(10, whole days open). Negative revenue or age (bad data, clock
/// skew) counts as zero rather than lowering the score.
pub fn priority_score(
    severity: Severity,
    revenue_impact_daily: Option<Decimal>,
    is_blocker: bool,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> u8 {
    let revenue_points = revenue_impact_daily
        .filter(|r| r.is_sign_positive())
        .map(|r| {
            (r / Decimal::ONE_THOUSAND)
                .floor()
                .min(Decimal::from(MAX_REVENUE_POINTS))
        })
        .and_then(|p| p.to_u8())
        .unwrap_or(0);
    let blocker_points = if is_blocker { BLOCKER_POINTS } else { 0 };
    let days_open = (now - created_at)
        .num_days()
        .clamp(0, i64::from(MAX_AGE_POINTS));
    let age_points = u8::try_from(days_open).unwrap_or(0);

    (severity.priority_points() + revenue_points + blocker_points + age_points).min(100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Severity::*;
    use chrono::{TimeDelta, TimeZone};
    use rust_decimal_macros::dec;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
    }

    #[test]
    fn scores() {
        let day = TimeDelta::days(1);
        let cases: [(Severity, Option<Decimal>, bool, TimeDelta, u8); 22] = [
            // Severity alone.
            (Critical, None, false, TimeDelta::zero(), 40),
            (High, None, false, TimeDelta::zero(), 30),
            (Medium, None, false, TimeDelta::zero(), 15),
            (Low, None, false, TimeDelta::zero(), 5),
            // Revenue: floor of thousands, capped at 30, negatives ignored.
            (Low, Some(dec!(999.99)), false, TimeDelta::zero(), 5),
            (Low, Some(dec!(1000)), false, TimeDelta::zero(), 6),
            (Low, Some(dec!(12_345.67)), false, TimeDelta::zero(), 17),
            (Low, Some(dec!(29_999.99)), false, TimeDelta::zero(), 34),
            (Low, Some(dec!(30_000)), false, TimeDelta::zero(), 35),
            (Low, Some(dec!(31_000)), false, TimeDelta::zero(), 35),
            (
                Low,
                Some(dec!(79_228_162_514_264_337_593_543_950_335)),
                false,
                TimeDelta::zero(),
                35,
            ),
            (Low, Some(dec!(-5000)), false, TimeDelta::zero(), 5),
            (Low, Some(dec!(0)), false, TimeDelta::zero(), 5),
            // Blocker bonus.
            (Medium, None, true, TimeDelta::zero(), 35),
            // Age: whole days, capped at 10, future creation ignored.
            (Low, None, false, day - TimeDelta::seconds(1), 5),
            (Low, None, false, day, 6),
            (Low, None, false, day * 9 + TimeDelta::hours(23), 14),
            (Low, None, false, day * 10, 15),
            (Low, None, false, day * 400, 15),
            (Low, None, false, -day * 3, 5),
            // Everything maxed reaches exactly 100.
            (Critical, Some(dec!(1_000_000)), true, day * 30, 100),
            (High, Some(dec!(5_500)), true, day * 2, 57),
        ];
        for (sev, revenue, blocker, age, expected) in cases {
            assert_eq!(
                priority_score(sev, revenue, blocker, now() - age, now()),
                expected,
                "{sev} {revenue:?} blocker={blocker} age={age}"
            );
        }
    }
}
