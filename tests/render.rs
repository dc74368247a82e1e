//! Rendering tests: every pane and overlay drawn on `TestBackend` with a fixed
//! clock, at 80×24 and 200×60, snapshotted as text; plus the colours that
//! carry meaning (snapshots drop colour) and a no-panic sweep over sizes.

#[path = "common/screen.rs"]
mod screen;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ctodash::app::App;
use ctodash::app::Msg;
use ctodash::app::fixtures::{read_only_app, sample_app};
use ctodash::app::state::{
    ConflictInfo, Connection, EditTarget, FilterMenu, Notice, Overlay, Pane, Tone,
};
use ctodash::app::update::update;
use ctodash::domain::{BugStatus, Severity, allowed_transitions};
use ctodash::ui::{Theme, render_with};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use screen::{draw, screen};

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 60)];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn snap(name: &str, app: &App) {
    for (w, h) in SIZES {
        let text = screen(&draw(app, w, h, &Theme::colour()));
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
    }
}

fn focused(pane: Pane) -> App {
    let mut app = sample_app(now());
    app.focus = pane;
    app
}

fn with_overlay(overlay: Overlay) -> App {
    let mut app = sample_app(now());
    app.overlay = Some(overlay);
    app
}

fn target(app: &App) -> EditTarget {
    EditTarget {
        bug: app.table.rows[0].clone(),
    }
}

fn status_picker() -> App {
    let app = sample_app(now());
    let bug = target(&app);
    let options = allowed_transitions(bug.bug.status).to_vec();
    with_overlay(Overlay::StatusPicker {
        target: bug,
        options,
        selected: 0,
    })
}

fn confirm() -> App {
    let app = sample_app(now());
    with_overlay(Overlay::Confirm {
        target: target(&app),
        to: BugStatus::Verified,
    })
}

fn conflict() -> App {
    let app = sample_app(now());
    let mine = app.table.rows[0].clone();
    let mut theirs = mine.clone();
    theirs.status = BugStatus::Verified;
    theirs.version += 1;
    with_overlay(Overlay::Conflict(ConflictInfo {
        wanted: BugStatus::Deferred,
        changes: vec![format!(
            "Grace Hopper changed status {} → verified 12s ago",
            mine.status
        )],
        mine,
        theirs,
    }))
}

fn error_notice() -> App {
    let mut app = sample_app(now());
    app.notice = Some(Notice {
        text: "BUG-1001 was not saved: connection reset by peer".into(),
        tone: Tone::Error,
        at: now(),
    });
    app
}

fn database_down() -> App {
    let mut app = sample_app(now());
    app.connection = Connection::Down {
        since: now() - TimeDelta::seconds(40),
        error: "connection refused (os error 111)".into(),
    };
    app.refreshed_at = Some(now() - TimeDelta::seconds(42));
    app
}

#[test]
fn panes() {
    snap("bugs", &focused(Pane::Bugs));
    snap("detail", &focused(Pane::Detail));
    snap("portfolio", &focused(Pane::Portfolio));
}

#[test]
fn overlays() {
    snap(
        "help",
        &with_overlay(Overlay::Help {
            scroll: 0,
            limit: Default::default(),
        }),
    );
    snap("status_picker", &status_picker());
    snap("confirm", &confirm());
    snap("conflict", &conflict());
    snap(
        "search",
        &with_overlay(Overlay::Search {
            input: "日本語 locale".into(),
            previous: String::new(),
        }),
    );
    snap(
        "filter",
        &with_overlay(Overlay::Filter(FilterMenu {
            selected: 2,
            editing: Some("Pay".into()),
        })),
    );
}

