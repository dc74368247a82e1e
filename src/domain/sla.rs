//! SLA clocks: how long an open bug has left, or how far past its deadline it is.
//!
//! The one rule, as the source product's `bugs_with_users.sla_breached` has it:
//! an open bug (not shipped, not closed) older than its SLA hours is breached,
//! **deferred bugs included** — parking a bug does not make its customer wait
//! less. A deferred bug's clock therefore keeps running; it is only marked
//! deferred, so the deferred share of the breaches can be shown apart.
//! Exactly at the deadline is still within SLA (breached means strictly older).

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::enums::BugStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaState {
    /// Resolved (shipped or closed): the clock no longer matters.
    Met,
    /// Time until the deadline; zero exactly at the deadline.
    Remaining { left: TimeDelta, deferred: bool },
    /// Time past the deadline; always positive.
    Overdue { over: TimeDelta, deferred: bool },
}

impl SlaState {
    pub const fn is_overdue(&self) -> bool {
        matches!(self, Self::Overdue { .. })
    }

    /// An open bug parked as deferred (its clock still runs).
    pub const fn is_deferred(&self) -> bool {
        matches!(
            self,
            Self::Remaining { deferred: true, .. } | Self::Overdue { deferred: true, .. }
        )
    }

    /// Text for the detail pane and the CLI: "3h 12m left", "2d 4h over",
    /// "2d 4h over · deferred", "met".
    pub fn label(&self) -> String {
        self.label_with(" · deferred")
    }

    /// The same for the table's narrow SLA column: "2d 4h over def".
    pub fn short_label(&self) -> String {
        self.label_with(" def")
    }

    fn label_with(&self, deferred_mark: &str) -> String {
        let mark = if self.is_deferred() {
            deferred_mark
        } else {
            ""
        };
        match self {
            Self::Met => "met".to_owned(),
            Self::Remaining { left, .. } => format!("{} left{mark}", format_duration_short(*left)),
            Self::Overdue { over, .. } => format!("{} over{mark}", format_duration_short(*over)),
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
    let deferred = status == BugStatus::Deferred;
    // Working from the elapsed time rather than `created_at + sla` cannot
    // overflow: any two chrono datetimes are well within TimeDelta's range.
    let elapsed = now - created_at;
    let allowed = TimeDelta::hours(i64::from(sla_hours));
    if elapsed > allowed {
        SlaState::Overdue {
            over: elapsed - allowed,
            deferred,
        }
    } else {
        SlaState::Remaining {
            left: allowed - elapsed,
            deferred,
        }
    }
}

/// Open (deferred included) and strictly past `created_at + sla_hours`.
pub fn is_breached(
    status: BugStatus,
    created_at: DateTime<Utc>,
    sla_hours: i32,
    now: DateTime<Utc>,
) -> bool {
    sla_state(status, created_at, sla_hours, now).is_overdue()
}

/// Whether a bug resolved at `resolved_at` met its SLA: resolved no later than
/// `created_at + sla_hours` (exactly at the deadline counts as within, the
/// mirror of "breached means strictly older"). The SLA compliance figure
/// counts these among resolved bugs.
pub fn resolved_within_sla(
    created_at: DateTime<Utc>,
    resolved_at: DateTime<Utc>,
    sla_hours: i32,
) -> bool {
    resolved_at - created_at <= TimeDelta::hours(i64::from(sla_hours))
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

    fn left(d: TimeDelta) -> SlaState {
        SlaState::Remaining {
            left: d,
            deferred: false,
        }
    }

    fn over(d: TimeDelta) -> SlaState {
        SlaState::Overdue {
            over: d,
            deferred: false,
        }
    }

    #[test]
    fn sla_state_covers_every_branch() {
        let cases = [
            // status, age, sla hours, expected
            (Shipped, mins(10_000), 4, SlaState::Met),
            (Closed, mins(10_000), 4, SlaState::Met),
            (Pending, mins(0), 4, left(mins(240))),
            (InProgress, mins(60), 4, left(mins(180))),
            (Verified, mins(239), 4, left(mins(1))),
            // Exactly at the deadline is still within SLA.
            (Pending, mins(240), 4, left(mins(0))),
            (Pending, mins(241), 4, over(mins(1))),
            (InProgress, mins(24 * 60 + 1), 24, over(mins(1))),
            (Verified, mins(72 * 60 + 90), 72, over(mins(90))),
            (Pending, mins(720 * 60), 720, left(mins(0))),
            // Created in the future (clock skew): more time left, not less.
            (Pending, mins(-30), 4, left(mins(270))),
            // Deferred bugs keep their clock: parked is not paused.
            (
                Deferred,
                mins(239),
                4,
                SlaState::Remaining {
                    left: mins(1),
                    deferred: true,
                },
            ),
            (
                Deferred,
                mins(240),
                4,
                SlaState::Remaining {
                    left: mins(0),
                    deferred: true,
                },
            ),
            (
                Deferred,
                mins(241),
                4,
                SlaState::Overdue {
                    over: mins(1),
                    deferred: true,
                },
            ),
            (
                Deferred,
                mins(10_000),
                4,
                SlaState::Overdue {
                    over: mins(10_000 - 240),
                    deferred: true,
                },
            ),
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
                expected.is_overdue(),
                "{status} {age}"
            );
            assert_eq!(expected.is_deferred(), status == Deferred, "{status}");
        }
    }

    #[test]
    fn a_deferred_bug_one_second_past_its_deadline_is_breached() {
        let created = now() - TimeDelta::hours(24) - TimeDelta::seconds(1);
        assert!(is_breached(Deferred, created, 24, now()));
        assert!(!is_breached(
            Deferred,
            created,
            24,
            now() - TimeDelta::seconds(1)
        ));
    }

    #[test]
    fn resolved_exactly_at_the_sla_is_within_it() {
        let created = now() - TimeDelta::hours(10);
        let at = created + TimeDelta::hours(4);
        assert!(resolved_within_sla(created, at, 4));
        assert!(resolved_within_sla(created, at - TimeDelta::seconds(1), 4));
        assert!(!resolved_within_sla(created, at + TimeDelta::seconds(1), 4));
        // Resolved "before" it was created (clock skew) is within.
        assert!(resolved_within_sla(created, created - mins(5), 4));
    }

    #[test]
    fn one_second_past_the_deadline_is_a_breach() {
        let created = now() - TimeDelta::hours(4) - TimeDelta::seconds(1);
        assert_eq!(
            sla_state(Pending, created, 4, now()),
            over(TimeDelta::seconds(1))
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
        let deferred_over = SlaState::Overdue {
            over: TimeDelta::days(2) + TimeDelta::hours(4),
            deferred: true,
        };
        let deferred_left = SlaState::Remaining {
            left: mins(3 * 60 + 12),
            deferred: true,
        };
        let cases = [
            (SlaState::Met, "met", "met"),
            (left(mins(3 * 60 + 12)), "3h 12m left", "3h 12m left"),
            (left(mins(0)), "0m left", "0m left"),
            (
                over(TimeDelta::days(2) + TimeDelta::hours(4)),
                "2d 4h over",
                "2d 4h over",
            ),
            (over(TimeDelta::days(41)), "41d over", "41d over"),
            (deferred_over, "2d 4h over · deferred", "2d 4h over def"),
            (deferred_left, "3h 12m left · deferred", "3h 12m left def"),
        ];
        for (state, text, short) in cases {
            assert_eq!(state.label(), text);
            assert_eq!(state.short_label(), short);
        }
    }
}
