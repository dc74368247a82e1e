//! Moving through the bug table. The table holds a window of rows around the
//! selection; scrolling near its edge asks for the next page (keyset, never
//! OFFSET), jumps (`g`, `G`, a new query) replace the window.

use super::loads;
use super::msg::{Command, Page, Part};
use super::state::{App, PageIntent, TableState};
use crate::query::PageAnchor;

/// Rows fetched per page.
pub const PAGE: usize = 100;
/// Keep at most this many rows in memory, whatever the table size.
pub const MAX_WINDOW: usize = 400;
/// Fetch the next page when the selection is this close to the window's edge.
const MARGIN: usize = 30;

fn cursor(t: &TableState, index: usize) -> Option<crate::query::Cursor> {
    t.rows
        .get(index)
        .map(|r| crate::db::bugs::cursor_of(r, t.query.sort.key))
}

/// Starts a load that replaces the window.
pub fn load_window(app: &mut App, anchor: PageAnchor, intent: PageIntent) -> Command {
    let generation = app.tickets.issue(Part::Page);
    let t = &mut app.table;
    t.loading = true;
    t.pending = Some(intent.clone());
    let limit = match intent {
        PageIntent::Keep => t.rows.len().clamp(PAGE, MAX_WINDOW),
        _ => PAGE,
    };
    Command::LoadPage {
        generation,
        query: t.query.clone(),
        anchor,
        limit,
    }
}

/// A new query: back to the top, recount.
pub fn requery(app: &mut App) -> Vec<Command> {
    app.table.total = None;
    let page = load_window(app, PageAnchor::Top, PageIntent::First);
    vec![page, load_count(app)]
}

/// A count of the current query; it replaces the total shown only if no newer
/// count was asked for meanwhile.
fn load_count(app: &mut App) -> Command {
    Command::LoadCount {
        ticket: app.tickets.issue(Part::Count),
        query: app.table.query.clone(),
    }
}

/// Reloads the current window in place (periodic refresh, after an edit).
pub fn reload(app: &mut App) -> Vec<Command> {
    // A load that selects a just-created bug is newer than whatever change
    // asks for this reload (its own NOTIFY, typically): let it land.
    if app.table.loading && matches!(app.table.pending, Some(PageIntent::Select(..))) {
        return vec![load_count(app)];
    }
    let anchor = match (&app.table.anchor, cursor(&app.table, 0)) {
        (Some(PageAnchor::Top) | None, _) | (_, None) => PageAnchor::Top,
        (_, Some(c)) => PageAnchor::From(c),
    };
    let page = load_window(app, anchor, PageIntent::Keep);
    vec![page, load_count(app)]
}

/// Moves the selection by `delta` rows (clamped to what is loaded) and fetches
/// more when close to an edge.
pub fn move_by(app: &mut App, delta: isize) -> Vec<Command> {
    let t = &mut app.table;
    if t.rows.is_empty() {
        return vec![];
    }
    let target = (t.selected as isize + delta).clamp(0, t.rows.len() as isize - 1) as usize;
    t.selected = target;
    prefetch(app)
}

pub fn top(app: &mut App) -> Vec<Command> {
    if !app.table.more_before {
        app.table.selected = 0;
        return vec![];
    }
    vec![load_window(app, PageAnchor::Top, PageIntent::First)]
}

pub fn bottom(app: &mut App) -> Vec<Command> {
    if !app.table.more_after {
        app.table.selected = app.table.rows.len().saturating_sub(1);
        return vec![];
    }
    vec![load_window(app, PageAnchor::Bottom, PageIntent::Last)]
}

fn prefetch(app: &mut App) -> Vec<Command> {
    // Extending the window keeps its generation: it is still the same window.
    let generation = app.tickets.newest(Part::Page);
    let t = &mut app.table;
    if t.loading {
        return vec![];
    }
    let (anchor, intent) = if t.more_after && t.selected + MARGIN >= t.rows.len() {
        match cursor(t, t.rows.len() - 1) {
            Some(c) => (PageAnchor::After(c), PageIntent::Append),
            None => return vec![],
        }
    } else if t.more_before && t.selected < MARGIN {
        match cursor(t, 0) {
            Some(c) => (PageAnchor::Before(c), PageIntent::Prepend),
            None => return vec![],
        }
    } else {
        return vec![];
    };
    t.loading = true;
    t.pending = Some(intent);
    vec![Command::LoadPage {
        generation,
        query: t.query.clone(),
        anchor,
        limit: PAGE,
    }]
}

