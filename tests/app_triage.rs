//! Triage in the dashboard, driven by messages alone (no terminal, no
//! database): marks, bulk changes and their refusals, undo, "mine", the
//! new-bug form, comments, read-only refusals and the mouse.

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ctodash::app::change::{ChangeRequest, Purpose};
use ctodash::app::fixtures::{read_only_app, sample_app};
use ctodash::app::model::BugRow;
use ctodash::app::state::{Overlay, Pane, Tone};
use ctodash::app::update::update;
use ctodash::app::{App, Command, Loaded, Msg, Page};
use ctodash::db::edit::{
    Applied, AppliedBug, BugEdit, ChangeOutcome, Field, FieldChange, Refusal, RefusalReason, Undo,
};
use ctodash::domain::{BugStatus, Severity};
use ctodash::query::PageAnchor;

mod common;

use common::screen::{app_screen, find_below};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn app() -> App {
    let mut app = sample_app(now());
    // Saves are then followed by their own NOTIFY, not by a reload here.
    app.push_live = true;
    app
}

fn press(app: &mut App, code: KeyCode) -> Vec<Command> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(app: &mut App, c: char) -> Vec<Command> {
    update(
        app,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

fn keys(app: &mut App, text: &str) -> Vec<Command> {
    let mut cmds = vec![];
    for c in text.chars() {
        cmds = press(app, KeyCode::Char(c));
    }
    cmds
}

fn the_request(cmds: &[Command]) -> ChangeRequest {
    cmds.iter()
        .find_map(|c| match c {
            Command::Apply(r) => Some(r.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no change was sent: {cmds:?}"))
}

/// The database's answer to `req` when every bug was written: each bug one
/// version on, with `apply` done to its row; the undo holds `old` per bug.
fn applied(
    req: &ChangeRequest,
    apply: impl Fn(&mut BugRow),
    old: impl Fn(&BugRow) -> FieldChange,
) -> Msg {
    let mut bugs = vec![];
    let mut undo = vec![];
    for e in &req.edits {
        let mut after = e.seen.clone();
        after.version += 1;
        apply(&mut after);
        let field = e.changes[0].field();
        undo.push(BugEdit::new(after.clone(), vec![old(&e.seen)]));
        bugs.push(AppliedBug {
            before: e.seen.clone(),
            after,
            changed: vec![field],
        });
    }
    Msg::Applied {
        request: req.id,
        outcome: ChangeOutcome::Applied(Applied {
            bugs,
            undo: Undo { edits: undo },
        }),
    }
}

fn conflict(bug: &BugRow) -> Refusal {
    let mut theirs = bug.clone();
    theirs.version += 3;
    theirs.status = BugStatus::Verified;
    Refusal {
        id: bug.id,
        bug: bug.number.clone(),
        reason: RefusalReason::Conflict {
            mine: Box::new(bug.clone()),
            theirs: Box::new(theirs),
            changes: vec!["status: in_progress → verified by Grace Hopper 2m ago".into()],
        },
    }
}

fn rows(app: &App) -> Vec<BugRow> {
    app.table.rows.clone()
}

/// Space on the first `n` rows, from the top.
fn mark_first(app: &mut App, n: usize) {
    app.table.selected = 0;
    for _ in 0..n {
        press(app, KeyCode::Char(' '));
    }
}

#[test]
fn marks_are_kept_by_bug_through_scrolling_and_refreshes() {
    let mut app = app();
    let before = rows(&app);
    mark_first(&mut app, 2);
    assert_eq!(app.marks.len(), 2);
    assert_eq!(app.table.selected, 2, "Space moves on to the next row");
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char('k'));
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(app.marks.len(), 2, "Space on a marked bug unmarks it");

    // A refresh brings a window without the first bug and a newer version of
    // the second: both stay marked, the second with its new version.
    let cmds = update(&mut app, Msg::RefreshDue);
    let generation = cmds
        .iter()
        .find_map(|c| match c {
            Command::LoadPage { generation, .. } => Some(*generation),
            _ => None,
        })
        .unwrap();
    let mut fresh: Vec<BugRow> = before[1..].to_vec();
    fresh[0].version += 4;
    let page = Page {
        anchor: PageAnchor::Top,
        rows: fresh.clone(),
        more_before: false,
        more_after: true,
    };
    update(&mut app, Msg::Loaded(Loaded::Page { generation, page }));
    assert!(app.marks.contains(before[0].id), "off screen, still marked");
    let kept = app.marks.rows();
    let second = kept.iter().find(|r| r.id == before[1].id).unwrap();
    assert_eq!(
        second.version, fresh[0].version,
        "the mark holds the fresh row"
    );

    // `s` now acts on the marked bugs, whatever row is selected.
    press(&mut app, KeyCode::Char('s'));
    match &app.overlay {
        Some(Overlay::PickValue { targets, field, .. }) => {
            assert_eq!(*field, Field::Status);
            assert_eq!(targets.len(), 2);
        }
        other => panic!("expected the bulk status picker, got {other:?}"),
    }
    let title = app_screen(&app, 120, 40);
    assert!(title.contains("2 marked"), "{title}");
}

#[test]
fn marking_the_whole_filter_asks_first_and_is_capped() {
    let mut app = app();
    press(&mut app, KeyCode::Char('*'));
    assert_eq!(
        app.overlay,
        Some(Overlay::MarkAll {
            count: 1000,
            capped: true
        }),
        "4,567 bugs match: the confirmation says 1,000 of them"
    );
    let cmds = press(&mut app, KeyCode::Char('y'));
    let (ticket, limit) = match cmds.as_slice() {
        [Command::LoadMarks { ticket, limit, .. }] => (*ticket, *limit),
        other => panic!("{other:?}"),
    };
    assert_eq!(limit, 1000);
    let rows = rows(&app);
    update(
        &mut app,
        Msg::Loaded(Loaded::Marks {
            ticket,
            rows: rows.clone(),
        }),
    );
    assert_eq!(app.marks.len(), rows.len());
    press(&mut app, KeyCode::Char('*'));
    assert!(app.marks.is_empty(), "* with marks unmarks them all");
    assert!(app.overlay.is_none());
}

#[test]
fn a_refused_bulk_change_lists_each_bug_and_can_go_to_the_others() {
    let mut app = app();
    let rows = rows(&app);
    mark_first(&mut app, 3);
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Char('v'));
    let cmds = keys(&mut app, "cri");
    assert!(cmds.is_empty());
    let cmds = press(&mut app, KeyCode::Enter);
    let req = the_request(&cmds);
    assert_eq!(req.edits.len(), 3);
    assert!(
        req.edits
            .iter()
            .all(|e| e.changes == [FieldChange::Severity(Severity::Critical)])
    );
    assert_eq!(req.label, "severity → critical");
    assert!(matches!(app.overlay, Some(Overlay::Working { .. })));
    assert!(press(&mut app, KeyCode::Char('q')).is_empty(), "keys wait");

    // One of them changed meanwhile: nothing written, the dialog says which.
    let refused = conflict(&rows[1]);
    update(
        &mut app,
        Msg::Applied {
            request: req.id,
            outcome: ChangeOutcome::Refused(vec![refused]),
        },
    );
    let text = app_screen(&app, 100, 30);
    assert!(text.contains("Nothing was written: 1 of 3"), "{text}");
    assert!(
        text.contains(&rows[1].number) && text.contains("Grace Hopper"),
        "{text}"
    );
    assert!(text.contains("apply to the other 2"), "{text}");
    assert!(text.contains("re-apply"), "{text}");

    // `o`: the same change for the two others.
    let cmds = press(&mut app, KeyCode::Char('o'));
    let others = the_request(&cmds);
    let ids: Vec<_> = others.edits.iter().map(|e| e.seen.id).collect();
    assert_eq!(ids, [rows[0].id, rows[2].id]);
    update(
        &mut app,
        applied(
            &others,
            |r| r.severity = Severity::Critical,
            |r| FieldChange::Severity(r.severity),
        ),
    );
    assert_eq!(app.undo.len(), 1);
    assert_eq!(app.notice.as_ref().unwrap().tone, Tone::Success);
    assert!(app.overlay.is_none());
}

#[test]
fn re_applying_after_a_conflict_uses_the_bug_as_it_is_now() {
    let mut app = app();
    let bug = rows(&app)[0].clone();
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Char('t'));
    ctrl(&mut app, 'u');
    keys(&mut app, "Checkout total is wrong");
    let req = the_request(&press(&mut app, KeyCode::Enter));
    assert_eq!(
        req.edits[0].changes,
        [FieldChange::Title("Checkout total is wrong".into())]
    );
    let refused = conflict(&bug);
    let theirs = match &refused.reason {
        RefusalReason::Conflict { theirs, .. } => (**theirs).clone(),
        _ => unreachable!(),
    };
    update(
        &mut app,
        Msg::Applied {
            request: req.id,
            outcome: ChangeOutcome::Refused(vec![refused]),
        },
    );
    let text = app_screen(&app, 100, 30);
    assert!(
        !text.contains("apply to the other"),
        "one bug: no others\n{text}"
    );
    let again = the_request(&press(&mut app, KeyCode::Char('r')));
    assert_eq!(again.edits[0].seen.version, theirs.version);
    assert_eq!(again.edits[0].changes, req.edits[0].changes);
}

#[test]
fn undo_walks_back_newest_first_and_stops_at_someone_elses_change() {
    let mut app = app();
    let bug = rows(&app)[0].clone();
    // Two changes of the same bug: severity, then blocker.
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Char('v'));
    keys(&mut app, "low");
    let first = the_request(&press(&mut app, KeyCode::Enter));
    update(
        &mut app,
        applied(
            &first,
            |r| r.severity = Severity::Low,
            |r| FieldChange::Severity(r.severity),
        ),
    );
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Char('b'));
    let second = the_request(&press(&mut app, KeyCode::Enter));
    assert_eq!(
        second.edits[0].seen.version,
        bug.version + 1,
        "on the saved row"
    );
    update(
        &mut app,
        applied(
            &second,
            |r| r.is_blocker = !bug.is_blocker,
            |r| FieldChange::Blocker(r.is_blocker),
        ),
    );
    assert_eq!(app.undo.len(), 2);

    // `u` names the newest change and waits for `y`.
    assert!(press(&mut app, KeyCode::Char('u')).is_empty());
    match &app.overlay {
        Some(Overlay::UndoConfirm { label }) => assert!(label.starts_with("blocker"), "{label}"),
        other => panic!("{other:?}"),
    }
    let undo2 = the_request(&press(&mut app, KeyCode::Char('y')));
    assert_eq!(undo2.purpose, Purpose::Undo);
    assert_eq!(
        undo2.edits[0].changes,
        [FieldChange::Blocker(bug.is_blocker)]
    );
    assert_eq!(undo2.edits[0].seen.version, bug.version + 2);
    update(
        &mut app,
        applied(
            &undo2,
            |r| r.is_blocker = bug.is_blocker,
            |r| FieldChange::Blocker(r.is_blocker),
        ),
    );
    assert_eq!(app.undo.len(), 1, "an undo is not itself pushed");

    // The older change is next, checked against the version my own later
    // changes left (not the one it had when it was made).
    press(&mut app, KeyCode::Char('u'));
    let undo1 = the_request(&press(&mut app, KeyCode::Char('y')));
    assert_eq!(
        undo1.edits[0].changes,
        [FieldChange::Severity(bug.severity)]
    );
    assert_eq!(undo1.edits[0].seen.version, bug.version + 3);

    // Someone else changed the bug since: the conflict dialog, and Esc
    // gives up that undo.
    update(
        &mut app,
        Msg::Applied {
            request: undo1.id,
            outcome: ChangeOutcome::Refused(vec![conflict(&undo1.edits[0].seen)]),
        },
    );
    let text = app_screen(&app, 100, 30);
    assert!(
        text.contains("Undo refused") && text.contains("Grace Hopper"),
        "{text}"
    );
    press(&mut app, KeyCode::Esc);
    assert!(app.undo.is_empty());
    press(&mut app, KeyCode::Char('u'));
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .contains("nothing to undo")
    );
}

