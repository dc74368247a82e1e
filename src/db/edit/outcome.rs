//! What an audited change asks for and what it answers: the request
//! ([`BugEdit`]), the result ([`ChangeOutcome`]), the per-bug refusals and
//! the [`Undo`] every applied change carries.

use crate::app::model::BugRow;
use crate::domain::{Field, FieldChange, FieldError, TransitionError};
use std::fmt;
use uuid::Uuid;

/// Changes to one bug, checked against the row the user saw.
#[derive(Debug, Clone, PartialEq)]
pub struct BugEdit {
    /// The bug as the user saw it: its `id` says which bug, its `version`
    /// what it must still be for the change to be written, and the rest is
    /// what a conflict is described against.
    pub seen: BugRow,
    /// The fields to set; one per field (the last one wins).
    pub changes: Vec<FieldChange>,
}

impl BugEdit {
    pub fn new(seen: BugRow, changes: Vec<FieldChange>) -> Self {
        BugEdit { seen, changes }
    }

    /// The same changes for each of `rows` (a bulk edit of marked bugs).
    pub fn same_for(rows: &[BugRow], changes: &[FieldChange]) -> Vec<BugEdit> {
        rows.iter()
            .map(|r| BugEdit::new(r.clone(), changes.to_vec()))
            .collect()
    }
}

/// The answer to [`apply_changes`](super::apply_changes) and
/// [`revert`](super::revert).
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeOutcome {
    /// Every bug was written (or already had the values), in one transaction.
    Applied(Applied),
    /// Nothing was written: these bugs, each with its reason, stopped the
    /// change (the others would have been fine; see [`without_refused`]).
    Refused(Vec<Refusal>),
    /// Nothing was written (or, if the connection was lost while committing,
    /// it is unknown; the sentence says which): a read-only session, a
    /// missing privilege, a lost connection, a lock wait that timed out…
    Failed { error: String },
}

/// A change that was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// One per requested bug, in request order.
    pub bugs: Vec<AppliedBug>,
    /// What reverts it (see [`revert`](super::revert)).
    pub undo: Undo,
}

/// One bug of an applied change.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedBug {
    /// The row just before the change (as locked in the transaction).
    pub before: BugRow,
    /// The row as stored after it; equal to `before` when `changed` is empty.
    pub after: BugRow,
    /// The fields whose value changed, in [`Field`] order. Empty when the bug
    /// already had every requested value: it was then not written (no
    /// version bump, no history, no audit row).
    pub changed: Vec<Field>,
}

/// Why one bug stopped a change.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub id: Uuid,
    /// "BUG-1001"
    pub bug: String,
    pub reason: RefusalReason,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RefusalReason {
    /// The bug changed since the user saw it (`mine.version` ≠
    /// `theirs.version`). `changes` says who changed what and when, e.g.
    /// "status: in_progress → verified by Grace Hopper 2m ago". To decide
    /// again, build a new edit on `theirs`.
    /// (The rows are boxed to keep the enum small.)
    Conflict {
        mine: Box<BugRow>,
        theirs: Box<BugRow>,
        changes: Vec<String>,
    },
    /// A status move the lifecycle does not allow from the bug's status.
    Transition(TransitionError),
    /// A field rule broken (empty title, negative hours, unknown assignee…).
    Field(FieldError),
    /// The bug was deleted.
    Gone,
    /// No field to change was given for it.
    NothingToChange,
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefusalReason::Conflict {
                mine,
                theirs,
                changes,
            } => write!(
                f,
                "changed since you loaded it (version {} → {}): {}",
                mine.version,
                theirs.version,
                changes.join("; ")
            ),
            RefusalReason::Transition(e) => write!(f, "{e}"),
            RefusalReason::Field(e) => write!(f, "{e}"),
            RefusalReason::Gone => f.write_str("no longer exists (it was deleted)"),
            RefusalReason::NothingToChange => f.write_str("no field to change was given"),
        }
    }
}

impl fmt::Display for Refusal {
    /// "BUG-1001: cannot move a bug from shipped to verified: …".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.bug, self.reason)
    }
}

/// `edits` without the bugs `refusals` name: "apply to the others".
pub fn without_refused(edits: &[BugEdit], refusals: &[Refusal]) -> Vec<BugEdit> {
    edits
        .iter()
        .filter(|e| !refusals.iter().any(|r| r.id == e.seen.id))
        .cloned()
        .collect()
}

/// The inverse of an applied change: for each bug written, the row as the
/// change left it (`seen`, so its version is what must still be there) and
/// the old value of every field it changed. Bugs the change did not write are
/// not in it. Empty when nothing was written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Undo {
    pub edits: Vec<BugEdit>,
}

impl Undo {
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// The bug numbers it would revert, e.g. for "undo the change of BUG-1, BUG-2?".
    pub fn bugs(&self) -> Vec<&str> {
        self.edits.iter().map(|e| e.seen.number.as_str()).collect()
    }
}