#[test]
fn headers_and_states() {
    snap("read_only", &read_only_app(now()));
    snap("database_down", &database_down());
    snap("error_notice", &error_notice());

    let mut empty = sample_app(now());
    empty.table.rows.clear();
    empty.table.total = Some(ctodash::app::model::Count {
        n: 0,
        estimated: false,
    });
    empty.table.query.filter.search = "nothing like this".into();
    empty.detail.bug = None;
    snap("no_match", &empty);

    let mut loading = App::new(
        now(),
        sample_app(now()).identity,
        "postgres://localhost/ctodash".into(),
    );
    loading.table.loading = true;
    snap("loading", &loading);

    let mut estimated = sample_app(now());
    estimated.table.total = Some(ctodash::app::model::Count {
        n: 1_234_567,
        estimated: true,
    });
    estimated.table.window_start = 120_000;
    estimated.table.selected = 14;
    snap("estimated_scrolled", &estimated);
}

#[test]
fn too_small() {
    let app = sample_app(now());
    insta::assert_snapshot!(
        "too_small_40x10",
        screen(&draw(&app, 40, 10, &Theme::colour()))
    );
}

fn find(buf: &Buffer, needle: &str) -> Vec<(u16, u16)> {
    let mut hits = Vec::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let mut s = String::new();
            let mut cx = x;
            while s.len() < needle.len() && cx < buf.area.width {
                s.push_str(buf[(cx, y)].symbol());
                cx += 1;
            }
            if s == needle {
                hits.push((x, y));
            }
        }
    }
    hits
}

fn is_red(c: Color) -> bool {
    matches!(c, Color::Red | Color::LightRed)
}

#[test]
fn colours_carry_meaning() {
    let theme = Theme::colour();
    let app = sample_app(now());
    let buf = draw(&app, 200, 60, &theme);

    // A critical row's severity cell.
    let crit = find(&buf, "CRIT");
    assert!(!crit.is_empty());
    for (x, y) in &crit {
        assert!(
            is_red(buf[(*x, *y)].fg),
            "CRIT at {x},{y} is {:?}",
            buf[(*x, *y)].fg
        );
    }
    assert_eq!(theme.severity(Severity::Critical).fg, Some(Color::Red));

    // Breached SLA cells: "! … over".
    let breached: Vec<_> = find(&buf, "! ")
        .into_iter()
        .filter(|(x, y)| {
            let rest: String = (*x..buf.area.width.min(x + 14))
                .map(|cx| buf[(cx, *y)].symbol())
                .collect();
            rest.contains(" over")
        })
        .collect();
    // Every row of the fixture is on screen at 200×60; each overdue one has its
    // mark in the table's SLA column (the detail pane has an SLA line too).
    let (_, header_y) = find(&buf, "Sev")[0];
    let sla_x = find(&buf, "SLA")
        .into_iter()
        .find(|(_, y)| *y == header_y)
        .map(|(x, _)| x)
        .expect("SLA header");
    let in_table = breached.iter().filter(|(x, _)| *x == sla_x).count();
    let overdue = app
        .table
        .rows
        .iter()
        .filter(|r| {
            matches!(
                ctodash::domain::sla_state(r.status, r.created_at, r.sla_hours, app.now),
                ctodash::domain::SlaState::Overdue { .. }
            )
        })
        .count();
    assert!(overdue >= 3, "the fixture has breached bugs");
    assert_eq!(
        in_table, overdue,
        "expected a breach mark per overdue row, found {breached:?}"
    );
    for (x, y) in breached {
        assert_eq!(buf[(x, y)].fg, Color::Red, "breach mark at {x},{y}");
        assert_eq!(buf[(x + 2, y)].fg, Color::Red, "breach time at {x},{y}");
    }
}

#[test]
fn focused_border_uses_the_focus_style() {
    let theme = Theme::colour();
    let focus_fg = theme.focus_border.fg.unwrap();
    for pane in Pane::ORDER {
        let buf = draw(&focused(pane), 200, 60, &theme);
        let corners = find(&buf, "┏");
        assert_eq!(
            corners.len(),
            1,
            "{pane:?}: exactly one focused (thick) pane"
        );
        let (x, y) = corners[0];
        assert_eq!(buf[(x, y)].fg, focus_fg);
        let title: String = (x + 1..x + 12).map(|cx| buf[(cx, y)].symbol()).collect();
        assert!(
            title.contains(pane.title()),
            "{pane:?} focused, but the thick border is on {title:?}"
        );
        // The others keep the plain border style.
        for (cx, cy) in find(&buf, "┌").into_iter().filter(|(_, cy)| *cy > 1) {
            assert_ne!(
                buf[(cx, cy)].fg,
                focus_fg,
                "{pane:?}: unfocused corner at {cx},{cy}"
            );
        }
    }
}

