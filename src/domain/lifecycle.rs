//! The bug status lifecycle: the one place that says which moves are allowed,
//! and to which writers the rule applies.
//!
//! **People's edits** follow it: the dashboard offers only
//! `allowed_transitions`, and every edit (the dashboard's, `bugs set-status`,
//! `bugs set`: all through `db::edit::apply_changes`) goes through
//! `check_transition`, so the two can never disagree. An undo (`db::edit::revert`)
//! restores the status a bug had before, even where no forward move leads.
//!
//! **Imports do not** (`import csv --kind bugs`): they copy each bug's status as
//! the file says (a bug the old system closed is closed here, whatever it was),
//! because a migration records what already happened elsewhere rather than
//! making a move. What they keep is the rest of the contract: each changed
//! field still gets its `bug_history` row (the schema's trigger), each changed
//! bug an `audit_log` row naming the import, and a file
//! carrying versions never overwrites a bug edited since the export unless told
//! to (`--overwrite`). See `commands::import` and `db::import`.

use crate::domain::enums::BugStatus;

/// A status change the lifecycle does not permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the bug is already {0}; pick a different status")]
    Unchanged(BugStatus),
    #[error(
        "cannot move a bug from {from} to {to}: allowed from {from} are {}",
        join(allowed_transitions(*.from))
    )]
    NotAllowed { from: BugStatus, to: BugStatus },
}

fn join(statuses: &[BugStatus]) -> String {
    statuses
        .iter()
        .map(BugStatus::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a bug in `from` may go next, most common move first (the UI lists
/// them in this order).
pub const fn allowed_transitions(from: BugStatus) -> &'static [BugStatus] {
    use BugStatus::*;
    match from {
        // Closing straight from pending covers "won't fix" and duplicates.
        Pending => &[InProgress, Deferred, Closed],
        InProgress => &[Verified, Pending, Deferred],
        // Back to in_progress when verification fails.
        Verified => &[Shipped, InProgress, Deferred],
        // Shipped and closed bugs can be reopened when the fix did not hold.
        Shipped => &[Closed, InProgress],
        Closed => &[InProgress, Pending],
        Deferred => &[Pending, InProgress],
    }
}

/// Whether `from → to` is an allowed move (never true for `from == to`).
pub fn can_transition(from: BugStatus, to: BugStatus) -> bool {
    allowed_transitions(from).contains(&to)
}

/// # Errors
/// `Unchanged` when `from == to`, `NotAllowed` for a move the lifecycle forbids;
/// both messages are fit to show the user as they are.
pub fn check_transition(from: BugStatus, to: BugStatus) -> Result<(), TransitionError> {
    if from == to {
        Err(TransitionError::Unchanged(from))
    } else if can_transition(from, to) {
        Ok(())
    } else {
        Err(TransitionError::NotAllowed { from, to })
    }
}

/// A resolved bug becoming open again; `resolved_at` must then be cleared.
pub const fn is_reopen(from: BugStatus, to: BugStatus) -> bool {
    from.is_resolved() && to.is_open()
}

#[cfg(test)]
mod tests {
    use super::*;
    use BugStatus::*;

    const ALLOWED: [(BugStatus, BugStatus); 15] = [
        (Pending, InProgress),
        (Pending, Deferred),
        (Pending, Closed),
        (InProgress, Verified),
        (InProgress, Pending),
        (InProgress, Deferred),
        (Verified, Shipped),
        (Verified, InProgress),
        (Verified, Deferred),
        (Shipped, Closed),
        (Shipped, InProgress),
        (Closed, InProgress),
        (Closed, Pending),
        (Deferred, Pending),
        (Deferred, InProgress),
    ];

    #[test]
    fn exactly_the_listed_transitions_are_allowed() {
        for from in BugStatus::ALL {
            for to in BugStatus::ALL {
                let expected = ALLOWED.contains(&(from, to));
                assert_eq!(can_transition(from, to), expected, "{from} -> {to}");
                assert_eq!(
                    check_transition(from, to).is_ok(),
                    expected,
                    "{from} -> {to}"
                );
            }
        }
        let total: usize = BugStatus::ALL
            .iter()
            .map(|s| allowed_transitions(*s).len())
            .sum();
        assert_eq!(total, ALLOWED.len());
    }

    #[test]
    fn every_status_has_a_way_out() {
        for from in BugStatus::ALL {
            assert!(
                !allowed_transitions(from).is_empty(),
                "{from} is a dead end"
            );
            assert!(!allowed_transitions(from).contains(&from), "{from} loops");
        }
    }

    #[test]
    fn disallowed_moves_explain_the_alternatives() {
        let cases = [
            (
                Pending,
                Shipped,
                "cannot move a bug from pending to shipped: allowed from pending are in_progress, deferred, closed",
            ),
            (
                Pending,
                Verified,
                "cannot move a bug from pending to verified: allowed from pending are in_progress, deferred, closed",
            ),
            (
                InProgress,
                Shipped,
                "cannot move a bug from in_progress to shipped: allowed from in_progress are verified, pending, deferred",
            ),
            (
                Deferred,
                Closed,
                "cannot move a bug from deferred to closed: allowed from deferred are pending, in_progress",
            ),
            (
                Closed,
                Shipped,
                "cannot move a bug from closed to shipped: allowed from closed are in_progress, pending",
            ),
            (
                Shipped,
                Verified,
                "cannot move a bug from shipped to verified: allowed from shipped are closed, in_progress",
            ),
            (
                Verified,
                Closed,
                "cannot move a bug from verified to closed: allowed from verified are shipped, in_progress, deferred",
            ),
        ];
        for (from, to, message) in cases {
            let err = check_transition(from, to).unwrap_err();
            assert_eq!(err, TransitionError::NotAllowed { from, to });
            assert_eq!(err.to_string(), message);
        }
    }

    #[test]
    fn same_status_has_its_own_message() {
        for status in BugStatus::ALL {
            assert_eq!(
                check_transition(status, status),
                Err(TransitionError::Unchanged(status))
            );
        }
        assert_eq!(
            check_transition(InProgress, InProgress)
                .unwrap_err()
                .to_string(),
            "the bug is already in_progress; pick a different status"
        );
    }

    #[test]
    fn reopen_is_resolved_to_open() {
        let reopens = [
            (Shipped, InProgress),
            (Closed, InProgress),
            (Closed, Pending),
        ];
        for (from, to) in ALLOWED {
            assert_eq!(
                is_reopen(from, to),
                reopens.contains(&(from, to)),
                "{from} -> {to}"
            );
        }
        // Resolved to resolved is not a reopen.
        assert!(!is_reopen(Shipped, Closed));
        assert!(!is_reopen(Pending, Closed));
    }
}
