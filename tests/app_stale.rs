//! The dashboard never shows old news as new: reads finish in any order, the
//! connection drops mid-read, the user moves while a reload is on its way, and
//! a background task can fail. Driven through `update` alone, delivering
//! results in the worst order.

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ctodash::app::fixtures::sample_app;
use ctodash::app::model::Count;
use ctodash::app::state::{Connection, EditTarget, Overlay, Tone};
use ctodash::app::update::{polls, update};
use ctodash::app::{App, Command, Loaded, Msg, Page, Part};
use ctodash::domain::BugStatus;
use ctodash::query::PageAnchor;
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn ticket(cmds: &[Command], part: Part) -> u64 {
    cmds.iter()
        .filter_map(Command::ticket)
        .find_map(|(p, t)| (p == part).then_some(t))
        .unwrap_or_else(|| panic!("no {part:?} load in {cmds:?}"))
}

fn details(cmds: &[Command]) -> Vec<Uuid> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::LoadDetail { id, .. } => Some(*id),
            _ => None,
        })
        .collect()
}

/// The sample dashboard after one real refresh, so its window has a
/// generation like any window loaded by the worker; more rows follow.
fn settled() -> App {
    let mut app = sample_app(now());
    let cmds = update(&mut app, Msg::RefreshDue);
    let page = Page {
        anchor: PageAnchor::Top,
        rows: app.table.rows.clone(),
        more_before: false,
        more_after: true,
    };
    let generation = ticket(&cmds, Part::Page);
    update(&mut app, Msg::Loaded(Loaded::Page { generation, page }));
    assert!(!app.table.loading && app.table.more_after);
    app
}

#[test]
fn kpi_portfolio_and_count_results_finishing_out_of_order_keep_the_newest() {
    let mut app = settled();
    let older = update(&mut app, Msg::RefreshDue);
    let newer = update(&mut app, key('r'));
    let fresh = app.kpis.clone().unwrap();
    let mut stale = fresh.clone();
    stale.trend.clear();
    let projects = app.portfolio.rows.clone();
    let count = |n| Count {
        n,
        estimated: false,
    };

    // The newer reads answer first, the older ones last.
    for msg in [
        Loaded::Kpis {
            ticket: ticket(&newer, Part::Kpis),
            kpis: fresh.clone(),
        },
        Loaded::Portfolio {
            ticket: ticket(&newer, Part::Portfolio),
            rows: projects.clone(),
        },
        Loaded::Count {
            ticket: ticket(&newer, Part::Count),
            count: count(4_600),
        },
        Loaded::Kpis {
            ticket: ticket(&older, Part::Kpis),
            kpis: stale,
        },
        Loaded::Portfolio {
            ticket: ticket(&older, Part::Portfolio),
            rows: projects[..1].to_vec(),
        },
        Loaded::Count {
            ticket: ticket(&older, Part::Count),
            count: count(4_567),
        },
    ] {
        update(&mut app, Msg::Loaded(msg));
    }
    assert_eq!(app.kpis.as_ref(), Some(&fresh));
    assert_eq!(app.portfolio.rows, projects);
    assert_eq!(app.table.total, Some(count(4_600)));
}

#[test]
fn an_older_failure_does_not_stop_the_newer_wait() {
    let mut app = settled();
    let older = update(&mut app, key('j'));
    let newer = update(&mut app, key('j'));
    assert!(app.detail.loading);
    update(
        &mut app,
        Msg::LoadFailed {
            part: Part::Detail,
            ticket: ticket(&older, Part::Detail),
            error: "loading failed: canceled".into(),
        },
    );
    assert!(app.detail.loading, "still waiting for the newer detail");
    assert!(app.notice.as_ref().is_none_or(|n| n.tone != Tone::Error));
    update(
        &mut app,
        Msg::LoadFailed {
            part: Part::Detail,
            ticket: ticket(&newer, Part::Detail),
            error: "loading failed: boom".into(),
        },
    );
    assert!(!app.detail.loading);
    assert_eq!(app.notice.as_ref().map(|n| n.tone), Some(Tone::Error));
}