#[test]
fn error_notice_is_red() {
    let buf = draw(&error_notice(), 80, 24, &Theme::colour());
    let (x, y) = find(&buf, "✗")[0];
    assert_eq!(y, 23, "the notice is on the footer line");
    for cx in x..x + 10 {
        assert!(
            is_red(buf[(cx, y)].fg),
            "footer cell {cx} is {:?}",
            buf[(cx, y)].fg
        );
    }
}

#[test]
fn no_colour_theme_uses_no_colour() {
    let theme = Theme::no_colour();
    let apps = [
        focused(Pane::Bugs),
        focused(Pane::Detail),
        focused(Pane::Portfolio),
        with_overlay(Overlay::Help {
            scroll: 0,
            limit: Default::default(),
        }),
        status_picker(),
        confirm(),
        conflict(),
        with_overlay(Overlay::Filter(FilterMenu::default())),
        with_overlay(Overlay::Search {
            input: "x".into(),
            previous: String::new(),
        }),
        read_only_app(now()),
        database_down(),
        error_notice(),
    ];
    for app in &apps {
        for (w, h) in SIZES.into_iter().chain([(40, 10)]) {
            let buf = draw(app, w, h, &theme);
            for cell in buf.content() {
                assert_eq!(
                    cell.fg,
                    Color::Reset,
                    "{w}x{h}: {:?} has a colour",
                    cell.symbol()
                );
                assert_eq!(
                    cell.bg,
                    Color::Reset,
                    "{w}x{h}: {:?} has a background",
                    cell.symbol()
                );
            }
        }
    }
}

/// Every size from 1×1 up to past the wide breakpoint: no panic, and no text
/// drawn over a wide character. The panes rotate with the size; overlays are
/// checked at a stride of the sizes big enough to show them.
#[test]
fn any_size_renders() {
    let theme = Theme::colour();
    let panes = [
        focused(Pane::Bugs),
        focused(Pane::Detail),
        focused(Pane::Portfolio),
    ];
    let others = [
        with_overlay(Overlay::Help {
            scroll: 100,
            limit: Default::default(),
        }),
        status_picker(),
        confirm(),
        conflict(),
        with_overlay(Overlay::Filter(FilterMenu {
            selected: 5,
            editing: None,
        })),
        with_overlay(Overlay::Search {
            input: "🔥".repeat(80),
            previous: String::new(),
        }),
        database_down(),
        read_only_app(now()),
    ];
    let mut terminal = Terminal::new(TestBackend::new(1, 1)).unwrap();
    let mut check = |w: u16, h: u16, app: &App| {
        terminal.backend_mut().resize(w, h);
        terminal
            .resize(ratatui::layout::Rect::new(0, 0, w, h))
            .unwrap();
        // The frame's own buffer: the backend's keeps stale symbols in cells
        // hidden behind wide characters, which no terminal shows.
        let frame = terminal.draw(|f| render_with(f, app, &theme)).unwrap();
        screen(frame.buffer);
    };
    for w in 1..=130u16 {
        for h in 1..=45u16 {
            check(w, h, &panes[usize::from(w + h) % panes.len()]);
            if w >= 60 && h >= 16 && (w * h) % 13 == 0 {
                for app in &others {
                    check(w, h, app);
                }
            }
        }
    }
}

