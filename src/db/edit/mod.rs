//! The status change: one transaction holding the new status, its
//! `bug_history` row (written by the schema's trigger, with the actor declared
//! here) and an `audit_log` row, guarded by optimistic concurrency on
//! `bugs.version`.
//!
//! Also how the runtime makes a pool whose sessions cannot write at all
//! (`default_transaction_read_only`), so that read-only mode is enforced by the
//! database and not only by hidden keys.

mod conflict;
mod context;
mod failure;
mod read_only;
mod rehearse;

pub(crate) use conflict::{describe_changes, history_change};
pub use context::{EditContext, client_address, user_agent};
pub use read_only::{connect_read_only, is_read_only, read_only_after_connect, read_only_options};
pub use rehearse::{Rehearsal, rehearse_edit};

use crate::app::model::BugRow;
use crate::app::msg::SaveOutcome;
use crate::db::bugs::{ROW_COLUMNS, ROW_FROM, decode_row};
use crate::db::detail::history_limited;
use crate::domain::{BugStatus, check_transition};
use chrono::{DateTime, Utc};
use failure::describe;
use sqlx::{PgConnection, PgPool, Row};

/// Locks the bug's row and, in the same round trip, declares the actor (read
/// by the history trigger) and a lock timeout for this transaction. The
/// `set_config` calls are volatile, so they run as the row is produced, below
/// the step that locks it: the timeout already bounds this lock's own wait
/// (the test `a_held_row_lock_times_out_instead_of_hanging` holds it to that).
fn lock_row_sql() -> String {
    format!(
        "SELECT {ROW_COLUMNS}, set_config('ctodash.actor', $2, true) AS actor, \
         set_config('lock_timeout', '3s', true) AS lock_timeout{ROW_FROM} \
         WHERE b.id = $1 FOR UPDATE OF b"
    )
}

/// The update and its audit row in one statement (one round trip fewer); the
/// triggers add the history row with the declared actor.
const UPDATE_AND_AUDIT: &str = "WITH upd AS ( \
         UPDATE bugs SET status = ($2)::bug_status WHERE id = $1 AND version = $3 \
         RETURNING status::text AS status, version, priority_score, sla_hours), \
     aud AS ( \
         INSERT INTO audit_log \
             (user_id, action, entity_type, entity_id, details, ip_address, user_agent) \
         SELECT $4, 'bug.status_changed', 'bug', $1, \
             jsonb_build_object('bug_number', $5::text, 'from', $6::text, 'to', upd.status, \
                 'version_before', $3::bigint, 'version_after', upd.version), $7, $8 \
         FROM upd) \
     SELECT status, version, priority_score, sla_hours FROM upd";

/// How far a save got when it failed, to say honestly whether anything landed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    BeforeCommit,
    Committing,
}

/// Changes `bug` (as the user saw it) to `to`, in one transaction.
///
/// - `Saved` when written, with the row before and after.
/// - `Conflict` when the bug changed since `bug` was read (its `version`
///   differs): nothing is written, and `changes` says who changed what. To
///   re-apply, call this again with `theirs`.
/// - `Failed` for a move the lifecycle forbids, a read-only session, a lost
///   connection or any other refusal, with one sentence fit for the footer.
///
/// Never returns `Err`: every failure is a `Failed` outcome (the `Result` is
/// kept so callers can use `?` uniformly with the other database calls).
pub async fn change_status(
    pool: &PgPool,
    ctx: &EditContext,
    bug: &BugRow,
    to: BugStatus,
) -> Result<SaveOutcome, sqlx::Error> {
    let mut phase = Phase::BeforeCommit;
    match try_change_status(pool, ctx, bug, to, &mut phase).await {
        Ok(outcome) => Ok(outcome),
        Err(e) => {
            tracing::warn!(bug = %bug.number, error = %e, "status change failed");
            Ok(SaveOutcome::Failed {
                bug: bug.number.clone(),
                error: describe(&e, ctx, phase),
            })
        }
    }
}

async fn try_change_status(
    pool: &PgPool,
    ctx: &EditContext,
    bug: &BugRow,
    to: BugStatus,
    phase: &mut Phase,
) -> sqlx::Result<SaveOutcome> {
    let mut tx = pool.begin().await?;
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(lock_row_sql()))
        .bind(bug.id)
        .bind(ctx.me.id.to_string())
        .fetch_optional(&mut *tx)
        .await?
    else {
        tx.rollback().await.ok();
        return Ok(SaveOutcome::Failed {
            bug: bug.number.clone(),
            error: format!(
                "{} no longer exists (it was deleted): nothing was written",
                bug.number
            ),
        });
    };
    let fresh = decode_row(&row)?;

    if fresh.version != bug.version {
        let changes = conflict_changes(&mut tx, bug, &fresh, Utc::now()).await?;
        tx.rollback().await.ok();
        return Ok(SaveOutcome::Conflict {
            wanted: to,
            mine: bug.clone(),
            theirs: fresh,
            changes,
        });
    }
    if let Err(e) = check_transition(fresh.status, to) {
        tx.rollback().await.ok();
        return Ok(SaveOutcome::Failed {
            bug: bug.number.clone(),
            error: format!("{e}: nothing was written"),
        });
    }

    let Some(updated) = sqlx::query(UPDATE_AND_AUDIT)
        .bind(fresh.id)
        .bind(to.as_str())
        .bind(fresh.version)
        .bind(ctx.me.id)
        .bind(&fresh.number)
        .bind(fresh.status.as_str())
        .bind(&ctx.client_addr)
        .bind(&ctx.user_agent)
        .fetch_optional(&mut *tx)
        .await?
    else {
        // Cannot happen while we hold the row lock; say so rather than guess.
        tx.rollback().await.ok();
        return Ok(SaveOutcome::Failed {
            bug: bug.number.clone(),
            error: format!(
                "{} changed while saving: nothing was written, try again",
                bug.number
            ),
        });
    };
    let status: String = updated.try_get("status")?;
    let after = BugRow {
        status: status
            .parse()
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        version: updated.try_get("version")?,
        priority: updated.try_get("priority_score")?,
        sla_hours: updated.try_get("sla_hours")?,
        ..fresh.clone()
    };

    *phase = Phase::Committing;
    tx.commit().await?;
    Ok(SaveOutcome::Saved {
        before: fresh,
        after,
    })
}

/// Human lines saying what differs between the row the user saw and the row
/// in the database, attributed from the bug's recent history, e.g.
/// "status: in_progress → verified by Grace Hopper 2m ago".
async fn conflict_changes(
    conn: &mut PgConnection,
    mine: &BugRow,
    theirs: &BugRow,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<String>> {
    let recent = history_limited(conn, theirs.id, Some(20)).await?;
    Ok(describe_changes(mine, theirs, &recent, now))
}
