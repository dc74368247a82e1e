//! Drill-down from the KPI pane, alerts, the trends chart and the first-run
//! notice, driven through `update` alone: no terminal, no database.

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ctodash::app::alerting::AlertState;
use ctodash::app::drill::{self, FigureCursor};
use ctodash::app::fixtures::sample_app;
use ctodash::app::model::KpiData;
use ctodash::app::state::{Overlay, Pane, Tone};
use ctodash::app::update::{notify, update};
use ctodash::app::{App, Command, Loaded, Msg};
use ctodash::db::kpis::Kpis;
use ctodash::domain::Severity;
use ctodash::domain::alert::{Alert, KpiName};
use ctodash::query::{StatusFilter, Window};
use rust_decimal_macros::dec;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn press(app: &mut App, keys: &str) {
    for c in keys.chars() {
        update(app, key(c));
    }
}

/// The figure under the cursor.
fn at(app: &App) -> KpiName {
    app.kpi_cursor.kpi()
}

fn queries(cmds: &[Command]) -> usize {
    cmds.iter()
        .filter(|c| matches!(c, Command::LoadPage { .. } | Command::LoadCount { .. }))
        .count()
}

#[test]
fn the_kpi_pane_joins_the_pane_cycle() {
    let mut app = sample_app(now());
    assert_eq!(app.focus, Pane::Bugs);
    let mut seen = vec![];
    for _ in 0..4 {
        update(&mut app, code(KeyCode::Tab));
        seen.push(app.focus);
    }
    assert_eq!(
        seen,
        [Pane::Detail, Pane::Portfolio, Pane::Kpis, Pane::Bugs]
    );
    update(&mut app, code(KeyCode::BackTab));
    assert_eq!(app.focus, Pane::Kpis);
    update(&mut app, code(KeyCode::Esc));
    assert_eq!(app.focus, Pane::Bugs, "Esc leaves the KPI pane");
}

#[test]
fn arrows_and_hjkl_move_between_selectable_figures_only() {
    let mut app = sample_app(now());
    app.focus = Pane::Kpis;
    assert_eq!(at(&app), KpiName::OpenTotal);
    press(&mut app, "jj");
    assert_eq!(at(&app), KpiName::Open(Severity::High));
    update(&mut app, code(KeyCode::Right));
    assert_eq!(at(&app), KpiName::SlaCompliancePct, "same row, next column");
    // Row 2 of the flow column is the backlog change, which cannot be
    // selected: the nearest selectable row (above first) takes the cursor.
    press(&mut app, "l");
    assert_eq!(at(&app), KpiName::ResolvedLast7d);
    // Down from "Resolved, 7 days" skips the backlog change (not selectable).
    app.kpi_cursor = FigureCursor { col: 2, row: 1 };
    press(&mut app, "j");
    assert_eq!(at(&app), KpiName::MeanTimeToResolveHours);
    // The money column offers only revenue at risk; down stays there.
    press(&mut app, "lj");
    assert_eq!(at(&app), KpiName::RevenueAtRiskMonthly);
    update(&mut app, code(KeyCode::Left));
    update(&mut app, code(KeyCode::End));
    assert_eq!(at(&app), KpiName::EngineeringCost);
    press(&mut app, "g");
    assert_eq!(at(&app), KpiName::OpenedLast7d);
    // Moving the cursor loads nothing and leaves the table alone.
    let before = app.table.query.clone();
    let cmds = update(&mut app, key('k'));
    assert!(cmds.is_empty());
    assert_eq!(app.table.query, before);
}

#[test]
fn enter_on_a_figure_filters_the_table_to_its_bugs_and_labels_it() {
    let mut app = sample_app(now());
    app.focus = Pane::Kpis;
    press(&mut app, "l");
    assert_eq!(at(&app), KpiName::SlaBreached);
    let cmds = update(&mut app, code(KeyCode::Enter));
    assert_eq!(queries(&cmds), 2, "a new page and count: {cmds:?}");
    assert_eq!(app.focus, Pane::Bugs);
    let f = &app.table.query.filter;
    assert!(f.sla_breached_only);
    assert_eq!(f.status, StatusFilter::Open, "deferred breaches included");
    assert_eq!(drill::active(&app), Some(KpiName::SlaBreached));
    let notice = app.notice.as_ref().unwrap();
    assert!(notice.text.contains("SLA breached (23)"), "{}", notice.text);
    assert!(
        notice.text.contains("deferred ones included"),
        "{}",
        notice.text
    );

    // Another figure replaces the whole filter, search included.
    app.table.query.filter.search = "checkout".into();
    app.focus = Pane::Kpis;
    app.kpi_cursor = FigureCursor { col: 2, row: 0 };
    update(&mut app, code(KeyCode::Enter));
    let f = &app.table.query.filter;
    assert_eq!(f.window, Some(Window::Opened { days: 7 }));
    assert_eq!(f.status, StatusFilter::All);
    assert!(f.search.is_empty() && !f.sla_breached_only);
    assert!(f.summary().contains("opened in 7 days"), "{}", f.summary());
    assert_eq!(drill::active(&app), Some(KpiName::OpenedLast7d));

    // Changing the filter by hand ends the drill-down's label; x clears it.
    press(&mut app, "a");
    assert_eq!(drill::active(&app), None);
    press(&mut app, "x");
    assert_eq!(app.table.query.filter, Default::default());
}

