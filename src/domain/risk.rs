//! Project risk score, as the SPEC defines it.
//!
//! Scores are ratios, not money, so f64 is fine; nothing is rounded here so
//! that display code decides the precision.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

const CRITICAL_BUGS_FOR_MAX: f64 = 5.0;
const IDLE_DAYS_FOR_MAX: f64 = 30.0;
const MS_PER_DAY: f64 = 86_400_000.0;

const WEIGHT_CRITICAL: f64 = 40.0;
const WEIGHT_STALLED_PRS: f64 = 25.0;
const WEIGHT_LOW_ACTIVITY: f64 = 20.0;
const WEIGHT_OVERDUE_MILESTONES: f64 = 15.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskInput {
    pub open_critical: i64,
    pub last_commit: Option<DateTime<Utc>>,
    pub latest_metric_date: Option<NaiveDate>,
    pub current_milestone: i32,
    pub total_milestones: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
    Critical,
}

impl RiskLevel {
    pub const ALL: [Self; 4] = [Self::Low, Self::Medium, Self::High, Self::Critical];

    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// ≥75 critical, ≥50 high, ≥25 medium, else low (NaN counts as low).
    pub fn from_score(score: f64) -> Self {
        if score >= 75.0 {
            Self::Critical
        } else if score >= 50.0 {
            Self::High
        } else if score >= 25.0 {
            Self::Medium
        } else {
            Self::Low
        }
    }
}

impl fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Each component is 0–100; `score` is their weighted mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiskBreakdown {
    pub critical: f64,
    /// Always 0: there is no pull-request data yet.
    pub stalled_prs: f64,
    pub low_activity: f64,
    pub overdue_milestones: f64,
    pub score: f64,
    pub level: RiskLevel,
}

/// The last commit if known, else the latest metrics day at 00:00 UTC.
pub fn last_activity(
    last_commit: Option<DateTime<Utc>>,
    latest_metric_date: Option<NaiveDate>,
) -> Option<DateTime<Utc>> {
    last_commit.or_else(|| latest_metric_date.map(|d| d.and_time(NaiveTime::MIN).and_utc()))
}

pub fn project_risk(input: &RiskInput, now: DateTime<Utc>) -> RiskBreakdown {
    let critical = (input.open_critical.max(0) as f64 / CRITICAL_BUGS_FOR_MAX * 100.0).min(100.0);
    let stalled_prs = 0.0;
    let low_activity = match last_activity(input.last_commit, input.latest_metric_date) {
        None => 100.0,
        Some(at) => {
            // Activity dated in the future (clock skew) counts as "just now".
            let idle_days = ((now - at).num_milliseconds() as f64 / MS_PER_DAY).max(0.0);
            (idle_days / IDLE_DAYS_FOR_MAX * 100.0).min(100.0)
        }
    };
    let overdue_milestones = overdue_milestones(
        input.current_milestone,
        input.total_milestones,
        low_activity,
    );
    let score = (critical * WEIGHT_CRITICAL
        + stalled_prs * WEIGHT_STALLED_PRS
        + low_activity * WEIGHT_LOW_ACTIVITY
        + overdue_milestones * WEIGHT_OVERDUE_MILESTONES)
        / 100.0;
    RiskBreakdown {
        critical,
        stalled_prs,
        low_activity,
        overdue_milestones,
        score,
        level: RiskLevel::from_score(score),
    }
}

