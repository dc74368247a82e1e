//! The dashboard's state machine, driven by messages alone: no terminal, no
//! database. Each test feeds what a user or the worker would send and checks
//! the state and the commands handed back.

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ctodash::app::model::{BugRow, Count, Me};
use ctodash::app::msg::Changes;
use ctodash::app::state::{Identity, Overlay, Pane, ReadOnlyReason, Tone};
use ctodash::app::update::{reloaded, update};
use ctodash::app::{App, Command, Loaded, Msg, Page, Part, SaveOutcome};
use ctodash::domain::{BugStatus, Severity, allowed_transitions};
use ctodash::query::{PageAnchor, SortKey};
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn me() -> Me {
    Me {
        id: Uuid::from_u128(1),
        email: "cto@example.com".into(),
        name: "Ada Lovelace".into(),
    }
}

fn row(n: u32, status: BugStatus) -> BugRow {
    BugRow {
        id: Uuid::from_u128(1000 + n as u128),
        number: format!("BUG-{}", 1000 + n),
        severity: Severity::High,
        status,
        title: format!("Bug number {n}"),
        assignee: None,
        project: None,
        created_at: now() - Duration::hours(n as i64),
        sla_hours: 24,
        priority: 90 - (n as i32 % 80),
        is_blocker: false,
        version: 1,
    }
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// An app that has loaded `n` rows (more after them) at generation 1.
fn loaded_app(identity: Identity, n: u32) -> App {
    let mut app = App::new(now(), identity, "test".into());
    let cmds = update(&mut app, Msg::RefreshDue);
    let generation = page_generation(&cmds).expect("first refresh loads a page");
    let rows = (0..n).map(|i| row(i, BugStatus::InProgress)).collect();
    let page = Page {
        anchor: PageAnchor::Top,
        rows,
        more_before: false,
        more_after: true,
    };
    update(&mut app, Msg::Loaded(Loaded::Page { generation, page }));
    update(
        &mut app,
        Msg::Loaded(Loaded::Count {
            ticket: ticket(&cmds, Part::Count).expect("and a count"),
            count: Count {
                n: 5000,
                estimated: false,
            },
        }),
    );
    app
}

/// The ticket of the load of `part` among `cmds`, if there is one.
fn ticket(cmds: &[Command], part: Part) -> Option<u64> {
    cmds.iter()
        .filter_map(Command::ticket)
        .find_map(|(p, t)| (p == part).then_some(t))
}

fn loads(cmds: &[Command], part: Part) -> bool {
    ticket(cmds, part).is_some()
}

/// The bugs whose detail `cmds` load.
fn details(cmds: &[Command]) -> Vec<Uuid> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::LoadDetail { id, .. } => Some(*id),
            _ => None,
        })
        .collect()
}

fn page_generation(cmds: &[Command]) -> Option<u64> {
    cmds.iter().find_map(|c| match c {
        Command::LoadPage { generation, .. } => Some(*generation),
        _ => None,
    })
}

#[test]
fn the_clock_alone_reloads_only_what_time_changes() {
    let mut app = loaded_app(Identity::User(me()), 30);
    // An idle minute with push working: the KPIs' windows and SLA breaches
    // (and so the view tabs' counts, Breached among them) move, the rows on
    // screen do not.
    let cmds = update(&mut app, Msg::ClockDue);
    assert!(
        matches!(
            cmds.as_slice(),
            [Command::LoadKpis { .. }, Command::LoadViewCounts { .. }]
        ),
        "{cmds:?}"
    );
    // Filtered to breached bugs, the rows themselves depend on the clock.
    app.table.query.filter.sla_breached_only = true;
    let cmds = update(&mut app, Msg::ClockDue);
    assert!(loads(&cmds, Part::Kpis));
    assert!(page_generation(&cmds).is_some(), "{cmds:?}");
    assert!(!loads(&cmds, Part::Portfolio));
}

#[test]
fn poll_timers_restart_only_on_messages_that_really_reload() {
    let changed = |bugs, projects, users| {
        Msg::DataChanged(Changes {
            bugs,
            projects,
            users,
        })
    };
    let down = || Msg::ConnectionDown {
        error: "gone".into(),
    };
    // (messages fed in order, what the last one reloads: everything, KPIs)
    let cases = [
        (vec![Msg::RefreshDue], (true, true)),
        (vec![key('r')], (true, true)),
        (vec![Msg::ClockDue], (false, true)),
        (vec![Msg::ConnectionUp], (false, false)),
        (vec![down(), Msg::ConnectionUp], (true, true)),
        (vec![changed(true, false, false)], (true, true)),
        (vec![changed(false, true, false)], (false, true)),
        (vec![changed(false, false, true)], (false, false)),
        (vec![Msg::Resize], (false, false)),
    ];
    for (msgs, want) in cases {
        let mut app = loaded_app(Identity::User(me()), 30);
        let mut cmds = vec![];
        for msg in msgs.clone() {
            cmds = update(&mut app, msg);
        }
        assert_eq!(reloaded(&cmds), want, "{msgs:?}: {cmds:?}");
    }
}

