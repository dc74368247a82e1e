//! What the dashboard asks the one generic audited change for
//! (`db::edit::apply_changes` / `revert`), and the choices its pickers offer.

use crate::db::edit::{BugEdit, FieldChange};
use crate::domain::Field;
use uuid::Uuid;

/// A user, as the assignee pickers offer them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserChoice {
    pub id: Uuid,
    pub email: String,
    pub name: String,
}

/// The field chooser's lines, in order, with the letter that picks each.
pub const CHOOSER: [(char, Field); 9] = [
    ('s', Field::Status),
    ('v', Field::Severity),
    ('a', Field::Assignee),
    ('b', Field::Blocker),
    ('t', Field::Title),
    ('p', Field::Project),
    ('e', Field::EstimatedHours),
    ('h', Field::ActualHours),
    ('d', Field::Description),
];

/// Why the change was made: an undo is recorded like any change (as a
/// revert), but does not itself become something to undo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Edit,
    Undo,
}

/// One all-or-nothing change of one or many bugs.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRequest {
    /// Ties the answer to the question (see `App::change_seq`).
    pub id: u64,
    pub edits: Vec<BugEdit>,
    pub purpose: Purpose,
    /// "severity → critical", for notices, dialogs and the undo list.
    pub label: String,
}

impl ChangeRequest {
    /// "BUG-1003" or "5 bugs".
    pub fn subject(&self) -> String {
        subject(&self.edits)
    }
}

/// "BUG-1003" or "5 bugs".
pub fn subject(edits: &[BugEdit]) -> String {
    match edits {
        [one] => one.seen.number.clone(),
        many => format!("{} bugs", many.len()),
    }
}

/// "severity → critical": `shown` is the value as the picker showed it.
pub fn label(change: &FieldChange, shown: &str) -> String {
    format!("{} → {shown}", change.field().label())
}