/// A project is "overdue" when it is early in its milestones: badly so when
/// it is also going quiet, mildly so when it is merely behind.
fn overdue_milestones(current: i32, total: i32, low_activity: f64) -> f64 {
    if total <= 0 {
        return 0.0;
    }
    let progress = f64::from(current) / f64::from(total);
    if progress < 0.5 && low_activity > 50.0 {
        100.0
    } else if progress < 0.75 {
        50.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
    }

    fn input() -> RiskInput {
        RiskInput {
            open_critical: 0,
            last_commit: Some(now()),
            latest_metric_date: None,
            current_milestone: 0,
            total_milestones: 0,
        }
    }

    #[test]
    fn level_thresholds() {
        let cases = [
            (0.0, RiskLevel::Low),
            (24.99, RiskLevel::Low),
            (25.0, RiskLevel::Medium),
            (49.99, RiskLevel::Medium),
            (50.0, RiskLevel::High),
            (74.99, RiskLevel::High),
            (75.0, RiskLevel::Critical),
            (100.0, RiskLevel::Critical),
            (f64::NAN, RiskLevel::Low),
        ];
        for (score, level) in cases {
            assert_eq!(RiskLevel::from_score(score), level, "{score}");
        }
    }

    #[test]
    fn level_labels() {
        assert_eq!(
            RiskLevel::ALL.map(|l| l.to_string()),
            ["low", "medium", "high", "critical"]
        );
        assert_eq!(format!("[{:<6}]", RiskLevel::High), "[high  ]");
        assert_eq!(
            serde_json::to_string(&RiskLevel::Critical).unwrap(),
            "\"critical\""
        );
    }

    #[test]
    fn last_activity_prefers_the_commit() {
        let commit = Utc.with_ymd_and_hms(2026, 11, 20, 15, 30, 0).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let midnight = Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap();
        assert_eq!(last_activity(Some(commit), Some(day)), Some(commit));
        assert_eq!(last_activity(None, Some(day)), Some(midnight));
        assert_eq!(last_activity(Some(commit), None), Some(commit));
        assert_eq!(last_activity(None, None), None);
    }

    #[test]
    fn critical_component() {
        let cases = [
            (0, 0.0),
            (1, 20.0),
            (4, 80.0),
            (5, 100.0),
            (12, 100.0),
            (-3, 0.0),
        ];
        for (open, expected) in cases {
            let r = project_risk(
                &RiskInput {
                    open_critical: open,
                    ..input()
                },
                now(),
            );
            assert_eq!(r.critical, expected, "{open}");
            assert_eq!(r.score, expected * 0.4, "{open}");
        }
    }

    #[test]
    fn low_activity_component() {
        let cases = [
            (Some(now()), None, 0.0),
            (Some(now() - TimeDelta::hours(36)), None, 5.0),
            (Some(now() - TimeDelta::days(15)), None, 50.0),
            (Some(now() - TimeDelta::days(30)), None, 100.0),
            (Some(now() - TimeDelta::days(90)), None, 100.0),
            // In the future: no idle time.
            (Some(now() + TimeDelta::days(2)), None, 0.0),
            // Metric date 2026-11-18 00:00 is 6.5 days before noon on the 24th.
            (
                None,
                NaiveDate::from_ymd_opt(2026, 11, 18),
                6.5 / 30.0 * 100.0,
            ),
            (None, None, 100.0),
        ];
        for (commit, metric, expected) in cases {
            let r = project_risk(
                &RiskInput {
                    last_commit: commit,
                    latest_metric_date: metric,
                    ..input()
                },
                now(),
            );
            assert_eq!(r.low_activity, expected, "{commit:?} {metric:?}");
            assert_eq!(r.stalled_prs, 0.0);
        }
    }

    #[test]
    fn overdue_milestone_rules() {
        let quiet = Some(now() - TimeDelta::days(16)); // low activity 53.3 > 50
        let exactly_50 = Some(now() - TimeDelta::days(15)); // low activity == 50
        let busy = Some(now());
        let cases = [
            // current, total, last commit, expected
            (0, 0, quiet, 0.0),
            (5, 0, None, 0.0),
            (3, -1, None, 0.0),
            (0, 4, quiet, 100.0),
            (1, 4, None, 100.0),
            (1, 4, exactly_50, 50.0),
            (1, 4, busy, 50.0),
            (2, 4, quiet, 50.0),
            (2, 4, busy, 50.0),
            (74, 100, quiet, 50.0),
            (3, 4, quiet, 0.0),
            (4, 4, None, 0.0),
            (6, 4, None, 0.0),
        ];
        for (current, total, commit, expected) in cases {
            let r = project_risk(
                &RiskInput {
                    current_milestone: current,
                    total_milestones: total,
                    last_commit: commit,
                    ..input()
                },
                now(),
            );
            assert_eq!(
                r.overdue_milestones, expected,
                "{current}/{total} {commit:?}"
            );
        }
    }

    #[test]
    fn weighted_score_and_level() {
        let cases = [
            // Quiet forever, 5+ critical, early milestones: 40 + 20 + 15.
            (
                RiskInput {
                    open_critical: 9,
                    last_commit: None,
                    latest_metric_date: None,
                    current_milestone: 0,
                    total_milestones: 3,
                },
                75.0,
                RiskLevel::Critical,
            ),
            // Never active, nothing else: 20.
            (
                RiskInput {
                    last_commit: None,
                    ..input()
                },
                20.0,
                RiskLevel::Low,
            ),
            // 2 critical (40%) + never active + behind: 16 + 20 + 15.
            (
                RiskInput {
                    open_critical: 2,
                    last_commit: None,
                    current_milestone: 1,
                    total_milestones: 3,
                    ..input()
                },
                51.0,
                RiskLevel::High,
            ),
            // 3 critical (60%), busy, behind but not quiet: 24 + 0 + 7.5.
            (
                RiskInput {
                    open_critical: 3,
                    current_milestone: 2,
                    total_milestones: 3,
                    ..input()
                },
                31.5,
                RiskLevel::Medium,
            ),
            (input(), 0.0, RiskLevel::Low),
        ];
        for (risk_input, score, level) in cases {
            let r = project_risk(&risk_input, now());
            assert_eq!(r.score, score, "{risk_input:?}");
            assert_eq!(r.level, level, "{risk_input:?}");
        }
    }
}