/// Applies an arriving page; returns follow-up loads (e.g. the detail of a newly
/// selected bug). Pages nobody is waiting for are ignored: those of superseded
/// generations, and extensions of a window that has changed since they were
/// asked for (e.g. the connection dropped meanwhile).
pub fn arrive(app: &mut App, generation: u64, page: Page) -> Vec<Command> {
    if !app.tickets.is_current(Part::Page, generation) {
        return vec![];
    }
    let t = &mut app.table;
    let Some(intent) = t.pending.clone() else {
        return vec![];
    };
    // An extension answers for the edge it was asked at; if the window has
    // changed since, that edge is gone and the rows must not be glued on.
    let edge = match intent {
        PageIntent::Append => Some(
            t.rows
                .len()
                .checked_sub(1)
                .and_then(|i| cursor(t, i))
                .map(PageAnchor::After),
        ),
        PageIntent::Prepend => Some(cursor(t, 0).map(PageAnchor::Before)),
        _ => None,
    };
    if edge.is_some_and(|edge| edge.as_ref() != Some(&page.anchor)) {
        return vec![];
    }
    let before = t.selected_row().map(|r| r.id);
    let before_index = t.selected;
    let mut missing = None;
    t.loading = false;
    t.pending = None;
    match intent {
        PageIntent::Append => {
            t.more_after = page.more_after;
            t.rows.extend(page.rows);
            let excess = t.rows.len().saturating_sub(MAX_WINDOW);
            if excess > 0 {
                t.rows.drain(..excess);
                t.window_start += excess as u64;
                t.selected = t.selected.saturating_sub(excess);
                t.more_before = true;
                t.anchor = cursor(t, 0).map(PageAnchor::From);
            }
        }
        PageIntent::Prepend => {
            let added = page.rows.len();
            t.more_before = page.more_before;
            let mut rows = page.rows;
            rows.append(&mut t.rows);
            t.rows = rows;
            t.window_start = t.window_start.saturating_sub(added as u64);
            t.selected += added;
            t.rows.truncate(MAX_WINDOW);
            if t.rows.len() == MAX_WINDOW {
                t.more_after = true;
            }
            t.anchor = if t.more_before {
                cursor(t, 0).map(PageAnchor::From)
            } else {
                Some(PageAnchor::Top)
            };
        }
        intent => {
            t.more_before = page.more_before;
            t.more_after = page.more_after;
            t.rows = page.rows;
            t.anchor = Some(
                if matches!(page.anchor, PageAnchor::Top) || !t.more_before {
                    PageAnchor::Top
                } else {
                    page.anchor.clone()
                },
            );
            match intent {
                PageIntent::Last => {
                    t.selected = t.rows.len().saturating_sub(1);
                    t.window_start = t
                        .total
                        .map_or(0, |c| c.n.saturating_sub(t.rows.len() as u64));
                    t.anchor = cursor(t, 0).map(PageAnchor::From);
                }
                PageIntent::Keep => {
                    t.selected = before
                        .and_then(|id| t.rows.iter().position(|r| r.id == id))
                        .unwrap_or(before_index)
                        .min(t.rows.len().saturating_sub(1));
                    if !t.more_before {
                        t.window_start = 0;
                    }
                }
                PageIntent::Select(id, number) => {
                    let found = t.rows.iter().position(|r| r.id == id);
                    t.selected = found.unwrap_or(0);
                    if !t.more_before {
                        t.window_start = 0;
                    }
                    if found.is_none() {
                        missing = Some(number);
                    }
                }
                _ => {
                    t.selected = 0;
                    t.window_start = 0;
                }
            }
        }
    }
    app.marks.refresh(&app.table.rows);
    if let Some(number) = missing {
        let text =
            format!("{number} created; the current filter does not show it (x clears filters)");
        super::update::notify(app, super::state::Tone::Info, text);
    }
    let mut cmds = vec![];
    let after = app.table.selected_row().map(|r| r.id);
    if after != before {
        cmds.extend(after.map(|id| loads::detail(app, id)));
    }
    cmds
}
