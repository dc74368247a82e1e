//! Bad input, at scale: arbitrary Unicode typed into the search box and the
//! filter menu's text fields, through the app's `update` and the renderer,
//! and arbitrary filter text through the real SQL, where `%`, `_` and `\`
//! must match themselves (ILIKE escaping) and nothing may be an error.
//!
//! `PROPTEST_CASES` raises the case counts for a longer campaign.

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ctodash::app::fixtures::sample_app;
use ctodash::app::msg::{Command, Msg};
use ctodash::app::state::Overlay;
use ctodash::app::update::update;
use ctodash::db::bugs::{like_escape, page};
use ctodash::db::testing::TestDb;
use ctodash::query::{BugFilter, BugQuery, PageAnchor, StatusFilter};
use ctodash::text_safety::is_unsafe;
use ctodash::ui::{Theme, render_with};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::BTreeSet;
use uuid::Uuid;

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn key() -> impl Strategy<Value = KeyEvent> {
    let code = prop_oneof![
        6 => any::<char>().prop_map(KeyCode::Char),
        2 => "[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{202e}%_\\\\]".prop_map(|s| KeyCode::Char(s.chars().next().unwrap())),
        2 => prop::sample::select(vec!['/', 'f', 'x', 'j', 'k', 'a', 'o', 'O', 'l', ' ']).prop_map(KeyCode::Char),
        3 => prop::sample::select(vec![
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Backspace,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Right,
        ]),
    ];
    let modifiers = prop_oneof![
        8 => Just(KeyModifiers::NONE),
        1 => Just(KeyModifiers::SHIFT),
        1 => Just(KeyModifiers::ALT),
    ];
    (code, modifiers).prop_map(|(c, m)| KeyEvent::new(c, m))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), failure_persistence: None, ..ProptestConfig::default() })]

    /// Any key sequence, in any overlay: no panic, no control character in
    /// what was typed, every requery carries the app's query, and every frame
    /// is terminal-safe.
    #[test]
    fn typing_anything_into_search_and_filters_is_safe(keys in prop::collection::vec(key(), 0..40)) {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let mut app = sample_app(now);
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        // Start in the search box half the time, else in the filter menu's
        // project field (f, down, down, Enter).
        let open: Vec<KeyEvent> = if keys.len() % 2 == 0 {
            vec![KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE)]
        } else {
            [KeyCode::Char('f'), KeyCode::Down, KeyCode::Down, KeyCode::Enter]
                .into_iter()
                .map(|c| KeyEvent::new(c, KeyModifiers::NONE))
                .collect()
        };
        for k in open.into_iter().chain(keys) {
            if app.should_quit {
                break;
            }
            let commands = update(&mut app, Msg::Key(k));
            let f = &app.table.query.filter;
            for text in [Some(&f.search), f.project.as_ref(), f.assignee.as_ref()].into_iter().flatten() {
                prop_assert!(!text.chars().any(char::is_control), "{:?}", text);
            }
            match &app.overlay {
                Some(Overlay::Search { input, .. }) => {
                    prop_assert!(!input.chars().any(char::is_control), "{:?}", input);
                }
                Some(Overlay::Filter(menu)) => {
                    if let Some(text) = &menu.editing {
                        prop_assert!(!text.chars().any(char::is_control), "{:?}", text);
                    }
                }
                _ => {}
            }
            for c in &commands {
                if let Command::LoadPage { query, .. } | Command::LoadCount { query, .. } = c {
                    prop_assert_eq!(query, &app.table.query);
                }
            }
            terminal.draw(|frame| render_with(frame, &app, &Theme::colour())).unwrap();
            let screen: String = terminal.backend().buffer().content().iter().map(|c| c.symbol()).collect();
            prop_assert!(!screen.chars().any(is_unsafe), "unsafe frame:\n{}", screen);
        }
    }

    /// `like_escape` makes every `%`, `_` and `\` literal and loses nothing.
    #[test]
    fn like_escape_is_lossless(s in "[%_\\\\a-zé日]{0,12}|\\PC{0,12}") {
        let escaped = like_escape(&s);
        let mut unescaped = String::new();
        let mut chars = escaped.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => unescaped.push(chars.next().expect("an escape is followed by a character")),
                '%' | '_' => prop_assert!(false, "unescaped wildcard in {:?}", escaped),
                c => unescaped.push(c),
            }
        }
        prop_assert_eq!(unescaped, s);
    }
}

