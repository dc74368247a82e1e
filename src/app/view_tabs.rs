//! Switching between saved views (the tabs above the bug table) and keeping
//! their counts fresh.

use super::msg::{Command, Part};
use super::state::{App, Pane, Tone};
use super::table_nav;
use super::update::notify;
use crate::app::model::Count;

/// Shows view `index` (0-based): its query replaces the table's.
pub fn switch(app: &mut App, index: usize) -> Vec<Command> {
    let Some(view) = app.views.list.get(index) else {
        let n = app.views.list.len();
        notify(
            app,
            Tone::Info,
            format!(
                "there is no view {}: {n} are set up; add more as [[views]] in the config file \
                 (`ctodash config --default` shows how)",
                index + 1
            ),
        );
        return vec![];
    };
    let me = app.me().map(|m| m.email.clone());
    let Some(query) = view.query_for(me.as_deref()) else {
        let name = view.name.clone();
        notify(
            app,
            Tone::Error,
            format!(
                "the {name} view shows your bugs, and nobody is signed in: start ctodash with \
                 --user EMAIL (or set CTODASH_USER)"
            ),
        );
        return vec![];
    };
    app.views.last = index;
    app.focus = Pane::Bugs;
    if app.current_view() == Some(index) {
        return vec![];
    }
    app.table.query = query;
    table_nav::requery(app)
}

/// `]` / `[`: the next or previous tab, wrapping around.
pub fn step(app: &mut App, delta: isize) -> Vec<Command> {
    let n = app.views.list.len() as isize;
    if n == 0 {
        return vec![];
    }
    let from = app.current_view().unwrap_or(app.views.last) as isize;
    switch(app, (from + delta).rem_euclid(n) as usize)
}

/// Counts every tab's view: asked for with every full refresh, so they stay
/// as live as the table's own count.
pub fn load_counts(app: &mut App) -> Command {
    let me = app.me().map(|m| m.email.clone());
    let queries = app
        .views
        .list
        .iter()
        .map(|v| v.query_for(me.as_deref()))
        .collect();
    Command::LoadViewCounts {
        ticket: app.tickets.issue(Part::ViewCounts),
        queries,
    }
}

pub fn on_counts(app: &mut App, ticket: u64, counts: Vec<Option<Count>>) -> Vec<Command> {
    if app.tickets.is_current(Part::ViewCounts, ticket) && counts.len() == app.views.list.len() {
        app.views.counts = counts;
    }
    vec![]
}
