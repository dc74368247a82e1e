//! Marking bugs to act on many at once. Marks are kept by bug id with the row
//! as last seen, so they survive scrolling (the window drops rows) and
//! refreshes (rows are replaced), and a bulk change still knows each bug's
//! version even when it is far off screen.

use super::model::BugRow;
use super::msg::{Command, Part};
use super::state::{App, Overlay, Pane, Tone};
use super::update::notify;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The most bugs one `*` marks: a bulk change of more is one long transaction
/// holding many row locks, which is a job for the CLI, not a key press.
pub const MARK_ALL_CAP: u64 = 1000;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Marks {
    rows: BTreeMap<Uuid, BugRow>,
}

impl Marks {
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn contains(&self, id: Uuid) -> bool {
        self.rows.contains_key(&id)
    }

    /// The marked rows, in bug-number order.
    pub fn rows(&self) -> Vec<BugRow> {
        let mut rows: Vec<BugRow> = self.rows.values().cloned().collect();
        rows.sort_by(|a, b| (a.number.len(), &a.number).cmp(&(b.number.len(), &b.number)));
        rows
    }

    /// Marks `row`, or unmarks it if it was marked; true when now marked.
    pub fn toggle(&mut self, row: &BugRow) -> bool {
        if self.rows.remove(&row.id).is_some() {
            false
        } else {
            self.rows.insert(row.id, row.clone());
            true
        }
    }

    pub fn add(&mut self, rows: impl IntoIterator<Item = BugRow>) {
        for r in rows {
            self.rows.insert(r.id, r);
        }
    }

    pub fn clear(&mut self) {
        self.rows.clear();
    }

    /// Takes newer copies of marked rows (a page or a detail arrived).
    pub fn refresh<'a>(&mut self, seen: impl IntoIterator<Item = &'a BugRow>) {
        for r in seen {
            if let Some(kept) = self.rows.get_mut(&r.id)
                && r.version >= kept.version
            {
                *kept = r.clone();
            }
        }
    }
}

/// Space: marks or unmarks the selected bug and moves to the next row, so a
/// run of bugs is marked by holding Space.
pub fn toggle(app: &mut App) -> Vec<Command> {
    let row = match app.focus {
        Pane::Detail => app.detail.bug.as_ref().map(|d| d.row.clone()),
        _ => app.table.selected_row().cloned(),
    };
    let Some(row) = row else {
        notify(app, Tone::Info, "select a bug first");
        return vec![];
    };
    app.marks.toggle(&row);
    if app.focus == Pane::Bugs {
        return super::update::move_selection(app, 1);
    }
    vec![]
}

/// `*`: with marks, clears them; without, offers to mark the whole filter.
pub fn mark_all(app: &mut App) -> Vec<Command> {
    if !app.marks.is_empty() {
        let n = app.marks.len();
        app.marks.clear();
        notify(app, Tone::Info, format!("unmarked {n} bugs"));
        return vec![];
    }
    match app.table.total {
        None => notify(
            app,
            Tone::Info,
            "still counting the bugs of this filter: try again in a moment",
        ),
        Some(c) if c.n == 0 => notify(
            app,
            Tone::Info,
            "no bugs match this filter: nothing to mark",
        ),
        Some(c) => {
            app.overlay = Some(Overlay::MarkAll {
                count: c.n.min(MARK_ALL_CAP),
                capped: c.n > MARK_ALL_CAP || c.estimated,
            });
        }
    }
    vec![]
}

/// `y` in the confirmation: reads the filter's first bugs (in table order).
pub fn confirm_mark_all(app: &mut App, count: u64) -> Vec<Command> {
    app.overlay = None;
    notify(app, Tone::Info, format!("marking up to {count} bugs…"));
    vec![Command::LoadMarks {
        ticket: app.tickets.issue(Part::Marks),
        query: app.table.query.clone(),
        limit: count as usize,
    }]
}

pub fn on_marks_loaded(app: &mut App, ticket: u64, rows: Vec<BugRow>) -> Vec<Command> {
    if !app.tickets.is_current(Part::Marks, ticket) {
        return vec![];
    }
    let n = rows.len();
    app.marks.add(rows);
    notify(
        app,
        Tone::Success,
        format!("marked {n} bugs — s or e changes them all, * unmarks"),
    );
    vec![]
}
