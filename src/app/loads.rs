//! Asking for reads and applying their results. Every load takes a ticket
//! (see `tickets`) and a result is applied only while its ticket is the newest
//! of its part, so reads finishing out of order never put older data on
//! screen over newer.

use super::msg::{Command, Loaded, Part};
use super::state::{App, Connection, Tone};
use super::table_nav;
use uuid::Uuid;

pub fn kpis(app: &mut App) -> Command {
    Command::LoadKpis {
        ticket: app.tickets.issue(Part::Kpis),
    }
}

pub fn portfolio(app: &mut App) -> Command {
    Command::LoadPortfolio {
        ticket: app.tickets.issue(Part::Portfolio),
    }
}

/// The detail of bug `id`, which must be (and stay) the selected one.
pub fn detail(app: &mut App, id: Uuid) -> Command {
    app.detail.loading = true;
    Command::LoadDetail {
        ticket: app.tickets.issue(Part::Detail),
        id,
    }
}

/// Reloads the detail of the bug the table has selected (not the one the pane
/// happens to show: while a detail settles they differ, and reloading the
/// shown one would put it back over the selection).
pub fn selected_detail(app: &mut App) -> Option<Command> {
    let id = app.table.selected_row().map(|r| r.id).or(app
        .detail
        .bug
        .as_ref()
        .map(|b| b.row.id))?;
    Some(detail(app, id))
}

/// Whether a detail of bug `id` belongs on screen now: it is the selected
/// bug, or — with nothing selected — the bug already shown being refreshed.
fn detail_wanted(app: &App, id: Uuid) -> bool {
    match app.table.selected_row() {
        Some(row) => row.id == id,
        None => app.detail.bug.as_ref().is_some_and(|b| b.row.id == id),
    }
}

/// Applies a result; returns follow-up loads.
pub fn on_loaded(app: &mut App, loaded: Loaded) -> Vec<Command> {
    app.connection = Connection::Up;
    // Data on screen: whatever was being prepared for it is done.
    if app
        .notice
        .as_ref()
        .is_some_and(|n| n.tone == Tone::Progress)
    {
        app.notice = None;
    }
    match loaded {
        Loaded::Kpis { ticket, kpis } => {
            if app.tickets.is_current(Part::Kpis, ticket) {
                app.kpis = Some(kpis);
                app.refreshed_at = Some(app.now);
                super::alerting::evaluate(app);
            }
            vec![]
        }
        Loaded::Page { generation, page } => {
            let f = &app.table.query.filter;
            let nothing_exact = page.rows.is_empty()
                && matches!(page.anchor, crate::query::PageAnchor::Top)
                && !f.search.trim().is_empty()
                && !f.fuzzy
                && app.tickets.is_current(Part::Page, generation);
            if nothing_exact {
                // No exact match: try again tolerating typos.
                app.table.query.filter.fuzzy = true;
                return table_nav::requery(app);
            }
            let mut cmds = table_nav::arrive(app, generation, page);
            let loads_detail = cmds.iter().any(|c| matches!(c, Command::LoadDetail { .. }));
            if !loads_detail
                && app.detail.bug.is_none()
                && let Some(id) = app.table.selected_row().map(|r| r.id)
            {
                cmds.push(detail(app, id));
            }
            cmds
        }
        Loaded::Count { ticket, count } => {
            if app.tickets.is_current(Part::Count, ticket) {
                let t = &mut app.table;
                t.total = Some(count);
                if !t.more_after && t.more_before {
                    t.window_start = count.n.saturating_sub(t.rows.len() as u64);
                }
            }
            vec![]
        }
        Loaded::Detail { ticket, detail } => {
            if !app.tickets.is_current(Part::Detail, ticket) {
                return vec![];
            }
            app.detail.loading = false;
            if !detail_wanted(app, detail.row.id) {
                return vec![];
            }
            if app
                .detail
                .bug
                .as_ref()
                .is_none_or(|b| b.row.id != detail.row.id)
            {
                app.detail.scroll = 0;
            }
            app.marks.refresh([&detail.row]);
            // Keep the table row in step with the fresher detail.
            if let Some(row) = app.table.rows.iter_mut().find(|r| r.id == detail.row.id) {
                *row = detail.row.clone();
            }
            app.detail.bug = Some(*detail);
            vec![]
        }
        Loaded::Users { ticket, users } => {
            super::field_edit::on_users(app, ticket, users);
            vec![]
        }
        Loaded::Marks { ticket, rows } => super::marks::on_marks_loaded(app, ticket, rows),
        Loaded::ViewCounts { ticket, counts } => super::view_tabs::on_counts(app, ticket, counts),
        Loaded::Portfolio { ticket, rows } => {
            if app.tickets.is_current(Part::Portfolio, ticket) {
                app.portfolio.selected = app.portfolio.selected.min(rows.len().saturating_sub(1));
                app.portfolio.rows = rows;
            }
            vec![]
        }
    }
}