/// Texts made of LIKE's special characters, letters that fold (é/É, ß, İ)
/// and wide characters, so that escaping and case folding both matter.
fn tricky_text() -> impl Strategy<Value = String> {
    "[%_\\\\aAbé É ßİi日]{0,8}"
}

/// Arbitrary titles and descriptions, searched with arbitrary text: the
/// page holds exactly the bugs whose title or description contains the text
/// (case-insensitively, as PostgreSQL's `lower` folds it), and a project or
/// assignee filter of any text is an empty result at worst, never an error.
#[test]
fn searching_any_text_finds_exactly_the_bugs_containing_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(async {
        let db = TestDb::new().await;
        let opts = ctodash::seed::SeedOptions {
            bugs: 24,
            projects: Some(2),
            users: Some(2),
            seed: 3,
            reset: false,
        };
        ctodash::seed::run(&db.pool, &opts).await.unwrap();
        db
    });
    let strategy = (
        prop::collection::vec((tricky_text(), prop::option::of(tricky_text())), 24),
        prop_oneof![
            3 => tricky_text(),
            1 => any::<String>(),
            1 => "[a\\x00%]{1,3}",
            1 => (any::<prop::sample::Index>(), 0usize..4).prop_map(|(i, n)| format!("@{}:{n}", i.index(24))),
        ],
        prop_oneof![3 => Just(None), 1 => any::<String>().prop_map(Some), 1 => Just(Some("a\0b".to_string()))],
    );
    let mut runner = TestRunner::new(Config {
        cases: cases(24),
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |(texts, search, other)| {
        rt.block_on(async {
            let mut conn = db.pool.acquire().await.unwrap();
            let ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM bugs ORDER BY id")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
            for (id, (title, description)) in ids.iter().zip(&texts) {
                // Titles must not be blank (a schema check).
                sqlx::query("UPDATE bugs SET title = $1, description = $2 WHERE id = $3")
                    .bind(format!("t{title}"))
                    .bind(description)
                    .bind(id)
                    .execute(&mut *conn)
                    .await
                    .unwrap();
            }
            // "@i:n": the first n+1 characters of bug i's title, a sure hit.
            let search = match search.strip_prefix('@').and_then(|s| s.split_once(':')) {
                Some((i, n)) => {
                    let title = format!("t{}", texts[i.parse::<usize>().unwrap()].0);
                    title
                        .chars()
                        .take(n.parse::<usize>().unwrap() + 1)
                        .collect()
                }
                None => search,
            };
            let query = BugQuery {
                filter: BugFilter {
                    status: StatusFilter::All,
                    search: search.clone(),
                    project: other.clone(),
                    ..BugFilter::default()
                },
                ..BugQuery::default()
            };
            let found = page(&mut conn, &query, &PageAnchor::Top, 1000, Utc::now())
                .await
                .map_err(|e| TestCaseError::fail(format!("search {search:?}: {e}")))?;
            let found: BTreeSet<Uuid> = found.rows.iter().map(|r| r.id).collect();
            let needle = search.trim();
            // A blank project filter is no filter; no project has an arbitrary name.
            let project_filter = other.as_deref().is_some_and(|p| !p.trim().is_empty());
            let expected: BTreeSet<Uuid> = if project_filter || needle.contains('\0') {
                BTreeSet::new()
            } else {
                sqlx::query_scalar(
                    "SELECT id FROM bugs WHERE $1 = '' \
                     OR strpos(lower(title), lower($1)) > 0 \
                     OR strpos(lower(coalesce(description, '')), lower($1)) > 0",
                )
                .bind(needle)
                .fetch_all(&mut *conn)
                .await
                .unwrap()
                .into_iter()
                .collect()
            };
            prop_assert_eq!(found, expected, "search {:?}", search);

            let by_assignee = BugQuery {
                filter: BugFilter {
                    status: StatusFilter::All,
                    assignee: Some(search.clone()),
                    ..BugFilter::default()
                },
                ..BugQuery::default()
            };
            page(&mut conn, &by_assignee, &PageAnchor::Top, 10, Utc::now())
                .await
                .map_err(|e| TestCaseError::fail(format!("assignee {search:?}: {e}")))?;
            ctodash::db::bugs::count(&mut conn, &query, Utc::now())
                .await
                .map_err(|e| TestCaseError::fail(format!("count {search:?}: {e}")))?;
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
