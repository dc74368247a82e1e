//! What the clock alone changes in the KPIs, advanced locally between reads.
//!
//! Each KPI load also returns a short schedule: the open bugs whose SLA falls
//! due before the horizon, and the bugs leaving the 7-day and 30-day windows
//! before it. Applying it on each tick keeps the breach count and the window
//! figures exactly what a fresh load would show, without a query, until the
//! next push-triggered reload, the runtime's safety reload, or the horizon
//! (whichever comes first; past the horizon the KPIs are read again).

use super::Kpis;
use crate::domain::{mean_hours_to_resolve, sla_compliance_pct};
use chrono::{DateTime, Utc};

/// How far ahead a KPI load schedules. Longer than the runtime's 10-minute
/// safety reload, so with push working that reload (not the horizon) is what
/// re-reads an idle dashboard.
pub const HORIZON: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClockKind {
    /// An open bug's SLA deadline: breached once the clock is strictly past it.
    SlaDue { deferred: bool },
    /// A bug's creation leaves the 7-day window.
    OpenedLeaves7d,
    /// A resolution leaves the 7-day window.
    ResolvedLeaves7d,
    /// A resolution leaves the 30-day window (compliance and mean time to
    /// resolve over 30 days).
    ResolvedLeaves30d { seconds: f64, within_sla: bool },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClockEvent {
    pub at: DateTime<Utc>,
    pub kind: ClockKind,
}

impl ClockEvent {
    fn due(&self, now: DateTime<Utc>) -> bool {
        match self.kind {
            // Breached = sla_due_at < now.
            ClockKind::SlaDue { .. } => now > self.at,
            // Windows are (now − days, now]: out once at + days <= now.
            _ => now >= self.at,
        }
    }
}

/// The 30-day resolution totals the percentages are computed from.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MonthTotals {
    pub resolved: i64,
    pub seconds: f64,
    pub within_sla: i64,
}

/// A KPI load's schedule. `horizon: None` means nothing is scheduled: the
/// figures are not advanced and no re-read is asked for (a fixture, or a
/// re-read already requested).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KpiClock {
    pub horizon: Option<DateTime<Utc>>,
    pub events: Vec<ClockEvent>,
    pub month: MonthTotals,
}

/// What one advance did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Advanced {
    /// Some figure changed (redraw).
    pub changed: bool,
    /// The breach count changed (a table filtered to breached bugs is stale).
    pub breaches: bool,
    /// The schedule ran out: the KPIs need a fresh read.
    pub expired: bool,
}

impl KpiClock {
    /// Applies every event due at `now` to `kpis`, once.
    pub fn advance(&mut self, kpis: &mut Kpis, now: DateTime<Utc>) -> Advanced {
        let Some(horizon) = self.horizon else {
            return Advanced::default();
        };
        let mut out = Advanced::default();
        let mut month_moved = false;
        let month = &mut self.month;
        self.events.retain(|e| {
            if !e.due(now) {
                return true;
            }
            out.changed = true;
            match e.kind {
                ClockKind::SlaDue { deferred } => {
                    out.breaches = true;
                    kpis.sla_breached += 1;
                    if deferred {
                        kpis.sla_breached_deferred += 1;
                    }
                }
                ClockKind::OpenedLeaves7d => kpis.opened_last_7d -= 1,
                ClockKind::ResolvedLeaves7d => kpis.resolved_last_7d -= 1,
                ClockKind::ResolvedLeaves30d {
                    seconds,
                    within_sla,
                } => {
                    month_moved = true;
                    month.resolved -= 1;
                    month.seconds -= seconds;
                    month.within_sla -= i64::from(within_sla);
                }
            }
            false
        });
        if month_moved {
            kpis.sla_compliance_pct_30d = sla_compliance_pct(month.within_sla, month.resolved);
            kpis.mean_time_to_resolve_hours = mean_hours_to_resolve(month.seconds, month.resolved);
        }
        if now >= horizon {
            out.expired = true;
            self.horizon = None;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixtures::sample_app;
    use chrono::TimeZone;

    fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, h, m, s).unwrap()
    }

    fn kpis() -> Kpis {
        sample_app(t(0, 0, 0)).kpis.unwrap().kpis
    }

    #[test]
    fn a_deadline_counts_as_breached_only_strictly_after_it() {
        let mut k = kpis();
        let before = k.sla_breached;
        let mut clock = KpiClock {
            horizon: Some(t(0, 15, 0)),
            events: vec![ClockEvent {
                at: t(0, 5, 0),
                kind: ClockKind::SlaDue { deferred: true },
            }],
            month: MonthTotals::default(),
        };
        assert!(!clock.advance(&mut k, t(0, 5, 0)).changed);
        assert_eq!(k.sla_breached, before);
        let a = clock.advance(&mut k, t(0, 5, 1));
        assert!(a.changed && a.breaches && !a.expired);
        assert_eq!(k.sla_breached, before + 1);
        assert_eq!(k.sla_breached_deferred, kpis().sla_breached_deferred + 1);
        // Applied once only.
        clock.advance(&mut k, t(0, 6, 0));
        assert_eq!(k.sla_breached, before + 1);
    }

    #[test]
    fn window_edges_leave_exactly_at_the_edge() {
        let mut k = kpis();
        let mut clock = KpiClock {
            horizon: Some(t(0, 15, 0)),
            events: vec![
                ClockEvent {
                    at: t(0, 1, 0),
                    kind: ClockKind::OpenedLeaves7d,
                },
                ClockEvent {
                    at: t(0, 1, 0),
                    kind: ClockKind::ResolvedLeaves7d,
                },
                ClockEvent {
                    at: t(0, 2, 0),
                    kind: ClockKind::ResolvedLeaves30d {
                        seconds: 3_600.0,
                        within_sla: false,
                    },
                },
            ],
            month: MonthTotals {
                resolved: 2,
                seconds: 3_600.0 + 7_200.0,
                within_sla: 1,
            },
        };
        clock.advance(&mut k, t(0, 0, 59));
        assert_eq!(k.opened_last_7d, kpis().opened_last_7d);
        let a = clock.advance(&mut k, t(0, 1, 0));
        assert!(a.changed && !a.breaches);
        assert_eq!(k.opened_last_7d, kpis().opened_last_7d - 1);
        assert_eq!(k.resolved_last_7d, kpis().resolved_last_7d - 1);
        clock.advance(&mut k, t(0, 2, 0));
        assert_eq!(k.sla_compliance_pct_30d, 100.0);
        assert_eq!(k.mean_time_to_resolve_hours, Some(2.0));
    }

    #[test]
    fn past_the_horizon_it_asks_once_for_a_fresh_read() {
        let mut k = kpis();
        let mut clock = KpiClock {
            horizon: Some(t(0, 15, 0)),
            ..KpiClock::default()
        };
        assert!(!clock.advance(&mut k, t(0, 14, 59)).expired);
        assert!(clock.advance(&mut k, t(0, 15, 0)).expired);
        assert!(!clock.advance(&mut k, t(0, 15, 1)).expired);
        assert_eq!(k, kpis());
    }
}
