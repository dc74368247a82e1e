//! `e`: change one field of the selected bug, or of every marked bug: a
//! chooser (j/k and Enter, or the field's letter), then a picker for fields
//! with fixed values, a one-line input for the title and hours, or a text
//! box (or `$EDITOR`) for the description. The change goes through the one
//! generic audited change (`applying`).

use super::applying::{refuse_read_only, submit};
use super::change::{CHOOSER, Purpose, label};
use super::editor;
use super::forms::{Choice, Edited, LineInput, Picker};
use super::model::BugRow;
use super::msg::{Command, Part};
use super::state::{App, Overlay, Tone, WritePurpose};
use super::update::notify;
use crate::db::edit::BugEdit;
use crate::db::edit::FieldChange;
use crate::domain::{BugStatus, Field, Severity};
use crossterm::event::{KeyCode, KeyEvent};
use rust_decimal::Decimal;
use std::str::FromStr;

/// `e`: the field chooser for the marked bugs, or the selected one.
pub fn start(app: &mut App) -> Vec<Command> {
    if refuse_read_only(app) {
        return vec![];
    }
    let targets = app.targets();
    if targets.is_empty() {
        notify(app, Tone::Info, "select a bug first");
        return vec![];
    }
    app.overlay = Some(Overlay::FieldChooser {
        targets,
        selected: 0,
    });
    vec![]
}

/// `s` with marked bugs: one status for all of them (the lifecycle is
/// checked per bug by the change; refusals are listed).
pub fn bulk_status(app: &mut App) -> Vec<Command> {
    if refuse_read_only(app) {
        return vec![];
    }
    let targets = app.marks.rows();
    open(app, targets, Field::Status)
}

pub fn on_chooser_key(
    app: &mut App,
    key: KeyEvent,
    targets: Vec<BugRow>,
    selected: usize,
) -> Vec<Command> {
    let last = CHOOSER.len() - 1;
    let stay = |app: &mut App, targets, selected| {
        app.overlay = Some(Overlay::FieldChooser { targets, selected });
        vec![]
    };
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') => {
            app.overlay = None;
            vec![]
        }
        KeyCode::Down | KeyCode::Char('j') => stay(app, targets, (selected + 1).min(last)),
        KeyCode::Up | KeyCode::Char('k') => stay(app, targets, selected.saturating_sub(1)),
        KeyCode::Enter => open(app, targets, CHOOSER[selected.min(last)].1),
        KeyCode::Char(c) => match CHOOSER.iter().find(|(k, _)| *k == c) {
            Some((_, field)) => open(app, targets, *field),
            None => stay(app, targets, selected),
        },
        _ => stay(app, targets, selected),
    }
}

fn choice(label: impl Into<String>, value: FieldChange) -> Choice<FieldChange> {
    Choice {
        label: label.into(),
        value,
    }
}

/// The one bug's detail, when it is the one shown (hours and the
/// description are not in the table's rows).
fn shown_detail<'a>(app: &'a App, targets: &[BugRow]) -> Option<&'a super::model::BugDetail> {
    match targets {
        [one] => app.detail.bug.as_ref().filter(|d| d.row.id == one.id),
        _ => None,
    }
}

/// Opens the editor for `field`.
pub fn open(app: &mut App, targets: Vec<BugRow>, field: Field) -> Vec<Command> {
    let single = (targets.len() == 1).then(|| targets[0].clone());
    let mut cmds = vec![];
    let overlay = match field {
        Field::Status => match &single {
            Some(_) if app.marks.is_empty() => return super::editing::start(app),
            _ => {
                let all = BugStatus::ALL
                    .iter()
                    .map(|s| choice(s.as_str(), FieldChange::Status(*s)))
                    .collect();
                picker(targets, field, all, 0)
            }
        },
        Field::Severity => {
            let now = single.as_ref().map(|b| b.severity);
            let at = Severity::ALL.iter().position(|s| Some(*s) == now);
            let all = Severity::ALL
                .iter()
                .map(|s| choice(s.as_str(), FieldChange::Severity(*s)))
                .collect();
            picker(targets, field, all, at.unwrap_or(0))
        }
        Field::Blocker => {
            let all = vec![
                choice("yes", FieldChange::Blocker(true)),
                choice("no", FieldChange::Blocker(false)),
            ];
            // The other value first: the usual reason to open this.
            let at = usize::from(single.as_ref().is_some_and(|b| b.is_blocker));
            picker(targets, field, all, at)
        }
        Field::Assignee => {
            if app.users.is_none() {
                cmds.push(Command::LoadUsers {
                    ticket: app.tickets.issue(Part::Users),
                });
            }
            let all = assignee_choices(app);
            picker(targets, field, all, 0)
        }
        Field::Project => {
            let mut all = vec![choice("no project", FieldChange::Project(None))];
            all.extend(
                app.portfolio
                    .rows
                    .iter()
                    .map(|p| choice(p.name.clone(), FieldChange::Project(Some(p.id)))),
            );
            picker(targets, field, all, 0)
        }
        Field::Title => {
            let now = single.as_ref().map_or("", |b| b.title.as_str());
            input(targets, field, now.to_string())
        }
        Field::EstimatedHours | Field::ActualHours => {
            let now = match shown_detail(app, &targets) {
                Some(d) if field == Field::EstimatedHours => d.estimated_hours,
                Some(d) => d.actual_hours,
                None if single.is_some() => return wait_for_detail(app),
                None => None,
            };
            input(
                targets,
                field,
                now.map_or(String::new(), |h| h.normalize().to_string()),
            )
        }
        Field::Description => {
            let now = match shown_detail(app, &targets) {
                Some(d) => d.description.clone().unwrap_or_default(),
                None if single.is_some() => return wait_for_detail(app),
                None => String::new(),
            };
            return editor::write(app, WritePurpose::Description(targets), now);
        }
    };
    app.overlay = Some(overlay);
    cmds
}