#[test]
fn a_status_change_from_the_status_dialog_can_be_undone() {
    let mut app = app();
    let bug = rows(&app)[0].clone();
    let mut after = bug.clone();
    after.status = BugStatus::Deferred;
    after.version += 1;
    update(
        &mut app,
        Msg::Saved(ctodash::app::SaveOutcome::Saved {
            before: bug.clone(),
            after,
        }),
    );
    press(&mut app, KeyCode::Char('u'));
    let undo = the_request(&press(&mut app, KeyCode::Char('y')));
    assert_eq!(undo.edits[0].changes, [FieldChange::Status(bug.status)]);
}

#[test]
fn mine_toggles_the_assignee_filter_to_me() {
    let mut app = app();
    let cmds = press(&mut app, KeyCode::Char('m'));
    assert_eq!(
        app.table.query.filter.assignee.as_deref(),
        Some("ada@acme.test")
    );
    assert!(cmds.iter().any(|c| matches!(c, Command::LoadPage { .. })));
    press(&mut app, KeyCode::Char('m'));
    assert_eq!(app.table.query.filter.assignee, None);

    let mut ro = read_only_app(now());
    let cmds = press(&mut ro, KeyCode::Char('m'));
    assert!(cmds.is_empty());
    assert_eq!(ro.notice.as_ref().unwrap().tone, Tone::Error);
}