#[test]
fn rates_and_money_drill_to_the_set_they_are_computed_over() {
    let mut app = sample_app(now());
    app.focus = Pane::Kpis;
    app.kpi_cursor = FigureCursor { col: 3, row: 0 };
    update(&mut app, code(KeyCode::Enter));
    let f = &app.table.query.filter;
    assert_eq!(f.severities, vec![Severity::Critical]);
    assert_eq!(f.status, StatusFilter::Open);
    let notice = &app.notice.as_ref().unwrap().text;
    assert!(notice.contains("open critical bugs"), "{notice}");

    app.focus = Pane::Kpis;
    app.kpi_cursor = FigureCursor { col: 1, row: 3 };
    update(&mut app, code(KeyCode::Enter));
    assert_eq!(
        app.table.query.filter.window,
        Some(Window::Resolved { days: 30 })
    );
    assert!(
        !drill::drill(KpiName::SlaCompliancePct30d)
            .unwrap()
            .countable
    );
    assert!(drill::drill(KpiName::PortfolioValuation).is_none());
}

fn kpis_with(sla_breached: i64) -> KpiData {
    let mut kpis = Kpis::empty();
    kpis.sla_breached = sla_breached;
    KpiData {
        kpis,
        trend: vec![],
        clock: Default::default(),
    }
}

/// What the worker sends back for a KPI load the app asked for.
fn load(app: &mut App, sla_breached: i64) {
    let ticket = match ctodash::app::loads::kpis(app) {
        Command::LoadKpis { ticket } => ticket,
        other => panic!("{other:?}"),
    };
    let kpis = kpis_with(sla_breached);
    update(app, Msg::Loaded(Loaded::Kpis { ticket, kpis }));
}

fn alerting_app() -> App {
    let mut app = App::new(
        now(),
        ctodash::app::state::Identity::ReadOnly(ctodash::app::state::ReadOnlyReason::NoUser),
        "test".into(),
    );
    let ring = Alert::new(KpiName::SlaBreached, Some(dec!(100)), None, true).unwrap();
    let quiet = Alert::new(KpiName::SlaBreached, Some(dec!(110)), None, false).unwrap();
    app.alerts = vec![AlertState::new(ring), AlertState::new(quiet)];
    app
}

/// The runtime rings at the next draw and clears the flag.
fn rang(app: &mut App) -> bool {
    std::mem::take(&mut app.bell)
}

#[test]
fn an_alert_rings_once_per_crossing_not_on_every_refresh() {
    let mut app = alerting_app();
    load(&mut app, 90);
    assert!(!rang(&mut app));
    assert_eq!(ctodash::app::alerting::crossed(&app).count(), 0);

    load(&mut app, 120);
    assert!(rang(&mut app), "crossing 100 rings");
    let crossed: Vec<_> = ctodash::app::alerting::crossed(&app).collect();
    assert_eq!(crossed.len(), 2, "both limits are passed");
    assert_eq!(crossed[0].value, Some(dec!(120)));

    load(&mut app, 130);
    load(&mut app, 125);
    assert!(!rang(&mut app), "still above: no new crossing");

    load(&mut app, 100);
    assert!(!rang(&mut app), "back at the limit is not above it");
    assert_eq!(ctodash::app::alerting::crossed(&app).count(), 0);

    load(&mut app, 105);
    assert!(rang(&mut app), "a second crossing rings again");
    assert_eq!(ctodash::app::alerting::crossed(&app).count(), 1);
}

#[test]
fn an_alert_without_bell_only_marks() {
    let mut app = alerting_app();
    app.alerts.remove(0);
    load(&mut app, 500);
    assert!(!rang(&mut app));
    assert_eq!(ctodash::app::alerting::crossed(&app).count(), 1);
}

#[test]
fn the_first_run_notice_clears_once_loading_ends() {
    let mut app = App::new(
        now(),
        ctodash::app::state::Identity::ReadOnly(ctodash::app::state::ReadOnlyReason::NotConnected),
        "test".into(),
    );
    update(
        &mut app,
        Msg::Notice("first run: loading 20000 demo bugs into ctodash's own database…".into()),
    );
    assert!(app.notice.as_ref().unwrap().text.contains("first run"));
    update(&mut app, Msg::ConnectionUp);
    assert!(app.notice.is_some(), "connected, nothing loaded yet");
    load(&mut app, 0);
    assert_eq!(app.notice, None, "data arrived: loading is over");

    // Other notices are not cleared by data arriving.
    notify(&mut app, Tone::Error, "could not save");
    load(&mut app, 0);
    assert_eq!(app.notice.as_ref().unwrap().text, "could not save");
}

#[test]
fn t_opens_the_trends_chart_and_keys_switch_its_series() {
    let mut app = sample_app(now());
    press(&mut app, "t");
    assert_eq!(app.overlay, Some(Overlay::Trends { view: 0 }));
    press(&mut app, "l");
    assert_eq!(app.overlay, Some(Overlay::Trends { view: 1 }));
    update(&mut app, code(KeyCode::Left));
    update(&mut app, code(KeyCode::Left));
    assert_eq!(app.overlay, Some(Overlay::Trends { view: 3 }), "wraps");
    press(&mut app, "3");
    assert_eq!(app.overlay, Some(Overlay::Trends { view: 2 }));
    press(&mut app, "9");
    assert_eq!(app.overlay, Some(Overlay::Trends { view: 2 }), "no chart 9");
    // Keys meant for the table do nothing while the chart is open.
    let before = app.table.query.clone();
    press(&mut app, "ao");
    assert_eq!(app.table.query, before);
    update(&mut app, code(KeyCode::Esc));
    assert_eq!(app.overlay, None);
    press(&mut app, "tt");
    assert_eq!(app.overlay, None, "t closes it too");
}