fn wait_for_detail(app: &mut App) -> Vec<Command> {
    app.overlay = None;
    notify(
        app,
        Tone::Info,
        "the bug's detail is still loading: try again in a moment",
    );
    vec![]
}

fn picker(targets: Vec<BugRow>, field: Field, all: Vec<Choice<FieldChange>>, at: usize) -> Overlay {
    Overlay::PickValue {
        targets,
        field,
        picker: Picker::new(all, at),
    }
}

fn input(targets: Vec<BugRow>, field: Field, now: String) -> Overlay {
    Overlay::InputValue {
        targets,
        field,
        input: LineInput::new(now),
        error: None,
    }
}

/// "unassigned", then every user as "Name <email>" (so typing either finds them).
pub fn assignee_choices(app: &App) -> Vec<Choice<FieldChange>> {
    let mut all = vec![choice("unassigned", FieldChange::Assignee(None))];
    for u in app.users.iter().flatten() {
        let label = format!("{} <{}>", u.name, u.email);
        all.push(choice(label, FieldChange::Assignee(Some(u.id))));
    }
    all
}

/// Users arrived: an open assignee picker gets them, keeping what was typed.
pub fn on_users(app: &mut App, ticket: u64, users: Vec<super::change::UserChoice>) {
    if !app.tickets.is_current(Part::Users, ticket) {
        return;
    }
    app.users = Some(users);
    let fresh = assignee_choices(app);
    if let Some(Overlay::PickValue {
        field: Field::Assignee,
        picker,
        ..
    }) = app.overlay.as_mut()
    {
        picker.all = fresh;
    }
    super::create::on_users(app);
}

pub fn on_pick_key(
    app: &mut App,
    key: KeyEvent,
    targets: Vec<BugRow>,
    field: Field,
    mut picker: Picker<FieldChange>,
) -> Vec<Command> {
    match picker.on_key(&key) {
        Edited::Cancel => {
            app.overlay = None;
            vec![]
        }
        Edited::Submit => match picker.picked_choice() {
            Some(c) => apply(app, targets, c.value, &c.label),
            None => vec![],
        },
        _ => {
            app.overlay = Some(Overlay::PickValue {
                targets,
                field,
                picker,
            });
            vec![]
        }
    }
}

/// The typed value, or why it cannot be one.
fn parse(field: Field, text: &str) -> Result<FieldChange, String> {
    let text = text.trim();
    match field {
        Field::Title if text.is_empty() => {
            Err("the title is empty: give the bug a short summary".into())
        }
        Field::Title => Ok(FieldChange::Title(text.to_string())),
        _ => {
            let hours = if text.is_empty() {
                None
            } else {
                let h = Decimal::from_str(text.trim_end_matches('h')).map_err(|_| {
                    format!("\"{text}\" is not a number of hours: type e.g. 4 or 2.5 (empty: none)")
                })?;
                if h.is_sign_negative() {
                    return Err("hours cannot be negative: type 0 or more".into());
                }
                Some(h)
            };
            Ok(match field {
                Field::EstimatedHours => FieldChange::EstimatedHours(hours),
                _ => FieldChange::ActualHours(hours),
            })
        }
    }
}

pub fn on_input_key(
    app: &mut App,
    key: KeyEvent,
    targets: Vec<BugRow>,
    field: Field,
    mut input: LineInput,
    error: Option<String>,
) -> Vec<Command> {
    match input.on_key(&key) {
        Edited::Cancel => {
            app.overlay = None;
            vec![]
        }
        Edited::Submit => match parse(field, &input.text) {
            Ok(value) => {
                let shown = shown_typed(&value);
                apply(app, targets, value, &shown)
            }
            Err(e) => {
                app.overlay = Some(Overlay::InputValue {
                    targets,
                    field,
                    input,
                    error: Some(e),
                });
                vec![]
            }
        },
        edited => {
            let error = if edited == Edited::Changed {
                None
            } else {
                error
            };
            app.overlay = Some(Overlay::InputValue {
                targets,
                field,
                input,
                error,
            });
            vec![]
        }
    }
}

/// Sends `value` for every target, as one change; `shown` is how the value
/// reads in the notice and the undo list.
pub fn apply(app: &mut App, targets: Vec<BugRow>, value: FieldChange, shown: &str) -> Vec<Command> {
    let label = label(&value, shown);
    let edits = BugEdit::same_for(&targets, &[value]);
    submit(app, edits, Purpose::Edit, label)
}

/// A typed value as the notice shows it: "\"New title\"", "2.5h", "none".
pub fn shown_typed(value: &FieldChange) -> String {
    match value {
        FieldChange::Title(t) => match t.char_indices().nth(40) {
            Some((i, _)) => format!("\"{}…\"", &t[..i]),
            None => format!("\"{t}\""),
        },
        FieldChange::EstimatedHours(Some(h)) | FieldChange::ActualHours(Some(h)) => {
            format!("{}h", h.normalize())
        }
        FieldChange::Description(Some(d)) if !d.trim().is_empty() => "new text".into(),
        _ => "none".into(),
    }
}
