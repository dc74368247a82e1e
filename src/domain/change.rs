//! One field change of a bug, as a person asks for it: the unit of every edit
//! (`db::edit::apply_changes` takes a set of them per bug).

use super::enums::{BugStatus, Severity};
use super::fields::{FieldError, check_description, check_hours, check_title};
use rust_decimal::Decimal;
use uuid::Uuid;

/// A new value for one editable field. `None` clears an optional field
/// (unassigned, no project, no estimate, no description).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldChange {
    /// Checked against the lifecycle (`check_transition`).
    Status(BugStatus),
    /// Resets the SLA to the new severity's ([`sla_hours_after`](super::fields::sla_hours_after))
    /// and recomputes the priority.
    Severity(Severity),
    /// A user's id; must exist.
    Assignee(Option<Uuid>),
    /// Recomputes the priority.
    Blocker(bool),
    Title(String),
    /// A project's id; must exist.
    Project(Option<Uuid>),
    EstimatedHours(Option<Decimal>),
    ActualHours(Option<Decimal>),
    Description(Option<String>),
}

/// Which field a [`FieldChange`] sets; its `column` is the `bugs` column and
/// the `bug_history.field_changed` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    pub const ALL: [Field; 9] = [
        Field::Status,
        Field::Severity,
        Field::Assignee,
        Field::Blocker,
        Field::Title,
        Field::Project,
        Field::EstimatedHours,
        Field::ActualHours,
        Field::Description,
    ];

    /// The `bugs` column this field is stored in.
    pub const fn column(self) -> &'static str {
        match self {
            Field::Status => "status",
            Field::Severity => "severity",
            Field::Assignee => "assigned_to",
            Field::Blocker => "is_blocker",
            Field::Title => "title",
            Field::Project => "project_id",
            Field::EstimatedHours => "estimated_hours",
            Field::ActualHours => "actual_hours",
            Field::Description => "description",
        }
    }

    /// The field stored in this `bugs` column (a `bug_history.field_changed`).
    pub fn from_column(column: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.column() == column)
    }

    /// How people call it ("assignee", "estimated hours").
    pub const fn label(self) -> &'static str {
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

impl FieldChange {
    pub fn field(&self) -> Field {
        match self {
            FieldChange::Status(_) => Field::Status,
            FieldChange::Severity(_) => Field::Severity,
            FieldChange::Assignee(_) => Field::Assignee,
            FieldChange::Blocker(_) => Field::Blocker,
            FieldChange::Title(_) => Field::Title,
            FieldChange::Project(_) => Field::Project,
            FieldChange::EstimatedHours(_) => Field::EstimatedHours,
            FieldChange::ActualHours(_) => Field::ActualHours,
            FieldChange::Description(_) => Field::Description,
        }
    }

    /// The change as it will be stored (title trimmed, hours normalised…),
    /// or the field rule it breaks. Status and references (assignee,
    /// project) are checked against the database's current row by the edit.
    pub fn normalized(&self) -> Result<FieldChange, FieldError> {
        Ok(match self {
            FieldChange::Title(t) => FieldChange::Title(check_title(t)?),
            FieldChange::Description(d) => {
                FieldChange::Description(check_description(d.as_deref())?)
            }
            FieldChange::EstimatedHours(h) => {
                FieldChange::EstimatedHours(check_hours("estimated hours", *h)?)
            }
            FieldChange::ActualHours(h) => {
                FieldChange::ActualHours(check_hours("actual hours", *h)?)
            }
            other => other.clone(),
        })
    }

    /// The value as text, as `bug_history` and the audit row keep it
    /// (`None` for a cleared field).
    pub fn value_text(&self) -> Option<String> {
        match self {
            FieldChange::Status(s) => Some(s.as_str().to_owned()),
            FieldChange::Severity(s) => Some(s.as_str().to_owned()),
            FieldChange::Assignee(u) | FieldChange::Project(u) => u.map(|u| u.to_string()),
            FieldChange::Blocker(b) => Some(b.to_string()),
            FieldChange::Title(t) => Some(t.clone()),
            FieldChange::EstimatedHours(h) | FieldChange::ActualHours(h) => {
                h.map(|h| h.normalize().to_string())
            }
            FieldChange::Description(d) => d.clone(),
        }
    }
}

/// `changes` with at most one change per field (the last one given wins),
/// in [`Field`] order, each normalised; or the first rule broken.
pub fn normalize_changes(changes: &[FieldChange]) -> Result<Vec<FieldChange>, FieldError> {
    let mut out: Vec<FieldChange> = Vec::with_capacity(changes.len());
    for c in changes {
        let c = c.normalized()?;
        match out.iter_mut().find(|o| o.field() == c.field()) {
            Some(slot) => *slot = c,
            None => out.push(c),
        }
    }
    out.sort_by_key(FieldChange::field);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn changes_are_normalised_deduplicated_and_ordered() {
        let got = normalize_changes(&[
            FieldChange::Title("  Old ".into()),
            FieldChange::Blocker(true),
            FieldChange::EstimatedHours(Some(dec!(2.50))),
            FieldChange::Title(" New ".into()),
            FieldChange::Status(BugStatus::Verified),
        ])
        .unwrap();
        assert_eq!(
            got,
            [
                FieldChange::Status(BugStatus::Verified),
                FieldChange::Blocker(true),
                FieldChange::Title("New".into()),
                FieldChange::EstimatedHours(Some(dec!(2.5))),
            ]
        );
        assert_eq!(
            normalize_changes(&[FieldChange::Title(" ".into())]),
            Err(FieldError::EmptyTitle)
        );
        assert!(matches!(
            normalize_changes(&[FieldChange::ActualHours(Some(dec!(-3)))]),
            Err(FieldError::NegativeHours { .. })
        ));
    }

    #[test]
    fn values_read_as_history_keeps_them() {
        assert_eq!(
            FieldChange::Status(BugStatus::InProgress)
                .value_text()
                .as_deref(),
            Some("in_progress")
        );
        assert_eq!(FieldChange::Assignee(None).value_text(), None);
        assert_eq!(
            FieldChange::ActualHours(Some(dec!(3.50)))
                .value_text()
                .as_deref(),
            Some("3.5")
        );
        assert_eq!(Field::Assignee.column(), "assigned_to");
        assert_eq!(Field::EstimatedHours.label(), "estimated hours");
        for f in Field::ALL {
            assert_eq!(Field::from_column(f.column()), Some(f));
        }
        assert_eq!(Field::from_column("revenue_impact_daily"), None);
    }
}
