//! Every edit of a bug goes through ONE audited change, [`apply_changes`]:
//! a set of field changes ([`FieldChange`]) for one or many bugs, each
//! checked against the version its user saw, written in one transaction
//! (all or nothing) with its `bug_history` rows (the schema's triggers, with
//! the actor declared here) and one `audit_log` row per bug.
//!
//! # The API (stable; the dashboard and the CLI build on it)
//!
//! - [`apply_changes`]`(pool, ctx, &[BugEdit]) -> ChangeOutcome`: a
//!   [`BugEdit`] is the row the user saw plus the changes for it;
//!   [`BugEdit::same_for`] makes a bulk edit of marked bugs. The outcome is
//!   [`ChangeOutcome::Applied`] (every bug's row before and after, and the
//!   [`Undo`] that reverts it), [`ChangeOutcome::Refused`] (nothing written;
//!   per refused bug its [`RefusalReason`]: a conflict naming who changed
//!   what and when, a lifecycle move not allowed, a field rule broken, a
//!   deleted bug) or [`ChangeOutcome::Failed`] (nothing written: read-only
//!   session, missing privilege, lost connection…, one sentence).
//!   [`without_refused`] gives the edits of the others, to apply them alone.
//! - [`revert`]`(pool, ctx, &Undo) -> ChangeOutcome`: the inverse as a new
//!   audited change (`bug.reverted`), only if nobody changed those bugs since
//!   (else the same conflict refusals). An applied revert carries its own
//!   undo (a redo).
//! - [`change_status`]: the status edit as it always answered
//!   ([`SaveOutcome`]), a caller of [`apply_changes`].
//! - [`create_bug`] and [`add_comment`]: a new bug (number from the
//!   allocator, creator, audit row) and a comment (audited, pushed live).
//!
//! Field rules live in `domain::fields`, the status rule in
//! `domain::lifecycle`. Every write goes through the pool it is given, so a
//! read-only session refuses it in the database (SQLSTATE 25006 → `Failed`).
//!
//! Also how the runtime makes a pool whose sessions cannot write at all
//! (`default_transaction_read_only`), so that read-only mode is enforced by the
//! database and not only by hidden keys.

mod comment;
mod conflict;
mod context;
mod create;
mod failure;
mod locked;
mod outcome;
mod read_only;
mod rehearse;
mod write;

pub use comment::{CommentOutcome, add_comment};
pub(crate) use conflict::{describe_changes, history_change};
pub use context::{EditContext, client_address, user_agent};
pub use create::{CreateOutcome, NewBug, create_bug};
pub use outcome::{
    Applied, AppliedBug, BugEdit, ChangeOutcome, Refusal, RefusalReason, Undo, without_refused,
};
pub use read_only::{connect_read_only, is_read_only, read_only_after_connect, read_only_options};
pub use rehearse::{Rehearsal, rehearse_edit};

pub use crate::domain::{Field, FieldChange, FieldError};

use crate::app::model::BugRow;
use crate::app::msg::SaveOutcome;
use crate::domain::BugStatus;
use failure::describe;
use sqlx::PgPool;
use write::{Actor, Rules, write};

/// How far a save got when it failed, to say honestly whether anything landed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    BeforeCommit,
    Committing,
}

/// Applies `edits` as one audited change: all of them or none.
///
/// Never returns `Err`: every failure is a [`ChangeOutcome::Failed`] (the
/// `Result` is kept so callers can use `?` uniformly with the other database
/// calls).
pub async fn apply_changes(
    pool: &PgPool,
    ctx: &EditContext,
    edits: &[BugEdit],
) -> Result<ChangeOutcome, sqlx::Error> {
    run(pool, ctx, edits, Rules::People).await
}

/// Reverts an applied change (its [`Applied::undo`]) as a new audited change,
/// if none of its bugs changed since; the old values are restored exactly,
/// even a status the lifecycle would not move to (undoing verified → shipped
/// returns the bug to verified). Assignees and projects must still exist.
pub async fn revert(
    pool: &PgPool,
    ctx: &EditContext,
    undo: &Undo,
) -> Result<ChangeOutcome, sqlx::Error> {
    run(pool, ctx, &undo.edits, Rules::Revert).await
}

async fn run(
    pool: &PgPool,
    ctx: &EditContext,
    edits: &[BugEdit],
    rules: Rules,
) -> Result<ChangeOutcome, sqlx::Error> {
    if edits.is_empty() {
        return Ok(ChangeOutcome::Failed {
            error: "no bug to change was given: nothing was written".to_owned(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = edits.iter().find(|e| !seen.insert(e.seen.id)) {
        return Ok(ChangeOutcome::Failed {
            error: format!(
                "{} is listed twice: give each bug once; nothing was written",
                twice.seen.number
            ),
        });
    }
    let mut phase = Phase::BeforeCommit;
    match try_run(pool, ctx, edits, rules, &mut phase).await {
        Ok(outcome) => Ok(outcome),
        Err(e) => {
            tracing::warn!(bugs = edits.len(), error = %e, "change failed");
            Ok(ChangeOutcome::Failed {
                error: describe(&e, ctx, phase),
            })
        }
    }
}

async fn try_run(
    pool: &PgPool,
    ctx: &EditContext,
    edits: &[BugEdit],
    rules: Rules,
    phase: &mut Phase,
) -> sqlx::Result<ChangeOutcome> {
    let mut tx = pool.begin().await?;
    let actor = Actor {
        id: Some(ctx.me.id),
        client_addr: &ctx.client_addr,
        user_agent: &ctx.user_agent,
    };
    match write(&mut tx, &actor, edits, rules).await? {
        Err(refusals) => {
            tx.rollback().await.ok();
            Ok(ChangeOutcome::Refused(refusals))
        }
        Ok(applied) => {
            *phase = Phase::Committing;
            tx.commit().await?;
            Ok(ChangeOutcome::Applied(applied))
        }
    }
}

/// Changes `bug` (as the user saw it) to `to`: [`apply_changes`] with one
/// status change, answered as the dashboard's status edit expects.
///
/// - `Saved` when written, with the row before and after.
/// - `Conflict` when the bug changed since `bug` was read (its `version`
///   differs): nothing is written, and `changes` says who changed what. To
///   re-apply, call this again with `theirs`.
/// - `Failed` for a move the lifecycle forbids, a read-only session, a lost
///   connection or any other refusal, with one sentence fit for the footer.
pub async fn change_status(
    pool: &PgPool,
    ctx: &EditContext,
    bug: &BugRow,
    to: BugStatus,
) -> Result<SaveOutcome, sqlx::Error> {
    let edit = BugEdit::new(bug.clone(), vec![FieldChange::Status(to)]);
    let outcome = apply_changes(pool, ctx, &[edit]).await?;
    let failed = |error: String| SaveOutcome::Failed {
        bug: bug.number.clone(),
        error,
    };
    Ok(match outcome {
        ChangeOutcome::Applied(mut a) => {
            let b = a.bugs.remove(0);
            SaveOutcome::Saved {
                before: b.before,
                after: b.after,
            }
        }
        ChangeOutcome::Refused(mut r) => match r.remove(0).reason {
            RefusalReason::Conflict {
                mine,
                theirs,
                changes,
            } => SaveOutcome::Conflict {
                wanted: to,
                mine: *mine,
                theirs: *theirs,
                changes,
            },
            RefusalReason::Gone => failed(format!(
                "{} no longer exists (it was deleted): nothing was written",
                bug.number
            )),
            other => failed(format!("{other}: nothing was written")),
        },
        ChangeOutcome::Failed { error } => failed(error),
    })
}
