//! `n`: the new-bug form — title, severity, project, assignee, blocker,
//! description. Tab moves between fields, Ctrl-s (or F2) creates; the new bug
//! is then selected in the table.

use super::applying::refuse_read_only;
use super::forms::{Choice, Edited, LineInput, Picker, TextArea};
use super::model::BugRow;
use super::msg::{Command, Part};
use super::state::{App, Overlay, PageIntent, Pane, Tone};
use super::table_nav;
use super::update::notify;
use crate::db::edit::NewBug;
use crate::domain::Severity;
use crate::query::PageAnchor;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use uuid::Uuid;

/// The form's fields, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Title,
    Severity,
    Project,
    Assignee,
    Blocker,
    Description,
}

impl FormField {
    pub const ORDER: [FormField; 6] = [
        FormField::Title,
        FormField::Severity,
        FormField::Project,
        FormField::Assignee,
        FormField::Blocker,
        FormField::Description,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FormField::Title => "Title",
            FormField::Severity => "Severity",
            FormField::Project => "Project",
            FormField::Assignee => "Assignee",
            FormField::Blocker => "Blocker",
            FormField::Description => "Description",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreateForm {
    pub focus: usize,
    pub title: LineInput,
    pub severity: Picker<Severity>,
    pub project: Picker<Option<Uuid>>,
    pub assignee: Picker<Option<Uuid>>,
    pub blocker: bool,
    pub description: TextArea,
    pub error: Option<String>,
}

impl CreateForm {
    pub fn field(&self) -> FormField {
        FormField::ORDER[self.focus]
    }
}

fn choice<T>(label: impl Into<String>, value: T) -> Choice<T> {
    Choice {
        label: label.into(),
        value,
    }
}

fn assignees(app: &App) -> Vec<Choice<Option<Uuid>>> {
    let mut all = vec![choice("unassigned", None)];
    all.extend(
        app.users
            .iter()
            .flatten()
            .map(|u| choice(format!("{} <{}>", u.name, u.email), Some(u.id))),
    );
    all
}

/// `n`: opens an empty form (medium severity, the project the table is
/// filtered to, if any).
pub fn start(app: &mut App) -> Vec<Command> {
    if refuse_read_only(app) {
        return vec![];
    }
    let severities = Severity::ALL
        .iter()
        .map(|s| choice(s.as_str(), *s))
        .collect();
    let medium = Severity::ALL
        .iter()
        .position(|s| *s == Severity::Medium)
        .unwrap_or(0);
    let mut projects = vec![choice("no project", None)];
    projects.extend(
        app.portfolio
            .rows
            .iter()
            .map(|p| choice(p.name.clone(), Some(p.id))),
    );
    let filtered = app.table.query.filter.project.as_deref().and_then(|f| {
        projects
            .iter()
            .position(|c| c.label.eq_ignore_ascii_case(f.trim()))
    });
    let form = CreateForm {
        focus: 0,
        title: LineInput::default(),
        severity: Picker::new(severities, medium),
        project: Picker::new(projects, filtered.unwrap_or(0)),
        assignee: Picker::new(assignees(app), 0),
        blocker: false,
        description: TextArea::default(),
        error: None,
    };
    app.overlay = Some(Overlay::Create(Box::new(form)));
    if app.users.is_none() {
        return vec![Command::LoadUsers {
            ticket: app.tickets.issue(Part::Users),
        }];
    }
    vec![]
}

/// Users arrived while the form is open.
pub fn on_users(app: &mut App) {
    let fresh = assignees(app);
    if let Some(Overlay::Create(form)) = app.overlay.as_mut() {
        form.assignee.all = fresh;
    }
}

pub fn on_key(app: &mut App, key: KeyEvent, mut form: CreateForm) -> Vec<Command> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let n = FormField::ORDER.len();
    let edited = match key.code {
        KeyCode::Char('s') if ctrl => Edited::Submit,
        KeyCode::F(2) => Edited::Submit,
        KeyCode::Esc => Edited::Cancel,
        KeyCode::Tab => {
            form.focus = (form.focus + 1) % n;
            Edited::Changed
        }
        KeyCode::BackTab => {
            form.focus = (form.focus + n - 1) % n;
            Edited::Changed
        }
        _ => {
            let edited = match form.field() {
                FormField::Title => form.title.on_key(&key),
                FormField::Severity => form.severity.on_key(&key),
                FormField::Project => form.project.on_key(&key),
                FormField::Assignee => form.assignee.on_key(&key),
                FormField::Blocker => match key.code {
                    KeyCode::Char(' ' | 'y' | 'n' | 'x') | KeyCode::Left | KeyCode::Right => {
                        form.blocker = match key.code {
                            KeyCode::Char('y') => true,
                            KeyCode::Char('n') => false,
                            _ => !form.blocker,
                        };
                        Edited::Changed
                    }
                    KeyCode::Enter => Edited::Submit,
                    _ => Edited::Ignored,
                },
                FormField::Description => form.description.on_key(&key),
            };
            // Enter on a one-line field moves on, as Tab does; Ctrl-s creates.
            if edited == Edited::Submit && form.field() != FormField::Description {
                form.focus = (form.focus + 1) % n;
                Edited::Changed
            } else {
                edited
            }
        }
    };
    match edited {
        Edited::Cancel => {
            app.overlay = None;
            vec![]
        }
        Edited::Submit => submit(app, form),
        _ => {
            if edited == Edited::Changed {
                form.error = None;
            }
            app.overlay = Some(Overlay::Create(Box::new(form)));
            vec![]
        }
    }
}

/// The bug the form describes, or what is missing.
pub fn new_bug(form: &CreateForm) -> Result<NewBug, String> {
    let title = form.title.text.trim();
    if title.is_empty() {
        return Err("the title is empty: give the bug a short summary of the problem".into());
    }
    let severity = form
        .severity
        .picked()
        .ok_or("no severity matches what you typed: clear it and choose one")?;
    let project = form
        .project
        .picked()
        .ok_or("no project matches what you typed: clear it, or choose \"no project\"")?;
    let assignee = form
        .assignee
        .picked()
        .ok_or("no user matches what you typed: clear it, or choose \"unassigned\"")?;
    let description = Some(form.description.text()).filter(|d| !d.trim().is_empty());
    Ok(NewBug {
        title: title.to_string(),
        severity,
        project,
        assignee,
        is_blocker: form.blocker,
        description,
    })
}

fn submit(app: &mut App, mut form: CreateForm) -> Vec<Command> {
    match new_bug(&form) {
        Ok(bug) => {
            app.overlay = Some(Overlay::Working {
                text: format!("Creating \"{}\"…", bug.title),
                back: Some(Box::new(Overlay::Create(Box::new(form)))),
            });
            vec![Command::CreateBug(bug)]
        }
        Err(e) => {
            form.error = Some(e);
            app.overlay = Some(Overlay::Create(Box::new(form)));
            vec![]
        }
    }
}

/// The bug was created: the table reloads from it, selecting it.
pub fn on_created(app: &mut App, result: Result<BugRow, String>) -> Vec<Command> {
    let back = super::editor::take_working(app);
    match result {
        Ok(row) => {
            notify(
                app,
                Tone::Success,
                format!("{} created: {}", row.number, row.title),
            );
            app.focus = Pane::Bugs;
            // Selected at once, so the next key acts on it; the window then
            // reloads around it, in its place in the order.
            let at = app.table.selected.min(app.table.rows.len());
            app.table.rows.insert(at, row.clone());
            app.table.selected = at;
            let cursor = crate::db::bugs::cursor_of(&row, app.table.query.sort.key);
            let page = table_nav::load_window(
                app,
                PageAnchor::From(cursor),
                PageIntent::Select(row.id, row.number.clone()),
            );
            vec![page, super::loads::detail(app, row.id)]
        }
        Err(e) => {
            if let Some(Overlay::Create(mut form)) = back {
                form.error = Some(format!("not created: {e}"));
                app.overlay = Some(Overlay::Create(form));
            }
            notify(app, Tone::Error, format!("not created: {e}"));
            vec![]
        }
    }
}