#[test]
fn a_push_reload_while_the_detail_settles_shows_the_selected_bug() {
    let mut app = settled();
    let x = app.table.rows[0].clone();
    let y = app.table.rows[1].clone();
    assert_eq!(app.detail.bug.as_ref().map(|b| b.row.id), Some(x.id));

    // Move to Y; before its detail arrives, a change is pushed.
    let moved = update(&mut app, key('j'));
    assert_eq!(details(&moved), [y.id]);
    let pushed = update(
        &mut app,
        Msg::DataChanged(ctodash::app::msg::Changes::everything()),
    );
    assert_eq!(
        details(&pushed),
        [y.id],
        "reload the selected bug, not the shown one"
    );

    // Whatever the worker answers for X, and in whatever order, X stays off.
    let mut dx = app.detail.bug.clone().unwrap();
    dx.row.title = "X, reloaded".into();
    let mut dy = dx.clone();
    dy.row = y.clone();
    let newest = app.tickets.newest(Part::Detail);
    for (ticket, detail) in [
        (newest, dx.clone()),
        (ticket(&pushed, Part::Detail), dy.clone()),
        (ticket(&moved, Part::Detail), dy.clone()),
        (newest, dx),
    ] {
        let detail = Box::new(detail);
        update(&mut app, Msg::Loaded(Loaded::Detail { ticket, detail }));
    }
    assert_eq!(app.table.selected_row().map(|r| r.id), Some(y.id));
    assert_eq!(app.detail.bug.as_ref().map(|b| b.row.id), Some(y.id));
    assert!(!app.detail.loading);
}

#[test]
fn a_reload_keeps_the_row_the_user_moved_to_meanwhile() {
    let mut app = settled();
    let cmds = update(&mut app, Msg::RefreshDue);
    let generation = ticket(&cmds, Part::Page);
    // While the reload is on its way, the user moves down two rows…
    update(&mut app, key('j'));
    update(&mut app, key('j'));
    let chosen = app.table.selected_row().unwrap().id;
    // …and the reloaded window has that bug further down (a new bug on top).
    let mut rows = app.table.rows.clone();
    rows.rotate_right(1);
    let page = Page {
        anchor: PageAnchor::Top,
        rows,
        more_before: false,
        more_after: true,
    };
    update(&mut app, Msg::Loaded(Loaded::Page { generation, page }));
    assert_eq!(app.table.selected, 3);
    assert_eq!(app.table.selected_row().map(|r| r.id), Some(chosen));
}

