//! Changing a bug's status: pick an allowed transition, confirm with a different
//! key than the one that opened the picker, save, and handle a conflict.

use super::msg::{Command, SaveOutcome};
use super::state::{App, ConflictInfo, EditTarget, Identity, Overlay, Pane, Tone};
use super::update::{notify, refresh_all};
use crate::domain::{allowed_transitions, check_transition};
use crossterm::event::{KeyCode, KeyEvent};

/// `s`: opens the picker for the selected bug, or explains why it cannot.
pub fn start(app: &mut App) -> Vec<Command> {
    if let Identity::ReadOnly(reason) = &app.identity {
        let text = format!(
            "{} — nothing can be changed in this session",
            reason.explain()
        );
        notify(app, Tone::Error, text);
        return vec![];
    }
    let bug = match app.focus {
        Pane::Detail => app.detail.bug.as_ref().map(|d| d.row.clone()),
        _ => app.table.selected_row().cloned(),
    };
    let Some(bug) = bug else {
        notify(app, Tone::Info, "select a bug first");
        return vec![];
    };
    let options = allowed_transitions(bug.status).to_vec();
    app.overlay = Some(Overlay::StatusPicker {
        target: EditTarget { bug },
        options,
        selected: 0,
    });
    vec![]
}

pub fn on_edit_key(app: &mut App, key: KeyEvent, overlay: Overlay) -> Vec<Command> {
    match overlay {
        Overlay::StatusPicker {
            target,
            options,
            selected,
        } => match key.code {
            KeyCode::Esc | KeyCode::Char('q') => close(app),
            KeyCode::Down | KeyCode::Char('j') => {
                let selected = (selected + 1).min(options.len().saturating_sub(1));
                app.overlay = Some(Overlay::StatusPicker {
                    target,
                    options,
                    selected,
                });
                vec![]
            }
            KeyCode::Up | KeyCode::Char('k') => {
                let selected = selected.saturating_sub(1);
                app.overlay = Some(Overlay::StatusPicker {
                    target,
                    options,
                    selected,
                });
                vec![]
            }
            KeyCode::Enter => {
                if let Some(to) = options.get(selected).copied() {
                    app.overlay = Some(Overlay::Confirm { target, to });
                }
                vec![]
            }
            _ => vec![],
        },
        Overlay::Confirm { target, to } => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => save(app, target, to),
            KeyCode::Char('n') | KeyCode::Esc | KeyCode::Char('q') => close(app),
            _ => vec![],
        },
        // A write is in flight: keys wait (Ctrl-C still quits).
        Overlay::Saving { .. } => vec![],
        Overlay::Conflict(info) => match key.code {
            KeyCode::Char('r') => reapply(app, info),
            KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('q') => {
                close(app);
                notify(
                    app,
                    Tone::Info,
                    format!("{}: change cancelled", info.theirs.number),
                );
                refresh_all(app)
            }
            _ => vec![],
        },
        _ => vec![],
    }
}

fn close(app: &mut App) -> Vec<Command> {
    app.overlay = None;
    vec![]
}

fn save(app: &mut App, target: EditTarget, to: crate::domain::BugStatus) -> Vec<Command> {
    let bug = target.bug.clone();
    app.overlay = Some(Overlay::Saving { target, to });
    vec![Command::SaveStatus { bug, to }]
}

/// Re-applies the wanted status on the fresh row, if the lifecycle still allows it.
fn reapply(app: &mut App, info: ConflictInfo) -> Vec<Command> {
    match check_transition(info.theirs.status, info.wanted) {
        Ok(()) => save(app, EditTarget { bug: info.theirs }, info.wanted),
        Err(e) => {
            app.overlay = None;
            notify(app, Tone::Error, format!("{}: {e}", info.theirs.number));
            refresh_all(app)
        }
    }
}

pub fn on_saved(app: &mut App, outcome: SaveOutcome) -> Vec<Command> {
    match outcome {
        SaveOutcome::Saved { before, after } => {
            app.overlay = None;
            super::undo::record_status(app, &before, &after);
            app.marks.refresh([&after]);
            let text = format!(
                "{}: {} → {} (saved, version {} — u undoes)",
                after.number, before.status, after.status, after.version
            );
            notify(app, Tone::Success, text);
            if let Some(row) = app.table.rows.iter_mut().find(|r| r.id == after.id) {
                *row = after.clone();
            }
            if let Some(shown) = app.detail.bug.as_mut().filter(|d| d.row.id == after.id) {
                shown.row = after.clone();
            }
            // With push live, the save's own NOTIFY brings the reload (history,
            // KPIs, the row's new place in the order) a moment later; asking
            // now as well would read everything twice.
            if app.push_live {
                vec![]
            } else {
                refresh_all(app)
            }
        }
        SaveOutcome::Conflict {
            wanted,
            mine,
            theirs,
            changes,
        } => {
            if let Some(row) = app.table.rows.iter_mut().find(|r| r.id == theirs.id) {
                *row = theirs.clone();
            }
            app.overlay = Some(Overlay::Conflict(ConflictInfo {
                wanted,
                mine,
                theirs,
                changes,
            }));
            vec![]
        }
        SaveOutcome::Failed { bug, error } => {
            app.overlay = None;
            notify(app, Tone::Error, format!("{bug}: {error}"));
            vec![]
        }
    }
}