#[test]
fn a_failed_read_stops_waiting_only_for_its_own_part() {
    let mut app = loaded_app(Identity::User(me()), 30);
    let cmds = update(&mut app, key('G'));
    assert!(page_generation(&cmds).is_some());
    assert!(app.table.loading && app.table.pending.is_some());
    let failed = |app: &App, part| Msg::LoadFailed {
        part,
        ticket: app.tickets.newest(part),
        error: "loading failed: boom".into(),
    };
    for part in [Part::Kpis, Part::Count, Part::Portfolio, Part::Detail] {
        let msg = failed(&app, part);
        update(&mut app, msg);
        assert!(
            app.table.loading && app.table.pending.is_some(),
            "a {part:?} failure dropped the page request"
        );
    }
    let msg = failed(&app, Part::Page);
    update(&mut app, msg);
    assert!(!app.table.loading && app.table.pending.is_none());
    assert_eq!(app.notice.as_ref().unwrap().tone, Tone::Error);
}

#[test]
fn first_refresh_asks_for_everything_once() {
    let mut app = App::new(now(), Identity::User(me()), "test".into());
    let cmds = update(&mut app, Msg::RefreshDue);
    assert!(loads(&cmds, Part::Kpis));
    assert!(loads(&cmds, Part::Portfolio));
    assert!(cmds.iter().any(|c| matches!(
        c,
        Command::LoadPage {
            anchor: PageAnchor::Top,
            ..
        }
    )));
    assert!(cmds.iter().any(|c| matches!(c, Command::LoadCount { .. })));
}

#[test]
fn moving_loads_the_detail_and_prefetches_near_the_edge() {
    let mut app = loaded_app(Identity::User(me()), 100);
    assert_eq!(app.table.selected, 0);
    let cmds = update(&mut app, key('j'));
    assert_eq!(app.table.selected, 1);
    assert_eq!(cmds.len(), 1);
    assert_eq!(details(&cmds), [row(1, BugStatus::InProgress).id]);

    // Paging towards the end of the loaded window asks for the next page,
    // keyed on the last row (no OFFSET).
    app.table.viewport = 40;
    update(&mut app, code(KeyCode::PageDown));
    let cmds = update(&mut app, code(KeyCode::PageDown));
    assert_eq!(app.table.selected, 81);
    let after = cmds.iter().find_map(|c| match c {
        Command::LoadPage {
            anchor: PageAnchor::After(cursor),
            ..
        } => Some(cursor.id),
        _ => None,
    });
    assert_eq!(after, Some(row(99, BugStatus::InProgress).id));
    assert_eq!(app.table.position(), 81);
}

#[test]
fn jumping_to_the_bottom_supersedes_stale_pages() {
    let mut app = loaded_app(Identity::User(me()), 50);
    let cmds = update(&mut app, key('G'));
    let generation = page_generation(&cmds).unwrap();
    assert!(cmds.iter().any(|c| matches!(
        c,
        Command::LoadPage {
            anchor: PageAnchor::Bottom,
            ..
        }
    )));

    // A page from before the jump arrives late: ignored.
    let stale = Page {
        anchor: PageAnchor::Top,
        rows: vec![row(7, BugStatus::Pending)],
        more_before: false,
        more_after: true,
    };
    update(
        &mut app,
        Msg::Loaded(Loaded::Page {
            generation: generation - 1,
            page: stale,
        }),
    );
    assert_eq!(app.table.rows.len(), 50);

    let rows: Vec<BugRow> = (4900..5000).map(|i| row(i, BugStatus::Pending)).collect();
    let page = Page {
        anchor: PageAnchor::Bottom,
        rows,
        more_before: true,
        more_after: false,
    };
    update(&mut app, Msg::Loaded(Loaded::Page { generation, page }));
    assert_eq!(app.table.selected, 99);
    assert_eq!(app.table.position(), 4999, "last of 5,000");
}

