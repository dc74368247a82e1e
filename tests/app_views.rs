//! Saved views and remapped keys in the state machine: switching views by
//! number and with [ ], the Mine view with and without a user, the counts
//! on the tabs, and a `[keys]` remap changing what a key does.

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ctodash::app::keymap::{Action, Key};
use ctodash::app::keys::Keymap;
use ctodash::app::model::{Count, Me};
use ctodash::app::state::{Identity, Pane, ReadOnlyReason, Tone, ViewTabs};
use ctodash::app::update::update;
use ctodash::app::{App, Command, Loaded, Msg, Part};
use ctodash::domain::Severity;
use ctodash::query::{BugFilter, BugQuery, Sort, SortKey, StatusFilter};
use ctodash::views::{self, View};
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn me() -> Identity {
    Identity::User(Me {
        id: Uuid::from_u128(1),
        email: "cto@example.com".into(),
        name: "Ada Lovelace".into(),
    })
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn breached_critical() -> View {
    View {
        name: "Breached critical".into(),
        query: BugQuery {
            filter: BugFilter {
                severities: vec![Severity::Critical, Severity::High],
                sla_breached_only: true,
                ..Default::default()
            },
            sort: Sort {
                key: SortKey::Age,
                reversed: true,
            },
        },
        mine: false,
    }
}

fn app(identity: Identity) -> App {
    let mut app = App::new(now(), identity, "test".into());
    app.views = ViewTabs::new(views::all(&[breached_critical()]));
    app
}

/// The query of the page load among `cmds`.
fn page_query(cmds: &[Command]) -> Option<&BugQuery> {
    cmds.iter().find_map(|c| match c {
        Command::LoadPage { query, .. } => Some(query),
        _ => None,
    })
}

#[test]
fn number_keys_switch_views_and_reload_the_table() {
    let mut app = app(me());
    assert_eq!(app.current_view(), Some(0), "the dashboard starts on Open");

    let cmds = update(&mut app, key('3'));
    let q = page_query(&cmds).expect("a new page for the Breached view");
    assert!(q.filter.sla_breached_only);
    assert_eq!(q.filter.status, StatusFilter::Open);
    assert!(cmds.iter().any(|c| matches!(c, Command::LoadCount { .. })));
    assert_eq!(app.current_view(), Some(2));

    let cmds = update(&mut app, key('5'));
    let q = page_query(&cmds).expect("the configured view");
    assert_eq!(
        q.filter.severities,
        vec![Severity::Critical, Severity::High]
    );
    assert_eq!(q.sort.key, SortKey::Age);
    assert!(q.sort.reversed, "sort = \"-age\" is kept");
    assert_eq!(app.current_view(), Some(4));

    // The view already shown: nothing to reload.
    assert!(update(&mut app, key('5')).is_empty());
}

#[test]
fn mine_filters_by_the_signed_in_user_and_explains_itself_without_one() {
    let mut app = app(me());
    let cmds = update(&mut app, key('2'));
    assert_eq!(
        page_query(&cmds).unwrap().filter.assignee.as_deref(),
        Some("cto@example.com")
    );
    assert_eq!(app.current_view(), Some(1));

    let mut app = app_without_user();
    let before = app.table.query.clone();
    let cmds = update(&mut app, key('2'));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(app.table.query, before, "the table stays as it was");
    let notice = app.notice.expect("a notice says why");
    assert_eq!(notice.tone, Tone::Error);
    assert!(notice.text.contains("--user EMAIL"), "{}", notice.text);
}

fn app_without_user() -> App {
    app(Identity::ReadOnly(ReadOnlyReason::NoUser))
}

#[test]
fn a_number_with_no_view_says_how_to_add_one() {
    let mut app = app(me());
    assert!(update(&mut app, key('9')).is_empty());
    let text = app.notice.clone().expect("a notice").text;
    assert!(
        text.contains("no view 9") && text.contains("[[views]]"),
        "{text}"
    );
    assert_eq!(app.current_view(), Some(0));
}

#[test]
fn brackets_step_through_views_and_wrap() {
    let mut app = app(me());
    update(&mut app, key(']'));
    assert_eq!(app.current_view(), Some(1), "Mine");
    update(&mut app, key('['));
    update(&mut app, key('['));
    assert_eq!(app.current_view(), Some(4), "wrapped to the last view");
    // After a hand-made filter no tab matches; ] steps from the last view.
    update(&mut app, key('x'));
    app.table.query.filter.project = Some("Checkout".into());
    assert_eq!(app.current_view(), None);
    update(&mut app, key(']'));
    assert_eq!(app.current_view(), Some(0));
}

#[test]
fn switching_a_view_from_another_pane_shows_the_table() {
    let mut app = app(me());
    app.focus = Pane::Portfolio;
    update(&mut app, key('4'));
    assert_eq!(app.focus, Pane::Bugs);
    assert!(app.table.query.filter.blocker_only);
}

#[test]
fn a_full_refresh_counts_every_view_and_the_counts_land_on_the_tabs() {
    let mut app = app(me());
    let cmds = update(&mut app, Msg::RefreshDue);
    let (ticket, queries) = cmds
        .iter()
        .find_map(|c| match c {
            Command::LoadViewCounts { ticket, queries } => Some((*ticket, queries.clone())),
            _ => None,
        })
        .expect("view counts are loaded with everything else");
    assert_eq!(queries.len(), 5);
    assert_eq!(
        queries[1].as_ref().unwrap().filter.assignee.as_deref(),
        Some("cto@example.com")
    );
    let count = |n| {
        Some(Count {
            n,
            estimated: n > 100_000,
        })
    };
    let counts = vec![count(1_000_000), count(12), count(14), count(9), count(3)];
    // An older answer is dropped…
    update(
        &mut app,
        Msg::Loaded(Loaded::ViewCounts {
            ticket: ticket - 1,
            counts: counts.clone(),
        }),
    );
    assert!(app.views.counts.iter().all(Option::is_none));
    // …the current one shown.
    update(
        &mut app,
        Msg::Loaded(Loaded::ViewCounts {
            ticket,
            counts: counts.clone(),
        }),
    );
    assert_eq!(app.views.counts, counts);

    // Without a user, Mine is not counted at all.
    let mut app = app_without_user();
    let cmds = update(&mut app, Msg::RefreshDue);
    let queries = cmds
        .iter()
        .find_map(|c| match c {
            Command::LoadViewCounts { queries, .. } => Some(queries.clone()),
            _ => None,
        })
        .unwrap();
    assert!(queries[1].is_none());
    assert!(queries[0].is_some());
    assert!(
        cmds.iter()
            .any(|c| c.ticket().is_some_and(|(p, _)| p == Part::ViewCounts))
    );
}

#[test]
fn a_remapped_key_replaces_the_default() {
    let mut app = app(me());
    app.keys = Keymap::with_remaps(&[
        (Action::Quit, vec![Key::Char('Q')]),
        (Action::View(2), vec![Key::Char('w')]),
    ])
    .unwrap();
    update(&mut app, key('q'));
    assert!(!app.should_quit, "q no longer quits");
    let cmds = update(&mut app, key('w'));
    assert!(page_query(&cmds).is_some(), "w switches to Mine");
    assert_eq!(app.current_view(), Some(1));
    assert!(update(&mut app, key('2')).is_empty(), "2 is unbound now");
    update(&mut app, key('Q'));
    assert!(app.should_quit);
}
