//! What the dashboard asks the generic audited change for, and what comes
//! back: field values for one or many bugs, checked against the versions the
//! user saw, all or nothing.

use super::model::BugRow;
use crate::domain::{BugStatus, Severity};
use rust_decimal::Decimal;
use uuid::Uuid;

/// A user, as the assignee picker offers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserChoice {
    pub id: Uuid,
    pub email: String,
    pub name: String,
}

/// A project, as the project picker offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectChoice {
    pub id: Uuid,
    pub name: String,
}

/// The fields a person can change from the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Status,
    Severity,
    Assignee,
    Blocker,
    Title,
    Project,
    EstimatedHours,
    ActualHours,
    Description,
}

impl Field {
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

    pub fn label(self) -> &'static str {
        match self {
            Field::Status => "status",
            Field::Severity => "severity",
            Field::Assignee => "assignee",
            Field::Blocker => "blocker",
            Field::Title => "title",
            Field::Project => "project",
            Field::EstimatedHours => "estimated hours",
            Field::ActualHours => "actual hours",
            Field::Description => "description",
        }
    }
}

/// One field's new value.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Status(BugStatus),
    Severity(Severity),
    /// `None`: unassigned.
    Assignee(Option<UserChoice>),
    Blocker(bool),
    Title(String),
    Project(Option<ProjectChoice>),
    EstimatedHours(Option<Decimal>),
    ActualHours(Option<Decimal>),
    /// `None` (or empty): no description.
    Description(Option<String>),
}

impl FieldValue {
    pub fn field(&self) -> Field {
        match self {
            FieldValue::Status(_) => Field::Status,
            FieldValue::Severity(_) => Field::Severity,
            FieldValue::Assignee(_) => Field::Assignee,
            FieldValue::Blocker(_) => Field::Blocker,
            FieldValue::Title(_) => Field::Title,
            FieldValue::Project(_) => Field::Project,
            FieldValue::EstimatedHours(_) => Field::EstimatedHours,
            FieldValue::ActualHours(_) => Field::ActualHours,
            FieldValue::Description(_) => Field::Description,
        }
    }

    /// How the value reads in a notice or a dialog ("critical", "unassigned").
    pub fn shown(&self) -> String {
        let hours =
            |h: &Option<Decimal>| h.map_or("none".into(), |h| format!("{}h", h.normalize()));
        match self {
            FieldValue::Status(s) => s.to_string(),
            FieldValue::Severity(s) => s.to_string(),
            FieldValue::Assignee(Some(u)) => u.name.clone(),
            FieldValue::Assignee(None) => "unassigned".into(),
            FieldValue::Blocker(b) => if *b { "blocker" } else { "not a blocker" }.into(),
            FieldValue::Title(t) => format!("\"{}\"", short(t)),
            FieldValue::Project(Some(p)) => p.name.clone(),
            FieldValue::Project(None) => "no project".into(),
            FieldValue::EstimatedHours(h) | FieldValue::ActualHours(h) => hours(h),
            FieldValue::Description(None) => "no description".into(),
            FieldValue::Description(Some(d)) if d.trim().is_empty() => "no description".into(),
            FieldValue::Description(Some(_)) => "new text".into(),
        }
    }
}

/// At most 40 characters of `text`, with "…" when cut.
fn short(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// The values to write to one bug, as the user saw it (its `version`).
#[derive(Debug, Clone, PartialEq)]
pub struct BugEdit {
    pub bug: BugRow,
    pub fields: Vec<FieldValue>,
}

/// Why the change was made: undoing is recorded like any change, but does not
/// itself become something to undo.
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
    /// "severity → critical", for notices and the undo list.
    pub label: String,
}

impl ChangeRequest {
    /// "BUG-1003" or "5 bugs".
    pub fn subject(&self) -> String {
        match self.edits.as_slice() {
            [one] => one.bug.number.clone(),
            many => format!("{} bugs", many.len()),
        }
    }
}

/// One bug as written: its row after, and the values the changed fields held
/// before (what undo writes back).
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedBug {
    pub before: Vec<FieldValue>,
    pub after: BugRow,
}

/// Why one bug stopped the change.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub id: Uuid,
    pub number: String,
    /// One sentence: who changed what, or which rule said no.
    pub reason: String,
    /// The bug as it is now, when it changed since it was loaded: re-applying
    /// on this version is the user's call.
    pub fresh: Option<BugRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ChangeOutcome {
    Applied {
        request: u64,
        bugs: Vec<AppliedBug>,
    },
    /// Nothing was written; these bugs are why.
    Refused {
        request: u64,
        refusals: Vec<Refusal>,
    },
    /// Nothing was written (or it is not known, for a lost connection: the
    /// sentence says so).
    Failed {
        request: u64,
        error: String,
    },
}

/// A new bug, as the create form holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewBug {
    pub title: String,
    pub severity: Severity,
    pub project: Option<ProjectChoice>,
    pub assignee: Option<UserChoice>,
    pub blocker: bool,
    pub description: Option<String>,
}