/// Moves close to the end of the window, which asks for the rows after it.
fn start_append(app: &mut App) -> (u64, Page) {
    let n = app.table.rows.len();
    let cmds = update(app, key('j'));
    let (generation, anchor) = cmds
        .iter()
        .find_map(|c| match c {
            Command::LoadPage {
                generation,
                anchor: anchor @ PageAnchor::After(_),
                ..
            } => Some((*generation, anchor.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no append in {cmds:?} ({n} rows)"));
    let mut rows = app.table.rows.clone();
    for (i, r) in rows.iter_mut().enumerate() {
        r.id = Uuid::from_u128(0xa000 + i as u128);
        r.number = format!("BUG-{}", 9000 + i);
    }
    let page = Page {
        anchor,
        rows,
        more_before: true,
        more_after: false,
    };
    (generation, page)
}

#[test]
fn a_page_append_in_flight_when_the_connection_drops_never_replaces_the_window() {
    // Control: without the drop the page extends the window.
    let mut app = settled();
    let n = app.table.rows.len();
    let (generation, page) = start_append(&mut app);
    update(&mut app, Msg::Loaded(Loaded::Page { generation, page }));
    assert_eq!(app.table.rows.len(), 2 * n);

    let mut app = settled();
    let before = app.table.rows.clone();
    let (generation, page) = start_append(&mut app);
    update(
        &mut app,
        Msg::ConnectionDown {
            error: "connection reset".into(),
        },
    );
    update(&mut app, Msg::Loaded(Loaded::Page { generation, page }));
    assert_eq!(
        app.table.rows, before,
        "the window is neither replaced nor extended"
    );
    assert_eq!(app.table.window_start, 0);
    assert!(!app.table.loading);
}

#[test]
fn an_append_for_an_edge_that_moved_is_dropped() {
    let mut app = settled();
    let (generation, page) = start_append(&mut app);
    // The window changed under the request (e.g. rows patched by an edit).
    app.table.rows.pop();
    let before = app.table.rows.clone();
    update(&mut app, Msg::Loaded(Loaded::Page { generation, page }));
    assert_eq!(app.table.rows, before);
}

#[test]
fn a_failed_background_task_fails_the_save_and_stops_the_app() {
    let mut app = settled();
    let bug = app.table.rows[0].clone();
    app.overlay = Some(Overlay::Saving {
        target: EditTarget { bug: bug.clone() },
        to: BugStatus::Verified,
    });
    update(
        &mut app,
        Msg::WorkerFailed {
            task: "save".into(),
            error: "index out of bounds".into(),
        },
    );
    assert!(app.overlay.is_none(), "no save left on \"Saving\"");
    assert!(app.should_quit);
    let fatal = app.fatal.clone().expect("a reason to exit with");
    for part in [
        "save task failed",
        "index out of bounds",
        &bug.number,
        "log file",
    ] {
        assert!(fatal.contains(part), "{part:?} missing from {fatal:?}");
    }
    assert!(!fatal.contains('\n'), "one paragraph");
    assert_eq!(app.notice.as_ref().map(|n| n.tone), Some(Tone::Error));
}

#[test]
fn refreshes_pause_during_an_outage_and_resume_after() {
    let mut app = settled();
    assert!(polls(&app));
    update(
        &mut app,
        Msg::ConnectionDown {
            error: "connection refused".into(),
        },
    );
    assert!(matches!(app.connection, Connection::Down { .. }));
    assert!(!polls(&app), "the reconnect probe's back-off paces retries");
    let cmds = update(&mut app, Msg::ConnectionUp);
    assert!(polls(&app));
    assert!(
        ctodash::app::update::reloaded(&cmds).0,
        "and everything reloads"
    );
}

/// A full server (SQLSTATE 53300) is its own state: told apart from
/// "unreachable", waited out like it (no polling while it lasts), and left
/// with a full reload.
#[test]
fn a_full_server_is_a_state_of_its_own() {
    let mut app = settled();
    let status = "the database has no free connections (100 of 100 in use)".to_string();
    update(
        &mut app,
        Msg::ServerFull {
            status: status.clone(),
        },
    );
    match &app.connection {
        Connection::Full { status: s, .. } => assert_eq!(s, &status),
        other => panic!("{other:?}"),
    }
    assert!(!polls(&app), "the reconnect probe's back-off paces retries");
    let cmds = update(&mut app, Msg::ConnectionUp);
    assert!(matches!(app.connection, Connection::Up));
    assert!(
        ctodash::app::update::reloaded(&cmds).0,
        "everything reloads"
    );
}

#[test]
fn the_down_banner_never_shows_a_password() {
    let mut app = sample_app(now());
    let error = "error connecting to postgres://me:p#ss/w@rd@db.internal/bugs".to_string();
    update(&mut app, Msg::ConnectionDown { error });
    let Connection::Down { error, .. } = &app.connection else {
        panic!("not down: {:?}", app.connection);
    };
    assert!(!error.contains("p#ss"), "{error}");
    assert!(error.contains("db.internal"), "{error}");
}

/// A page lost to a full server stays lost only until the server has room:
/// a load that got through meanwhile shows the connection as up, yet the
/// probe's `ConnectionUp` still reloads everything (else the table stayed
/// empty under a live header).
#[test]
fn a_load_that_gets_through_does_not_cancel_the_reload_after_a_full_server() {
    let mut app = settled();
    update(
        &mut app,
        Msg::ServerFull {
            status: "the database has no free connections (8 of 8 in use)".into(),
        },
    );
    update(
        &mut app,
        Msg::Loaded(ctodash::app::Loaded::Portfolio {
            ticket: 0,
            rows: Vec::new(),
        }),
    );
    assert!(matches!(app.connection, Connection::Up));
    let cmds = update(&mut app, Msg::ConnectionUp);
    assert!(
        ctodash::app::update::reloaded(&cmds).0,
        "the page and everything else are asked for again"
    );
    let again = update(&mut app, Msg::ConnectionUp);
    assert!(again.is_empty(), "once: {again:?}");
}
