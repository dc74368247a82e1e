//! Snapshots of the triage popups at 80×24 (the smallest common terminal),
//! drawn on `TestBackend` with a fixed clock.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::screen::app_screen;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ctodash::app::App;
use ctodash::app::Msg;
use ctodash::app::change::UserChoice;
use ctodash::app::fixtures::sample_app;
use ctodash::app::state::Overlay;
use ctodash::app::update::update;
use ctodash::db::edit::{ChangeOutcome, Refusal, RefusalReason};
use ctodash::domain::BugStatus;
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn snap(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), app_screen(app, 80, 24));
}

fn keys(app: &mut App, keys: &[KeyCode]) {
    for k in keys {
        update(app, Msg::Key(KeyEvent::new(*k, KeyModifiers::NONE)));
    }
}

fn chars(text: &str) -> Vec<KeyCode> {
    text.chars().map(KeyCode::Char).collect()
}

fn with_users(mut app: App) -> App {
    app.users = Some(
        [
            "Grace Hopper",
            "Linus Torvalds",
            "Margaret Hamilton",
            "Ken Thompson",
        ]
        .iter()
        .enumerate()
        .map(|(i, n)| UserChoice {
            id: Uuid::from_u128(0x5000 + i as u128),
            email: format!("{}@acme.test", n.split(' ').next().unwrap().to_lowercase()),
            name: n.to_string(),
        })
        .collect(),
    );
    app
}

fn marked(n: usize) -> App {
    let mut app = with_users(sample_app(now()));
    for _ in 0..n {
        keys(&mut app, &[KeyCode::Char(' ')]);
    }
    app
}

#[test]
fn field_editing_popups() {
    let mut app = marked(0);
    keys(&mut app, &[KeyCode::Char('e')]);
    snap("field_chooser", &app);
    keys(&mut app, &[KeyCode::Char('a')]);
    keys(&mut app, &chars("h"));
    snap("pick_assignee", &app);

    let mut app = marked(0);
    keys(&mut app, &chars("et"));
    keys(&mut app, &[KeyCode::End]);
    keys(&mut app, &chars(" (iOS)"));
    snap("input_title", &app);

    let mut app = marked(0);
    keys(&mut app, &chars("eh"));
    keys(&mut app, &chars("x"));
    keys(&mut app, &[KeyCode::Enter]);
    snap("input_hours_error", &app);
}

#[test]
fn bulk_popups() {
    let mut app = marked(3);
    keys(&mut app, &[KeyCode::Char('s')]);
    snap("bulk_status", &app);

    let mut app = marked(3);
    app.overlay = None;
    snap("marked_table", &app);

    let mut app = sample_app(now());
    keys(&mut app, &[KeyCode::Char('*')]);
    snap("mark_all", &app);

    let mut app = marked(3);
    keys(&mut app, &chars("sveri"));
    keys(&mut app, &[KeyCode::Enter]);
    let request = app.in_flight.clone().unwrap();
    let rows = app.marks.rows();
    let mut theirs = rows[0].clone();
    theirs.version += 2;
    theirs.status = BugStatus::Verified;
    let refusals = vec![
        Refusal {
            id: rows[0].id,
            bug: rows[0].number.clone(),
            reason: RefusalReason::Conflict {
                mine: Box::new(rows[0].clone()),
                theirs: Box::new(theirs),
                changes: vec!["status: in_progress → verified by Grace Hopper 2m ago".into()],
            },
        },
        Refusal {
            id: rows[2].id,
            bug: rows[2].number.clone(),
            reason: RefusalReason::Gone,
        },
    ];
    update(
        &mut app,
        Msg::Applied {
            request: request.id,
            outcome: ChangeOutcome::Refused(refusals),
        },
    );
    snap("refused", &app);
}

#[test]
fn create_comment_and_undo_popups() {
    let mut app = with_users(sample_app(now()));
    keys(&mut app, &[KeyCode::Char('n')]);
    keys(&mut app, &chars("Refund button missing on iPad"));
    keys(&mut app, &[KeyCode::Tab]);
    keys(&mut app, &chars("cr"));
    keys(&mut app, &[KeyCode::Tab, KeyCode::Tab]);
    keys(&mut app, &chars("gr"));
    snap("create_form", &app);

    let mut app = sample_app(now());
    keys(&mut app, &[KeyCode::Char('c')]);
    keys(&mut app, &chars("Seen again on iPad."));
    keys(&mut app, &[KeyCode::Enter]);
    keys(&mut app, &chars("Steps: open the cart"));
    snap("comment", &app);

    let mut app = sample_app(now());
    app.overlay = Some(Overlay::UndoConfirm {
        label: "severity → critical on 3 bugs".into(),
    });
    snap("undo_confirm", &app);
}
