//! Undo: this session's changes, newest last. `u` (after `y`) writes the old
//! values back as a new audited change, checked against the version each bug
//! had right after my change: if anyone else changed it since, the refusal
//! dialog shows who changed what and the user decides.

use super::applying::{refuse_read_only, submit};
use super::change::{AppliedBug, BugEdit, ChangeRequest, FieldValue, Purpose};
use super::model::BugRow;
use super::msg::Command;
use super::state::{App, Overlay, Tone};
use super::update::notify;
use std::collections::HashMap;
use uuid::Uuid;

/// The session keeps this many changes to undo; older ones fall off.
pub const UNDO_DEPTH: usize = 100;

/// One change of mine, as the change that reverts it: each bug as it was
/// right after my change, with the values its fields had before.
#[derive(Debug, Clone, PartialEq)]
pub struct UndoEntry {
    pub label: String,
    pub edits: Vec<BugEdit>,
}

impl UndoEntry {
    fn subject(&self) -> String {
        match self.edits.as_slice() {
            [one] => one.bug.number.clone(),
            many => format!("{} bugs", many.len()),
        }
    }
}

/// Keeps the undo list in step with a change just written: entries holding a
/// bug at the version this change started from now hold it at the new one (a
/// later change of mine is not someone else's), then the change itself is
/// pushed (an edit) or its entry removed (an undo).
pub fn record(app: &mut App, request: &ChangeRequest, bugs: Vec<AppliedBug>) {
    let started: HashMap<Uuid, i64> = request
        .edits
        .iter()
        .map(|e| (e.bug.id, e.bug.version))
        .collect();
    let moved: Vec<(i64, &BugRow)> = bugs
        .iter()
        .filter_map(|b| started.get(&b.after.id).map(|v| (*v, &b.after)))
        .collect();
    rebase(app, &moved);
    match request.purpose {
        Purpose::Edit => push(
            app,
            UndoEntry {
                label: request.label.clone(),
                edits: bugs
                    .into_iter()
                    .map(|b| BugEdit {
                        bug: b.after,
                        fields: b.before,
                    })
                    .collect(),
            },
        ),
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
            edits: vec![BugEdit {
                bug: after.clone(),
                fields: vec![FieldValue::Status(before.status)],
            }],
        },
    );
}

fn rebase(app: &mut App, moved: &[(i64, &BugRow)]) {
    for entry in &mut app.undo {
        for edit in &mut entry.edits {
            if let Some((_, after)) = moved
                .iter()
                .find(|(from, row)| row.id == edit.bug.id && *from == edit.bug.version)
            {
                edit.bug = (*after).clone();
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
    let label = format!("{} on {}", entry.label, entry.subject());
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
