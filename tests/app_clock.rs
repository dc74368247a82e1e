//! The KPI clock through `update`: ticks apply a KPI load's schedule, so the
//! pane's clock-dependent figures move without a query.

use chrono::{DateTime, TimeZone, Utc};
use ctodash::app::fixtures::sample_app;
use ctodash::app::update::update;
use ctodash::app::{App, Command, Msg};
use ctodash::db::kpis::{ClockEvent, ClockKind, KpiClock, MonthTotals};

fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, h, m, s).unwrap()
}

fn breached(app: &App) -> i64 {
    app.kpis.as_ref().unwrap().kpis.sla_breached
}

/// The breach lands on the tick after the deadline, a table filtered to
/// breached bugs reloads with it, and the schedule's end asks for the KPIs
/// again (only while push keeps the figures exact).
#[test]
fn ticks_advance_the_pane_and_the_horizon_asks_for_a_read() {
    let mut app = sample_app(t(0, 0, 0));
    app.push_live = true;
    app.table.query.filter.sla_breached_only = true;
    let before = breached(&app);
    app.kpis.as_mut().unwrap().clock = KpiClock {
        horizon: Some(t(0, 15, 0)),
        events: vec![ClockEvent {
            at: t(0, 3, 0),
            kind: ClockKind::SlaDue { deferred: false },
        }],
        month: MonthTotals::default(),
    };
    assert!(update(&mut app, Msg::Tick(t(0, 3, 0))).is_empty());
    assert_eq!(breached(&app), before);
    let cmds = update(&mut app, Msg::Tick(t(0, 3, 1)));
    assert_eq!(breached(&app), before + 1);
    assert!(app.dirty);
    assert!(cmds.iter().any(|c| matches!(c, Command::LoadPage { .. })));
    assert!(!cmds.iter().any(|c| matches!(c, Command::LoadKpis { .. })));
    assert!(update(&mut app, Msg::Tick(t(0, 14, 59))).is_empty());
    let cmds = update(&mut app, Msg::Tick(t(0, 15, 0)));
    assert!(
        matches!(cmds.as_slice(), [Command::LoadKpis { .. }]),
        "{cmds:?}"
    );
    assert!(update(&mut app, Msg::Tick(t(0, 15, 1))).is_empty());
}

#[test]
fn without_push_the_regular_poll_reloads_and_the_horizon_adds_nothing() {
    let mut app = sample_app(t(0, 0, 0));
    app.push_live = false;
    app.kpis.as_mut().unwrap().clock.horizon = Some(t(0, 15, 0));
    assert!(update(&mut app, Msg::Tick(t(0, 15, 0))).is_empty());
}
