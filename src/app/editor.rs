//! Writing multi-line text — a description, a comment — in a text box, or in
//! `$EDITOR` when it is set: `update` only asks (`App::editor_request`); the
//! terminal loop leaves the screen, runs the editor on a temporary file and
//! answers with `Msg::EditorDone`. The text box stays underneath, so an editor
//! that fails leaves the user where they can still type.

use super::applying::refuse_read_only;
use super::field_edit;
use super::forms::{Edited, TextArea};
use super::msg::Command;
use super::state::{App, Overlay, Pane, Tone, WritePurpose, Writing};
use super::update::notify;
use crate::db::edit::FieldChange;
use crossterm::event::KeyEvent;

/// What the terminal loop opens `$EDITOR` on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditorRequest {
    pub command: String,
    pub text: String,
}

/// Longest comment, in characters (the database's rule says the same).
pub const COMMENT_MAX_CHARS: usize = 10_000;

/// Opens the text box for `purpose` holding `text`, and `$EDITOR` over it if set.
pub fn write(app: &mut App, purpose: WritePurpose, text: String) -> Vec<Command> {
    app.overlay = Some(Overlay::Write(Box::new(Writing {
        purpose,
        area: TextArea::new(&text),
        error: None,
    })));
    if let Some(command) = app.editor.clone() {
        app.editor_request = Some(EditorRequest { command, text });
    }
    vec![]
}

/// `c`: a comment on the selected bug.
pub fn start_comment(app: &mut App) -> Vec<Command> {
    if refuse_read_only(app) {
        return vec![];
    }
    let bug = match app.focus {
        Pane::Detail => app.detail.bug.as_ref().map(|d| d.row.clone()),
        _ => app.table.selected_row().cloned(),
    };
    match bug {
        Some(bug) => write(app, WritePurpose::Comment(bug), String::new()),
        None => {
            notify(app, Tone::Info, "select a bug first");
            vec![]
        }
    }
}

pub fn on_write_key(app: &mut App, key: KeyEvent, mut w: Writing) -> Vec<Command> {
    match w.area.on_key(&key) {
        Edited::Cancel => {
            app.overlay = None;
            vec![]
        }
        Edited::Submit => {
            let text = w.area.text();
            finish(app, w, text)
        }
        _ => {
            w.error = None;
            app.overlay = Some(Overlay::Write(Box::new(w)));
            vec![]
        }
    }
}

/// `$EDITOR` is done: its text is saved, or the box stays open saying why not.
pub fn on_editor_done(app: &mut App, text: Option<String>, error: Option<String>) -> Vec<Command> {
    let Some(Overlay::Write(mut w)) = app.overlay.take() else {
        return vec![];
    };
    match text {
        Some(text) => {
            // Editors end the file with a newline the user did not mean.
            let text = text.trim_end_matches(['\n', '\r']).to_string();
            if text == w.area.text() && matches!(w.purpose, WritePurpose::Description(_)) {
                notify(app, Tone::Info, "description unchanged: nothing was saved");
                return vec![];
            }
            w.area = TextArea::new(&text);
            finish(app, *w, text)
        }
        None => {
            w.error = error;
            app.overlay = Some(Overlay::Write(w));
            vec![]
        }
    }
}

fn finish(app: &mut App, mut w: Writing, text: String) -> Vec<Command> {
    match w.purpose.clone() {
        WritePurpose::Description(targets) => {
            let value = Some(text).filter(|t| !t.trim().is_empty());
            let value = FieldChange::Description(value);
            let shown = field_edit::shown_typed(&value);
            field_edit::apply(app, targets, value, &shown)
        }
        WritePurpose::Comment(bug) => {
            let n = text.trim().chars().count();
            let error = if n == 0 {
                Some("the comment is empty: write something to add, or Esc".to_string())
            } else if n > COMMENT_MAX_CHARS {
                Some(format!(
                    "the comment is {n} characters long; the limit is {COMMENT_MAX_CHARS}: split it"
                ))
            } else {
                None
            };
            if let Some(error) = error {
                w.error = Some(error);
                app.overlay = Some(Overlay::Write(Box::new(w)));
                return vec![];
            }
            let body = text.trim().to_string();
            app.overlay = Some(Overlay::Working {
                text: format!("Adding a comment to {}…", bug.number),
                back: Some(Box::new(Overlay::Write(Box::new(w)))),
            });
            vec![Command::AddComment { bug, body }]
        }
    }
}

/// Closes the "working" popup; returns the form it came from.
pub fn take_working(app: &mut App) -> Option<Overlay> {
    match app.overlay.take() {
        Some(Overlay::Working { back, .. }) => back.map(|b| *b),
        other => {
            app.overlay = other;
            None
        }
    }
}

pub fn on_commented(app: &mut App, bug: String, result: Result<(), String>) -> Vec<Command> {
    let back = take_working(app);
    match result {
        Ok(()) => {
            notify(app, Tone::Success, format!("{bug}: comment added"));
            if app.push_live {
                vec![]
            } else {
                super::loads::selected_detail(app).into_iter().collect()
            }
        }
        Err(e) => {
            if let Some(Overlay::Write(mut w)) = back {
                w.error = Some(format!("not added: {e}"));
                app.overlay = Some(Overlay::Write(w));
            }
            notify(app, Tone::Error, format!("{bug}: {e}"));
            vec![]
        }
    }
}