#[test]
fn search_is_live_and_escape_restores() {
    let mut app = loaded_app(Identity::User(me()), 10);
    update(&mut app, key('/'));
    assert!(matches!(app.overlay, Some(Overlay::Search { .. })));
    let g1 = page_generation(&update(&mut app, key('l'))).unwrap();
    let g2 = page_generation(&update(&mut app, key('o'))).unwrap();
    assert!(g2 > g1, "each keystroke supersedes the previous query");
    assert_eq!(app.table.query.filter.search, "lo");
    update(&mut app, code(KeyCode::Backspace));
    assert_eq!(app.table.query.filter.search, "l");
    update(&mut app, code(KeyCode::Esc));
    assert_eq!(app.table.query.filter.search, "");
    assert!(app.overlay.is_none());
}

#[test]
fn sort_cycles_and_reverses_with_a_requery() {
    let mut app = loaded_app(Identity::User(me()), 10);
    let cmds = update(&mut app, key('o'));
    assert_eq!(app.table.query.sort.key, SortKey::Number);
    assert!(page_generation(&cmds).is_some());
    let cmds = update(&mut app, key('O'));
    assert!(app.table.query.sort.reversed);
    assert!(page_generation(&cmds).is_some(), "{cmds:?}");
}

#[test]
fn status_edit_picks_confirms_with_another_key_and_saves() {
    let mut app = loaded_app(Identity::User(me()), 10);
    assert!(update(&mut app, key('s')).is_empty());
    let Some(Overlay::StatusPicker { options, .. }) = &app.overlay else {
        panic!("no picker")
    };
    assert_eq!(
        options.as_slice(),
        allowed_transitions(BugStatus::InProgress)
    );

    update(&mut app, code(KeyCode::Enter));
    let Some(Overlay::Confirm { to, .. }) = app.overlay.clone() else {
        panic!("no confirmation")
    };
    assert_eq!(to, allowed_transitions(BugStatus::InProgress)[0]);
    // Enter (or `s`) again does not confirm: only `y` does.
    assert!(update(&mut app, code(KeyCode::Enter)).is_empty());
    assert!(update(&mut app, key('s')).is_empty());
    let cmds = update(&mut app, key('y'));
    assert_eq!(
        cmds,
        vec![Command::SaveStatus {
            bug: row(0, BugStatus::InProgress),
            to
        }]
    );
    assert!(matches!(app.overlay, Some(Overlay::Saving { .. })));

    let mut after = row(0, BugStatus::InProgress);
    after.status = to;
    after.version = 2;
    let cmds = update(
        &mut app,
        Msg::Saved(SaveOutcome::Saved {
            before: row(0, BugStatus::InProgress),
            after,
        }),
    );
    assert!(app.overlay.is_none());
    let notice = app.notice.clone().unwrap();
    assert_eq!(notice.tone, Tone::Success);
    assert!(
        notice.text.contains("BUG-1000") && notice.text.contains(to.as_str()),
        "{}",
        notice.text
    );
    assert_eq!(
        app.table.rows[0].status, to,
        "the row shows the new status at once"
    );
    assert!(loads(&cmds, Part::Kpis), "KPIs refresh after an edit");
}

#[test]
fn conflict_shows_what_changed_and_can_reapply_on_the_fresh_row() {
    let mut app = loaded_app(Identity::User(me()), 10);
    update(&mut app, key('s'));
    update(&mut app, code(KeyCode::Enter));
    update(&mut app, key('y'));
    let mine = row(0, BugStatus::InProgress);
    let mut theirs = mine.clone();
    theirs.severity = Severity::Critical;
    theirs.version = 3;
    let changes = vec!["severity: high → critical by Grace Hopper 5s ago".to_string()];
    update(
        &mut app,
        Msg::Saved(SaveOutcome::Conflict {
            wanted: BugStatus::Verified,
            mine,
            theirs: theirs.clone(),
            changes,
        }),
    );
    let Some(Overlay::Conflict(info)) = &app.overlay else {
        panic!("no conflict dialog")
    };
    assert!(info.changes[0].contains("Grace Hopper"));
    let cmds = update(&mut app, key('r'));
    assert_eq!(
        cmds,
        vec![Command::SaveStatus {
            bug: theirs,
            to: BugStatus::Verified
        }]
    );

    // Cancelling instead writes nothing.
    let mut app = loaded_app(Identity::User(me()), 10);
    let mine = row(0, BugStatus::InProgress);
    let conflict = SaveOutcome::Conflict {
        wanted: BugStatus::Verified,
        mine: mine.clone(),
        theirs: mine,
        changes: vec![],
    };
    update(&mut app, Msg::Saved(conflict));
    let cmds = update(&mut app, code(KeyCode::Esc));
    assert!(!cmds.iter().any(|c| matches!(c, Command::SaveStatus { .. })));
    assert!(app.overlay.is_none());
}