/// The runtime pages by `table_viewport`; it must match the rows drawn.
#[test]
fn viewport_matches_the_drawn_table() {
    for (w, h) in SIZES.into_iter().chain([(60, 16), (120, 32), (119, 40)]) {
        let rows = ctodash::ui::table_viewport(ratatui::layout::Rect::new(0, 0, w, h));
        let app = focused(Pane::Bugs);
        let buf = draw(&app, w, h, &Theme::colour());
        // Bug numbers in the table's first column, not in titles or notices.
        let drawn = find(&buf, "BUG-").iter().filter(|(x, _)| *x == 1).count();
        assert_eq!(rows.min(app.table.rows.len()), drawn, "{w}x{h}");
    }
    assert_eq!(
        ctodash::ui::table_viewport(ratatui::layout::Rect::new(0, 0, 30, 10)),
        1
    );
}

fn press(app: &mut App, c: char) {
    update(
        app,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
    );
}

/// Rows strictly inside the box whose top border holds `title`.
fn rows_inside<'a>(text: &'a str, title: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = text.lines().collect();
    let top = lines.iter().position(|l| l.contains(title)).expect(title);
    lines[top + 1..]
        .iter()
        .take_while(|l| !l.trim_start().starts_with(['┗', '└']))
        .copied()
        .collect()
}

#[test]
fn detail_scrolls_to_its_last_screenful_and_back_at_once() {
    let theme = Theme::colour();
    let mut app = focused(Pane::Detail);
    // `G` before the first frame: how long the wrapped text is, only drawing knows.
    press(&mut app, 'G');
    let text = screen(&draw(&app, 80, 24, &theme));
    let max = app.detail.limit.max();
    assert!(
        max > 0 && max < 100,
        "the fixture overflows the pane: {max}"
    );
    assert!(text.contains(&format!("↑ {max} lines")), "{text}");
    assert!(!text.contains("↓ more"), "{text}");
    let inside = rows_inside(&text, "Detail ·");
    let filled = inside
        .iter()
        .filter(|l| l.chars().any(char::is_alphanumeric))
        .count();
    assert!(filled * 2 > inside.len(), "a blank pane:\n{text}");
    // One `k` moves one line up, straight away.
    press(&mut app, 'k');
    assert_eq!(app.detail.scroll, max - 1);
    press(&mut app, 'G');
    assert_eq!(app.detail.scroll, max);
    press(&mut app, 'j');
    assert_eq!(app.detail.scroll, max);
}

#[test]
fn help_stops_scrolling_at_its_end() {
    let theme = Theme::colour();
    let mut app = with_overlay(Overlay::Help {
        scroll: 0,
        limit: Default::default(),
    });
    for _ in 0..200 {
        press(&mut app, 'j');
    }
    draw(&app, 80, 24, &theme);
    let Some(Overlay::Help { limit, .. }) = &app.overlay else {
        panic!("help closed")
    };
    let max = limit.max();
    assert!(max > 0 && max < 200, "help overflows 80×24: {max}");
    press(&mut app, 'k');
    assert!(
        matches!(app.overlay, Some(Overlay::Help { scroll, .. }) if scroll == max - 1),
        "{:?}",
        app.overlay
    );
}

#[test]
fn the_header_names_a_replica_with_its_lag_and_a_full_server() {
    let mut app = sample_app(now());
    app.replica = Some(ctodash::app::state::ReplicaView {
        lag: Some(std::time::Duration::from_millis(400)),
    });
    let text = screen(&draw(&app, 140, 30, &Theme::colour()));
    let header = text.lines().next().unwrap_or_default().to_string();
    assert!(header.contains("● live · replica · lag 0.4s"), "{header}");

    app.connection = Connection::Full {
        since: now(),
        status: "the database has no free connections (all 100 in use)".into(),
    };
    let text = screen(&draw(&app, 140, 30, &Theme::colour()));
    let header = text.lines().next().unwrap_or_default().to_string();
    assert!(
        header.contains("⚠ the database has no free connections (all 100 in use)"),
        "{header}"
    );
    assert!(!header.contains("unreachable"), "{header}");
}