#[test]
fn the_new_bug_form_checks_its_fields_and_selects_the_new_bug() {
    let mut app = app();
    let cmds = press(&mut app, KeyCode::Char('n'));
    assert!(
        cmds.iter().any(|c| matches!(c, Command::LoadUsers { .. })),
        "users load for the assignee list"
    );
    assert!(ctrl(&mut app, 's').is_empty());
    match &app.overlay {
        Some(Overlay::Create(form)) => {
            assert!(form.error.as_ref().unwrap().contains("title is empty"))
        }
        other => panic!("{other:?}"),
    }
    keys(&mut app, "Refund button is missing");
    press(&mut app, KeyCode::Tab);
    keys(&mut app, "hi");
    press(&mut app, KeyCode::Tab);
    keys(&mut app, "checkout");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Tab);
    keys(&mut app, "first");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "second");
    let cmds = ctrl(&mut app, 's');
    let new = match cmds.as_slice() {
        [Command::CreateBug(new)] => new.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(new.title, "Refund button is missing");
    assert_eq!(new.severity, Severity::High);
    let checkout = app
        .portfolio
        .rows
        .iter()
        .find(|p| p.name == "Checkout")
        .unwrap();
    assert_eq!(new.project, Some(checkout.id));
    assert_eq!(new.assignee, None);
    assert!(new.is_blocker);
    assert_eq!(new.description.as_deref(), Some("first\nsecond"));

    // A failed create gives the form back, filled in, with the reason.
    update(
        &mut app,
        Msg::Created(Err("the database did not answer".into())),
    );
    match &app.overlay {
        Some(Overlay::Create(form)) => {
            assert_eq!(form.title.text, "Refund button is missing");
            assert!(form.error.as_ref().unwrap().contains("did not answer"));
        }
        other => panic!("{other:?}"),
    }
    app.overlay = None;

    // Created: the table reloads from the new bug and selects it.
    let mut row = rows(&app)[5].clone();
    row.id = uuid::Uuid::from_u128(0xfeed);
    row.number = "BUG-9001".into();
    let cmds = update(&mut app, Msg::Created(Ok(row.clone())));
    assert_eq!(
        app.table.selected_row().map(|r| r.id),
        Some(row.id),
        "selected at once, before the window reloads"
    );
    let generation = match cmds.as_slice() {
        [
            Command::LoadPage {
                generation,
                anchor: PageAnchor::From(_),
                ..
            },
            Command::LoadDetail { id, .. },
        ] if *id == row.id => *generation,
        other => panic!("{other:?}"),
    };
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .contains("BUG-9001 created")
    );
    let mut window: Vec<BugRow> = rows(&app).into_iter().filter(|r| r.id != row.id).collect();
    window.insert(3, row.clone());
    let page = Page {
        anchor: PageAnchor::Top,
        rows: window,
        more_before: false,
        more_after: true,
    };
    update(&mut app, Msg::Loaded(Loaded::Page { generation, page }));
    assert_eq!(app.table.selected_row().map(|r| r.id), Some(row.id));
    assert_eq!(app.table.rows[3].id, row.id, "in its place in the order");
}

