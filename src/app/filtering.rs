//! The live `/` search box and the `f` filter menu. Both apply as you type.

use super::msg::Command;
use super::state::{App, FilterMenu, Overlay};
use super::table_nav;
use crate::domain::{BugStatus, Severity};
use crate::query::StatusFilter;
use crossterm::event::{KeyCode, KeyEvent};

pub fn on_search_key(
    app: &mut App,
    key: KeyEvent,
    mut input: String,
    previous: String,
) -> Vec<Command> {
    match key.code {
        KeyCode::Enter => {
            app.overlay = None;
            vec![]
        }
        KeyCode::Esc => {
            app.overlay = None;
            set_search(app, previous)
        }
        KeyCode::Backspace => {
            input.pop();
            app.overlay = Some(Overlay::Search {
                input: input.clone(),
                previous,
            });
            set_search(app, input)
        }
        KeyCode::Char(c) if !c.is_control() => {
            input.push(c);
            app.overlay = Some(Overlay::Search {
                input: input.clone(),
                previous,
            });
            set_search(app, input)
        }
        _ => vec![],
    }
}

fn set_search(app: &mut App, text: String) -> Vec<Command> {
    if app.table.query.filter.search == text {
        return vec![];
    }
    app.table.query.filter.search = text;
    app.table.query.filter.fuzzy = false;
    table_nav::requery(app)
}

/// The menu's lines, in order.
pub const FILTER_LINES: [&str; 6] = [
    "severity",
    "status",
    "project",
    "assignee",
    "blockers only",
    "SLA breached only",
];

const SEVERITY_CYCLE: [&[Severity]; 6] = [
    &[],
    &[Severity::Critical],
    &[Severity::High],
    &[Severity::Medium],
    &[Severity::Low],
    &[Severity::Critical, Severity::High],
];

pub fn on_filter_key(app: &mut App, key: KeyEvent, mut menu: FilterMenu) -> Vec<Command> {
    if let Some(mut text) = menu.editing.take() {
        return match key.code {
            KeyCode::Enter => {
                let value = Some(text.trim().to_string()).filter(|t| !t.is_empty());
                if menu.selected == 2 {
                    app.table.query.filter.project = value;
                } else {
                    app.table.query.filter.assignee = value;
                }
                app.overlay = Some(Overlay::Filter(menu));
                table_nav::requery(app)
            }
            KeyCode::Esc => {
                app.overlay = Some(Overlay::Filter(menu));
                vec![]
            }
            KeyCode::Backspace => {
                text.pop();
                menu.editing = Some(text);
                app.overlay = Some(Overlay::Filter(menu));
                vec![]
            }
            KeyCode::Char(c) if !c.is_control() => {
                text.push(c);
                menu.editing = Some(text);
                app.overlay = Some(Overlay::Filter(menu));
                vec![]
            }
            _ => {
                menu.editing = Some(text);
                app.overlay = Some(Overlay::Filter(menu));
                vec![]
            }
        };
    }
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('f') => {
            app.overlay = None;
            vec![]
        }
        KeyCode::Down | KeyCode::Char('j') => {
            menu.selected = (menu.selected + 1).min(FILTER_LINES.len() - 1);
            app.overlay = Some(Overlay::Filter(menu));
            vec![]
        }
        KeyCode::Up | KeyCode::Char('k') => {
            menu.selected = menu.selected.saturating_sub(1);
            app.overlay = Some(Overlay::Filter(menu));
            vec![]
        }
        KeyCode::Char('x') => {
            app.table.query.filter = Default::default();
            app.overlay = Some(Overlay::Filter(menu));
            table_nav::requery(app)
        }
        KeyCode::Enter | KeyCode::Char(' ') | KeyCode::Right | KeyCode::Char('l') => {
            let f = &mut app.table.query.filter;
            match menu.selected {
                0 => {
                    let i = SEVERITY_CYCLE
                        .iter()
                        .position(|s| *s == f.severities.as_slice())
                        .unwrap_or(0);
                    f.severities = SEVERITY_CYCLE[(i + 1) % SEVERITY_CYCLE.len()].to_vec();
                }
                1 => f.status = next_status(&f.status),
                2 => menu.editing = Some(f.project.clone().unwrap_or_default()),
                3 => menu.editing = Some(f.assignee.clone().unwrap_or_default()),
                4 => f.blocker_only = !f.blocker_only,
                _ => f.sla_breached_only = !f.sla_breached_only,
            }
            let editing = menu.editing.is_some();
            app.overlay = Some(Overlay::Filter(menu));
            if editing {
                vec![]
            } else {
                table_nav::requery(app)
            }
        }
        _ => vec![],
    }
}

/// open → all → each single status → open.
fn next_status(current: &StatusFilter) -> StatusFilter {
    match current {
        StatusFilter::Open => StatusFilter::All,
        StatusFilter::All => StatusFilter::Only(vec![BugStatus::ALL[0]]),
        StatusFilter::Only(v) => {
            let i = v
                .first()
                .and_then(|s| BugStatus::ALL.iter().position(|x| x == s))
                .unwrap_or(0);
            match BugStatus::ALL.get(i + 1) {
                Some(next) => StatusFilter::Only(vec![*next]),
                None => StatusFilter::Open,
            }
        }
    }
}

/// `m`: only the bugs assigned to me, or back to everyone's. It is the
/// assignee filter (shown in the title, cleared by `x`), set to my email.
pub fn toggle_mine(app: &mut App) -> Vec<Command> {
    let Some(me) = app.me().map(|m| m.email.clone()) else {
        let why = match &app.identity {
            super::state::Identity::ReadOnly(r) => r.explain(),
            super::state::Identity::User(_) => String::new(),
        };
        super::update::notify(
            app,
            super::state::Tone::Error,
            format!("\"assigned to me\" needs to know who you are — {why}"),
        );
        return vec![];
    };
    let f = &mut app.table.query.filter;
    let mine = f
        .assignee
        .as_deref()
        .is_some_and(|a| a.trim().eq_ignore_ascii_case(&me));
    f.assignee = if mine { None } else { Some(me) };
    let text = if mine {
        "showing everyone's bugs (m: only mine)"
    } else {
        "showing bugs assigned to me (m: everyone's)"
    };
    super::update::notify(app, super::state::Tone::Info, text);
    table_nav::requery(app)
}