/// Snapshots without colour, as NO_COLOR draws them: what the trends chart
/// and the KPI cursor must make readable by shape alone.
fn snap_mono(name: &str, app: &App, sizes: &[(u16, u16)]) {
    for (w, h) in sizes {
        let text = screen(&draw(app, *w, *h, &Theme::no_colour()));
        insta::assert_snapshot!(format!("{name}_{w}x{h}_mono"), text);
    }
}

const CHART_SIZES: [(u16, u16); 3] = [(80, 24), (160, 48), (200, 60)];

#[test]
fn trends_chart_has_axes_legend_and_markers_without_colour() {
    for view in 0..ctodash::app::trends::VIEWS.len() {
        let app = with_overlay(Overlay::Trends { view });
        snap_mono(&format!("trends_{view}"), &app, &CHART_SIZES[..2]);
        for (w, h) in CHART_SIZES {
            let text = screen(&draw(&app, w, h, &Theme::no_colour()));
            let chart = &ctodash::app::trends::VIEWS[view];
            for needle in [chart.unit, "month", "2026-11", chart.series[0].name, "•"] {
                assert!(text.contains(needle), "{needle:?} at {w}x{h}:\n{text}");
            }
            if chart.series.len() > 1 {
                assert!(text.contains('+'), "second series marker at {w}x{h}");
            }
        }
    }
    let mut empty = with_overlay(Overlay::Trends { view: 0 });
    empty.kpis.as_mut().unwrap().trend.clear();
    let text = screen(&draw(&empty, 80, 24, &Theme::no_colour()));
    assert!(text.contains("ctodash snapshot"), "{text}");
}

#[test]
fn kpi_focus_shows_the_selected_figure_and_the_drill_down_is_labelled() {
    let mut app = focused(Pane::Kpis);
    app.kpi_cursor = ctodash::app::drill::FigureCursor { col: 1, row: 0 };
    snap_mono("kpi_focus", &app, &[(80, 24), (200, 60)]);
    // The selection is also drawn reversed, which NO_COLOR keeps.
    let buf = draw(&app, 200, 60, &Theme::no_colour());
    let reversed = |(x, y): &(u16, u16)| {
        buf[(*x, *y)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    };
    assert!(find(&buf, "SLA breached").iter().any(reversed));
    assert!(!find(&buf, "Blockers").iter().any(reversed));

    let mut drilled = app.clone();
    update(
        &mut drilled,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    drilled.focus = Pane::Bugs;
    let text = screen(&draw(&drilled, 80, 24, &Theme::no_colour()));
    assert!(text.contains("KPI SLA breached ⇒"), "{text}");
    assert!(text.contains("SLA breached (23)"), "{text}");
}

#[test]
fn crossed_alerts_are_marked_in_the_header() {
    use ctodash::app::alerting::{AlertState, evaluate};
    use ctodash::domain::alert::{Alert, KpiName};
    let mut app = sample_app(now());
    let limit = |n: i64| Some(rust_decimal::Decimal::from(n));
    app.alerts = vec![
        AlertState::new(Alert::new(KpiName::SlaBreached, limit(20), None, true).unwrap()),
        AlertState::new(Alert::new(KpiName::Blockers, limit(50), None, false).unwrap()),
        AlertState::new(
            Alert::new(KpiName::RevenueAtRiskDaily, limit(40_000), None, false).unwrap(),
        ),
    ];
    evaluate(&mut app);
    snap_mono("alerts", &app, &[(80, 24), (200, 60)]);
    let wide = screen(&draw(&app, 200, 60, &Theme::no_colour()));
    let header = wide.lines().next().unwrap();
    assert!(
        header.contains("⚑ SLA breached 23 > 20 · At risk / day $48,250 > 40000"),
        "{header}"
    );
    assert!(!header.contains("Blockers"), "{header}");
    let narrow = screen(&draw(&app, 80, 24, &Theme::no_colour()));
    assert!(
        narrow.lines().next().unwrap().contains("⚑ 2 alerts"),
        "{narrow}"
    );
}