#[test]
fn a_comment_is_sent_trimmed_and_an_empty_one_is_refused() {
    let mut app = app();
    let bug = rows(&app)[0].clone();
    press(&mut app, KeyCode::Char('c'));
    assert!(ctrl(&mut app, 's').is_empty());
    match &app.overlay {
        Some(Overlay::Write(w)) => assert!(w.error.as_ref().unwrap().contains("empty")),
        other => panic!("{other:?}"),
    }
    keys(&mut app, "Seen again ");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "on iOS");
    let cmds = ctrl(&mut app, 's');
    match cmds.as_slice() {
        [Command::AddComment { bug: b, body }] => {
            assert_eq!(b.id, bug.id);
            assert_eq!(body, "Seen again \non iOS");
        }
        other => panic!("{other:?}"),
    }
    // Refused by the database: the box comes back with the text and why.
    update(
        &mut app,
        Msg::Commented {
            bug: bug.number.clone(),
            result: Err("the bug no longer exists".into()),
        },
    );
    match &app.overlay {
        Some(Overlay::Write(w)) => {
            assert_eq!(w.area.text(), "Seen again \non iOS");
            assert!(w.error.as_ref().unwrap().contains("no longer exists"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn with_editor_set_the_text_is_written_there() {
    let mut app = app();
    app.editor = Some("vi".into());
    press(&mut app, KeyCode::Char('c'));
    let req = app
        .editor_request
        .clone()
        .expect("the loop is asked to run $EDITOR");
    assert_eq!(req.command, "vi");
    let cmds = update(
        &mut app,
        Msg::EditorDone {
            text: Some("Written in vi\n".into()),
            error: None,
        },
    );
    assert!(
        matches!(cmds.as_slice(), [Command::AddComment { body, .. }] if body == "Written in vi")
    );
    // A failed editor leaves the text box open, saying why.
    press(&mut app, KeyCode::Esc);
    app.overlay = None;
    press(&mut app, KeyCode::Char('c'));
    let cmds = update(
        &mut app,
        Msg::EditorDone {
            text: None,
            error: Some("$EDITOR (vi) exited with 1".into()),
        },
    );
    assert!(cmds.is_empty());
    assert!(matches!(&app.overlay, Some(Overlay::Write(w)) if w.error.is_some()));
}

#[test]
fn a_read_only_session_refuses_every_write_key_the_usual_way() {
    for key in ['e', 'n', 'c', 'u'] {
        let mut app = read_only_app(now());
        let cmds = press(&mut app, KeyCode::Char(key));
        assert!(cmds.is_empty(), "{key}: {cmds:?}");
        assert!(app.overlay.is_none(), "{key}");
        let notice = app.notice.clone().unwrap();
        assert_eq!(notice.tone, Tone::Error);
        assert!(
            notice.text.contains("nothing can be changed"),
            "{key}: {}",
            notice.text
        );
    }
    let mut app = read_only_app(now());
    mark_first(&mut app, 2);
    assert_eq!(app.marks.len(), 2, "marking writes nothing");
    assert!(press(&mut app, KeyCode::Char('s')).is_empty());
    assert!(app.overlay.is_none());
}

fn find(app: &App, w: u16, h: u16, needle: &str) -> (u16, u16) {
    find_below(app, w, h, needle, 0)
}

fn mouse(app: &mut App, kind: MouseEventKind, (column, row): (u16, u16)) -> Vec<Command> {
    update(
        app,
        Msg::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }),
    )
}

const CLICK: MouseEventKind = MouseEventKind::Down(MouseButton::Left);

#[test]
fn clicks_select_rows_focus_panes_and_pick_popup_items() {
    let mut app = app();
    let target = rows(&app)[4].clone();
    let at = find(&app, 160, 48, &target.number);
    let cmds = mouse(&mut app, CLICK, at);
    assert_eq!(app.table.selected_row().map(|r| r.id), Some(target.id));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadDetail { id, .. } if *id == target.id))
    );

    // The detail pane and the portfolio take focus when clicked.
    let detail = find(&app, 160, 48, "Detail ·");
    mouse(&mut app, CLICK, (detail.0, detail.1 + 3));
    assert_eq!(app.focus, Pane::Detail);
    let project = app.portfolio.rows[2].name.clone();
    let pane = find(&app, 160, 48, "Portfolio ·");
    let at = find_below(&app, 160, 48, &project, usize::from(pane.1));
    mouse(&mut app, CLICK, at);
    assert_eq!((app.focus, app.portfolio.selected), (Pane::Portfolio, 2));

    // The wheel scrolls the pane under the pointer.
    app.focus = Pane::Bugs;
    app.table.selected = 0;
    let row = find(&app, 160, 48, &rows(&app)[1].number);
    mouse(&mut app, MouseEventKind::ScrollDown, row);
    assert_eq!(app.table.selected, 3);

    // A popup item: the first click highlights it, a second picks it.
    press(&mut app, KeyCode::Char('e'));
    let severity = find(&app, 160, 48, "severity");
    assert!(mouse(&mut app, CLICK, severity).is_empty());
    assert!(matches!(
        app.overlay,
        Some(Overlay::FieldChooser { selected: 1, .. })
    ));
    mouse(&mut app, CLICK, severity);
    assert!(matches!(
        app.overlay,
        Some(Overlay::PickValue {
            field: Field::Severity,
            ..
        })
    ));
}

