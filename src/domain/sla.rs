//! SLA clocks: how long an open bug has left, or how far past its deadline it is.

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::enums::BugStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaState {
    /// Resolved (shipped or closed): the clock no longer matters.
    Met,
    /// Deferred: parked bugs do not breach.
    Paused,
    /// Time until the deadline; zero exactly at the deadline.
    Remaining(TimeDelta),
    /// Time past the deadline; always positive.
    Overdue(TimeDelta),
}

impl SlaState {
    pub const fn is_overdue(&self) -> bool {
        matches!(self, Self::Overdue(_))
    }

    /// Short text for tables: "3h 12m left", "2d 4h over", "met", "paused".
    pub fn label(&self) -> String {
        match self {
            Self::Met => "met".to_owned(),
            Self::Paused => "paused".to_owned(),
            Self::Remaining(d) => format!("{} left", format_duration_short(*d)),
            Self::Overdue(d) => format!("{} over", format_duration_short(*d)),
        }
    }
}

pub fn sla_state(
    status: BugStatus,
    created_at: DateTime<Utc>,
    sla_hours: i32,
    now: DateTime<Utc>,
) -> SlaState {
    if status.is_resolved() {
        return SlaState::Met;
    }
    if status == BugStatus::Deferred {
        return SlaState::Paused;
    }
    // Working from the elapsed time rather than `created_at + sla` cannot
    // overflow: any two chrono datetimes are well within TimeDelta's range.
    let elapsed = now - created_at;
    let allowed = TimeDelta::hours(i64::from(sla_hours));
    if elapsed > allowed {
        SlaState::Overdue(elapsed - allowed)
    } else {
        SlaState::Remaining(allowed - elapsed)
    }
}

/// Open, not deferred, and strictly past `created_at + sla_hours`.
pub fn is_breached(
    status: BugStatus,
    created_at: DateTime<Utc>,
    sla_hours: i32,
    now: DateTime<Utc>,
) -> bool {
    sla_state(status, created_at, sla_hours, now).is_overdue()
}

/// Compact duration for narrow columns, at most two units, each truncated
/// (a clock reading, never rounded up), sign ignored:
/// - under an hour: minutes, "45m" (and "0m")
/// - under a day: hours and minutes, "3h 12m", or "3h" on the hour
/// - under ten days: days and hours, "2d 4h", or "2d" on the day
/// - ten days or more: days only, "41d" (hours are noise at that scale)
pub fn format_duration_short(d: TimeDelta) -> String {
    let d = d.abs();
    let (days, hours, minutes) = (d.num_days(), d.num_hours() % 24, d.num_minutes() % 60);
    match (days, hours) {
        (0, 0) => format!("{minutes}m"),
        (0, _) if minutes == 0 => format!("{hours}h"),
        (0, _) => format!("{hours}h {minutes}m"),
        (10.., _) | (_, 0) => format!("{days}d"),
        _ => format!("{days}d {hours}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BugStatus::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
    }

    fn mins(m: i64) -> TimeDelta {
        TimeDelta::minutes(m)
    }

    #[test]
    fn sla_state_covers_every_branch() {
        let cases = [
            // status, age, sla hours, expected
            (Shipped, mins(10_000), 4, SlaState::Met),
            (Closed, mins(10_000), 4, SlaState::Met),
            (Deferred, mins(10_000), 4, SlaState::Paused),
            (Pending, mins(0), 4, SlaState::Remaining(mins(240))),
            (InProgress, mins(60), 4, SlaState::Remaining(mins(180))),
            (Verified, mins(239), 4, SlaState::Remaining(mins(1))),
            // Exactly at the deadline is still within SLA.
            (Pending, mins(240), 4, SlaState::Remaining(mins(0))),
            (Pending, mins(241), 4, SlaState::Overdue(mins(1))),
            (
                InProgress,
                mins(24 * 60 + 1),
                24,
                SlaState::Overdue(mins(1)),
            ),
            (
                Verified,
                mins(72 * 60 + 90),
                72,
                SlaState::Overdue(mins(90)),
            ),
            (Pending, mins(720 * 60), 720, SlaState::Remaining(mins(0))),
            // Created in the future (clock skew): more time left, not less.
            (Pending, mins(-30), 4, SlaState::Remaining(mins(270))),
        ];
        for (status, age, hours, expected) in cases {
            let created = now() - age;
            assert_eq!(
                sla_state(status, created, hours, now()),
                expected,
                "{status} {age}"
            );
            assert_eq!(
                is_breached(status, created, hours, now()),
                matches!(expected, SlaState::Overdue(_)),
                "{status} {age}"
            );
        }
    }

    #[test]
    fn one_second_past_the_deadline_is_a_breach() {
        let created = now() - TimeDelta::hours(4) - TimeDelta::seconds(1);
        assert_eq!(
            sla_state(Pending, created, 4, now()),
            SlaState::Overdue(TimeDelta::seconds(1))
        );
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let state = sla_state(
            Pending,
            DateTime::<Utc>::MIN_UTC,
            i32::MAX,
            DateTime::<Utc>::MAX_UTC,
        );
        assert!(state.is_overdue());
    }

    #[test]
    fn formats_durations_compactly() {
        let cases = [
            (mins(0), "0m"),
            (TimeDelta::seconds(59), "0m"),
            (mins(45), "45m"),
            (mins(59), "59m"),
            (mins(60), "1h"),
            (mins(3 * 60 + 12), "3h 12m"),
            (mins(23 * 60 + 59), "23h 59m"),
            (TimeDelta::days(1), "1d"),
            (TimeDelta::days(2) + TimeDelta::hours(4) + mins(59), "2d 4h"),
            (TimeDelta::days(9) + TimeDelta::hours(23), "9d 23h"),
            (TimeDelta::days(10) + TimeDelta::hours(23), "10d"),
            (TimeDelta::days(41) + TimeDelta::hours(5), "41d"),
            (-mins(45), "45m"),
            (-(TimeDelta::days(2) + TimeDelta::hours(4)), "2d 4h"),
        ];
        for (d, text) in cases {
            assert_eq!(format_duration_short(d), text, "{d}");
        }
    }

    #[test]
    fn labels() {
        let cases = [
            (SlaState::Met, "met"),
            (SlaState::Paused, "paused"),
            (SlaState::Remaining(mins(3 * 60 + 12)), "3h 12m left"),
            (SlaState::Remaining(mins(0)), "0m left"),
            (
                SlaState::Overdue(TimeDelta::days(2) + TimeDelta::hours(4)),
                "2d 4h over",
            ),
            (SlaState::Overdue(TimeDelta::days(41)), "41d over"),
        ];
        for (state, text) in cases {
            assert_eq!(state.label(), text);
        }
    }
}
