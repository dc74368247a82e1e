//! Sending one audited change (single or bulk) and handling its answer: the
//! saved rows, or a refusal that lists which bugs stopped it and why, with
//! the choice to apply it to the others or re-apply on the new versions.

use super::change::{ChangeRequest, Purpose};
use super::model::BugRow;
use super::msg::Command;
use super::state::{App, Identity, Overlay, RefusedChange, Tone};
use super::undo;
use super::update::{notify, refresh_all};
use crate::db::edit::{BugEdit, ChangeOutcome, Refusal, RefusalReason, without_refused};
use crossterm::event::{KeyCode, KeyEvent};

/// In a read-only session: says so (the usual message) and returns true.
pub fn refuse_read_only(app: &mut App) -> bool {
    if let Identity::ReadOnly(reason) = &app.identity {
        let text = format!(
            "{} — nothing can be changed in this session",
            reason.explain()
        );
        notify(app, Tone::Error, text);
        return true;
    }
    false
}

/// Sends a change; the popup says it is being saved until the answer comes.
pub fn submit(app: &mut App, edits: Vec<BugEdit>, purpose: Purpose, label: String) -> Vec<Command> {
    if refuse_read_only(app) || edits.is_empty() {
        app.overlay = None;
        return vec![];
    }
    app.change_seq += 1;
    let request = ChangeRequest {
        id: app.change_seq,
        edits,
        purpose,
        label,
    };
    let verb = match purpose {
        Purpose::Edit => "Saving",
        Purpose::Undo => "Undoing",
    };
    app.overlay = Some(Overlay::Working {
        text: format!("{verb} {} on {}…", request.label, request.subject()),
        back: None,
    });
    app.in_flight = Some(request.clone());
    vec![Command::Apply(request)]
}

/// Puts fresher rows wherever the bug is shown or kept.
pub fn patch_rows(app: &mut App, rows: &[BugRow]) {
    for fresh in rows {
        if let Some(row) = app.table.rows.iter_mut().find(|r| r.id == fresh.id) {
            *row = fresh.clone();
        }
        if let Some(shown) = app.detail.bug.as_mut().filter(|d| d.row.id == fresh.id) {
            shown.row = fresh.clone();
        }
    }
    app.marks.refresh(rows);
}

/// The bug as it is now, when it changed since the user saw it.
pub fn fresh(r: &Refusal) -> Option<&BugRow> {
    match &r.reason {
        RefusalReason::Conflict { theirs, .. } => Some(theirs),
        _ => None,
    }
}

pub fn on_outcome(app: &mut App, id: u64, outcome: ChangeOutcome) -> Vec<Command> {
    let Some(request) = app.in_flight.take_if(|r| r.id == id) else {
        return vec![];
    };
    app.overlay = None;
    match outcome {
        ChangeOutcome::Applied(applied) => {
            let after: Vec<BugRow> = applied.bugs.iter().map(|b| b.after.clone()).collect();
            patch_rows(app, &after);
            let unchanged = applied.bugs.iter().all(|b| b.changed.is_empty());
            undo::record(app, &request, applied);
            if unchanged {
                let text = format!(
                    "{} already had {}: nothing was changed",
                    request.subject(),
                    request.label.replace("→ ", "")
                );
                notify(app, Tone::Info, text);
                return vec![];
            }
            let text = match request.purpose {
                Purpose::Edit => format!(
                    "{}: {} (saved — u undoes)",
                    request.subject(),
                    request.label
                ),
                Purpose::Undo => format!("undone: {} on {}", request.label, request.subject()),
            };
            notify(app, Tone::Success, text);
            // With push live, the change's own NOTIFY brings the reload.
            if app.push_live {
                vec![]
            } else {
                refresh_all(app)
            }
        }
        ChangeOutcome::Refused(refusals) => {
            let now: Vec<BugRow> = refusals.iter().filter_map(fresh).cloned().collect();
            patch_rows(app, &now);
            app.overlay = Some(Overlay::Refused(Box::new(RefusedChange {
                request,
                refusals,
                scroll: 0,
            })));
            vec![]
        }
        ChangeOutcome::Failed { error } => {
            notify(app, Tone::Error, format!("{}: {error}", request.subject()));
            vec![]
        }
    }
}

/// The request without the refused bugs, if any are left.
fn others(r: &RefusedChange) -> Option<Vec<BugEdit>> {
    let edits = without_refused(&r.request.edits, &r.refusals);
    (!edits.is_empty()).then_some(edits)
}

/// The request on the bugs' new versions, when every refusal was a bug that
/// changed meanwhile (a rule's refusal would only come back).
fn on_fresh(r: &RefusedChange) -> Option<Vec<BugEdit>> {
    let mut edits = r.request.edits.clone();
    for refusal in &r.refusals {
        let now = fresh(refusal)?;
        let edit = edits.iter_mut().find(|e| e.seen.id == refusal.id)?;
        edit.seen = now.clone();
    }
    Some(edits)
}

/// What the refusal dialog offers: (apply to the others, re-apply on the new versions).
pub fn choices(r: &RefusedChange) -> (bool, bool) {
    (others(r).is_some(), on_fresh(r).is_some())
}

pub fn on_refused_key(app: &mut App, key: KeyEvent, mut r: RefusedChange) -> Vec<Command> {
    let ChangeRequest { purpose, label, .. } = r.request.clone();
    match key.code {
        KeyCode::Char('o') => match others(&r) {
            Some(edits) => submit(app, edits, purpose, label),
            None => vec![],
        },
        KeyCode::Char('r') => match on_fresh(&r) {
            Some(edits) => submit(app, edits, purpose, label),
            None => vec![],
        },
        KeyCode::Down | KeyCode::Char('j') => {
            r.scroll = r.scroll.saturating_add(1);
            app.overlay = Some(Overlay::Refused(Box::new(r)));
            vec![]
        }
        KeyCode::Up | KeyCode::Char('k') => {
            r.scroll = r.scroll.saturating_sub(1);
            app.overlay = Some(Overlay::Refused(Box::new(r)));
            vec![]
        }
        KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('q') => {
            app.overlay = None;
            let text = match purpose {
                Purpose::Edit => format!("{label}: cancelled, nothing was changed"),
                Purpose::Undo => {
                    undo::drop_newest(app);
                    format!(
                        "undo of {label} cancelled: those bugs changed since, so it leaves the \
                         undo list"
                    )
                }
            };
            notify(app, Tone::Info, text);
            refresh_all(app)
        }
        _ => {
            app.overlay = Some(Overlay::Refused(Box::new(r)));
            vec![]
        }
    }
}
