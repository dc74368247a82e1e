//! Undo: this session's changes, newest last. `u` (after `y`) reverts the
//! newest as a new audited change (`db::edit::revert`), checked against the
//! version each bug had right after my change: if anyone else changed it
//! since, the refusal dialog shows who changed what and the user decides.

use super::applying::{refuse_read_only, submit};
use super::change::{ChangeRequest, Purpose, subject};
use super::model::BugRow;
use super::msg::Command;
use super::state::{App, Overlay, Tone};
use super::update::notify;
use crate::db::edit::{Applied, BugEdit, FieldChange};
use std::collections::HashMap;
use uuid::Uuid;

/// The session keeps this many changes to undo; older ones fall off.
pub const UNDO_DEPTH: usize = 100;

/// One change of mine, as what reverts it: each bug as my change left it,
/// with the old values of the fields it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct UndoEntry {
    pub label: String,
    pub edits: Vec<BugEdit>,
}

/// Keeps the undo list in step with a change just written: entries holding a
/// bug at the version this change started from now hold it at the new one (a
/// later change of mine is not someone else's), then the change itself is
/// pushed (an edit) or its entry removed (an undo).
pub fn record(app: &mut App, request: &ChangeRequest, applied: Applied) {
    let started: HashMap<Uuid, i64> = request
        .edits
        .iter()
        .map(|e| (e.seen.id, e.seen.version))
        .collect();
    let moved: Vec<(i64, &BugRow)> = applied
        .bugs
        .iter()
        .filter_map(|b| started.get(&b.after.id).map(|v| (*v, &b.after)))
        .collect();
    rebase(app, &moved);
    match request.purpose {
        // Bugs that already had the values were not written: nothing to undo.
        Purpose::Edit if !applied.undo.is_empty() => push(
            app,
            UndoEntry {
                label: request.label.clone(),
                edits: applied.undo.edits,
            },
        ),
        Purpose::Edit => {}
        Purpose::Undo => drop_newest(app),
    }
}

/// A status change saved by the single-bug status dialog.
pub fn record_status(app: &mut App, before: &BugRow, after: &BugRow) {
    rebase(app, &[(before.version, after)]);
    push(
        app,
        UndoEntry {
            label: format!("status → {}", after.status),
            edits: vec![BugEdit::new(
                after.clone(),
                vec![FieldChange::Status(before.status)],
            )],
        },
    );
}

fn rebase(app: &mut App, moved: &[(i64, &BugRow)]) {
    for entry in &mut app.undo {
        for edit in &mut entry.edits {
            if let Some((_, after)) = moved
                .iter()
                .find(|(from, row)| row.id == edit.seen.id && *from == edit.seen.version)
            {
                edit.seen = (*after).clone();
            }
        }
    }
}

fn push(app: &mut App, entry: UndoEntry) {
    app.undo.push(entry);
    if app.undo.len() > UNDO_DEPTH {
        app.undo.remove(0);
    }
}

pub fn drop_newest(app: &mut App) {
    app.undo.pop();
}

/// `u`: asks before reverting the newest change.
pub fn start(app: &mut App) -> Vec<Command> {
    if refuse_read_only(app) {
        return vec![];
    }
    let Some(entry) = app.undo.last() else {
        notify(
            app,
            Tone::Info,
            "nothing to undo: no changes made in this session",
        );
        return vec![];
    };
    let label = format!("{} on {}", entry.label, subject(&entry.edits));
    app.overlay = Some(Overlay::UndoConfirm { label });
    vec![]
}

/// `y`: sends the revert of the newest change.
pub fn confirm(app: &mut App) -> Vec<Command> {
    let Some(entry) = app.undo.last().cloned() else {
        app.overlay = None;
        return vec![];
    };
    submit(app, entry.edits, Purpose::Undo, entry.label)
}