#[test]
fn with_push_live_a_save_leaves_the_reload_to_its_own_notification() {
    let mut app = loaded_app(Identity::User(me()), 10);
    update(&mut app, Msg::Push { live: true });
    let mut after = row(0, BugStatus::InProgress);
    after.status = BugStatus::Verified;
    after.version = 2;
    let cmds = update(
        &mut app,
        Msg::Saved(SaveOutcome::Saved {
            before: row(0, BugStatus::InProgress),
            after,
        }),
    );
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(app.table.rows[0].status, BugStatus::Verified);
    // The notification the save sent is what reloads everything.
    let cmds = update(&mut app, Msg::DataChanged(Changes::everything()));
    assert!(loads(&cmds, Part::Kpis), "{cmds:?}");
}

#[test]
fn read_only_sessions_refuse_to_edit_and_say_why() {
    let mut app = loaded_app(Identity::ReadOnly(ReadOnlyReason::NoUser), 10);
    let cmds = update(&mut app, key('s'));
    assert!(cmds.is_empty());
    assert!(app.overlay.is_none());
    let notice = app.notice.clone().unwrap();
    assert_eq!(notice.tone, Tone::Error);
    assert!(notice.text.contains("read-only"), "{}", notice.text);
}

#[test]
fn failed_save_is_reported_in_the_footer() {
    let mut app = loaded_app(Identity::User(me()), 3);
    let failed = SaveOutcome::Failed {
        bug: "BUG-1000".into(),
        error: "the database is unreachable; nothing was written".into(),
    };
    update(&mut app, Msg::Saved(failed));
    let notice = app.notice.unwrap();
    assert_eq!(notice.tone, Tone::Error);
    assert!(
        notice
            .text
            .starts_with("BUG-1000: the database is unreachable")
    );
}

#[test]
fn ctrl_c_quits_even_inside_a_popup_and_q_quits() {
    let mut app = loaded_app(Identity::User(me()), 3);
    update(&mut app, key('/'));
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(app.should_quit);
    let mut app = loaded_app(Identity::User(me()), 3);
    update(&mut app, key('q'));
    assert!(app.should_quit);
}

#[test]
fn reconnecting_reloads_everything() {
    let mut app = loaded_app(Identity::User(me()), 3);
    update(
        &mut app,
        Msg::ConnectionDown {
            error: "connection refused".into(),
        },
    );
    assert!(matches!(
        app.connection,
        ctodash::app::state::Connection::Down { .. }
    ));
    let cmds = update(&mut app, Msg::ConnectionUp);
    assert!(loads(&cmds, Part::Kpis));
    assert!(page_generation(&cmds).is_some());
}

#[test]
fn tab_cycles_panes_and_enter_opens_detail() {
    let mut app = loaded_app(Identity::User(me()), 3);
    let cmds = update(&mut app, code(KeyCode::Enter));
    assert_eq!(app.focus, Pane::Detail);
    assert_eq!(cmds.len(), 1);
    assert_eq!(details(&cmds), [row(0, BugStatus::InProgress).id]);
    update(&mut app, code(KeyCode::Tab));
    assert_eq!(app.focus, Pane::Portfolio);
    update(&mut app, code(KeyCode::BackTab));
    assert_eq!(app.focus, Pane::Detail);
    update(&mut app, key('?'));
    assert!(matches!(app.overlay, Some(Overlay::Help { .. })));
    update(&mut app, key('x'));
    assert!(app.overlay.is_none());
}

#[test]
fn a_search_with_no_exact_match_retries_tolerating_typos() {
    let mut app = loaded_app(Identity::User(me()), 5);
    update(&mut app, key('/'));
    for c in "chekout".chars() {
        update(&mut app, key(c));
    }
    let generation = app.tickets.newest(Part::Page);
    let empty = Page {
        anchor: PageAnchor::Top,
        rows: vec![],
        more_before: false,
        more_after: false,
    };
    let cmds = update(
        &mut app,
        Msg::Loaded(Loaded::Page {
            generation,
            page: empty.clone(),
        }),
    );
    assert!(app.table.query.filter.fuzzy, "falls back to fuzzy matching");
    assert!(page_generation(&cmds).is_some_and(|g| g > generation));
    // Still nothing: no endless retries, the table says so.
    let generation = app.tickets.newest(Part::Page);
    assert!(
        page_generation(&update(
            &mut app,
            Msg::Loaded(Loaded::Page {
                generation,
                page: empty
            })
        ))
        .is_none()
    );
    // Typing again starts exact.
    update(&mut app, key('s'));
    assert!(!app.table.query.filter.fuzzy);
}