#[test]
fn a_click_picks_a_status_and_a_filter_line() {
    let mut app = app();
    press(&mut app, KeyCode::Char('s'));
    let second = match &app.overlay {
        Some(Overlay::StatusPicker { options, .. }) => options[1],
        other => panic!("{other:?}"),
    };
    let at = find(&app, 80, 24, &format!("  {second}"));
    mouse(&mut app, CLICK, at);
    assert!(matches!(
        app.overlay,
        Some(Overlay::StatusPicker { selected: 1, .. })
    ));
    mouse(&mut app, CLICK, at);
    assert!(
        matches!(&app.overlay, Some(Overlay::Confirm { to, .. }) if *to == second),
        "a second click picks it; y still confirms"
    );
    app.overlay = None;
    press(&mut app, KeyCode::Char('f'));
    let at = find(&app, 80, 24, "blockers only");
    mouse(&mut app, CLICK, at);
    assert!(matches!(&app.overlay, Some(Overlay::Filter(m)) if m.selected == 4));
}

#[test]
fn in_the_compact_layout_a_click_on_a_tab_switches_pane() {
    let mut app = app();
    let at = find(&app, 80, 24, "Portfolio");
    mouse(&mut app, CLICK, at);
    assert_eq!(app.focus, Pane::Portfolio);
    let at = find(&app, 80, 24, "Detail");
    mouse(&mut app, CLICK, (at.0 + 1, at.1));
    assert_eq!(app.focus, Pane::Detail);
}
