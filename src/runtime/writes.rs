//! The dashboard's writes besides the status dialog: one generic audited
//! change (single or bulk, or an undo), a new bug, a comment. Each runs on
//! its own task within the client's wait, on the primary when reads come
//! from a replica, and answers with one message.

use super::worker::{Worker, down, is_connection_error, no_answer, spawn_guarded};
use crate::app::SaveOutcome;
use crate::app::change::{ChangeRequest, Purpose};
use crate::app::{Command, Msg};
use crate::db;
use crate::db::edit::{ChangeOutcome, CommentOutcome, CreateOutcome, EditContext, Undo};
use sqlx::PgPool;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

pub fn run(worker: &mut Worker, cmd: Command) {
    let tx = worker.tx.clone();
    let Some(ctx) = worker.edit.clone() else {
        let _ = tx.send(refused(
            cmd,
            "this session is read-only: nothing was written".into(),
        ));
        return;
    };
    // Writes go to the primary when reads come from a replica.
    let pool = worker.writes.clone().unwrap_or_else(|| worker.pool.clone());
    let wait = worker.wait;
    let fail_tx = tx.clone();
    spawn_guarded(tx.clone(), "save", async move {
        let write = async {
            Ok::<Msg, sqlx::Error>(match &cmd {
                Command::Apply(req) => Msg::Applied {
                    request: req.id,
                    outcome: apply(&pool, &ctx, req).await?,
                },
                Command::CreateBug(new) => {
                    Msg::Created(match db::edit::create_bug(&pool, &ctx, new).await? {
                        CreateOutcome::Created(row) => Ok(row),
                        CreateOutcome::Refused(e) => Err(format!("{e}: nothing was written")),
                        CreateOutcome::Failed { error } => Err(error),
                    })
                }
                Command::AddComment { bug, body } => Msg::Commented {
                    bug: bug.number.clone(),
                    result: match db::edit::add_comment(&pool, &ctx, bug.id, body).await? {
                        CommentOutcome::Added(_) => Ok(()),
                        CommentOutcome::Refused(reason) => {
                            Err(format!("{reason}: nothing was written"))
                        }
                        CommentOutcome::Failed { error } => Err(error),
                    },
                },
                _ => return Err(sqlx::Error::Protocol("not a write".into())),
            })
        };
        let msg = match tokio::time::timeout(wait, write).await {
            Ok(Ok(msg)) => msg,
            Err(_) => {
                let error = no_answer(wait);
                let _ = fail_tx.send(Msg::ConnectionDown {
                    error: error.clone(),
                });
                refused(
                    cmd,
                    format!(
                        "not confirmed: {error}; it may or may not have been saved — check once \
                         the database answers"
                    ),
                )
            }
            Ok(Err(e)) => {
                if is_connection_error(&e) {
                    let _ = fail_tx.send(down(&e));
                }
                refused(cmd, format!("not saved: {e}"))
            }
        };
        send(&tx, msg);
    });
}

async fn apply(
    pool: &sqlx::PgPool,
    ctx: &db::edit::EditContext,
    req: &ChangeRequest,
) -> sqlx::Result<ChangeOutcome> {
    match req.purpose {
        Purpose::Edit => db::edit::apply_changes(pool, ctx, &req.edits).await,
        Purpose::Undo => {
            let undo = Undo {
                edits: req.edits.clone(),
            };
            db::edit::revert(pool, ctx, &undo).await
        }
    }
}

fn send(tx: &UnboundedSender<Msg>, msg: Msg) {
    let _ = tx.send(msg);
}

/// The answer for a write that did not happen, saying why.
fn refused(cmd: Command, error: String) -> Msg {
    match cmd {
        Command::Apply(req) => Msg::Applied {
            request: req.id,
            outcome: ChangeOutcome::Failed { error },
        },
        Command::CreateBug(_) => Msg::Created(Err(error)),
        Command::AddComment { bug, .. } => Msg::Commented {
            bug: bug.number,
            result: Err(error),
        },
        _ => Msg::Notice(error),
    }
}

/// How long a save made on the primary waits for the replica to replay it
/// before reporting back, so the reload that follows shows it.
pub const READ_YOUR_WRITES: Duration = Duration::from_secs(2);

/// A save when reads come from a replica: written (with its version check)
/// on the primary, then waited for on the replica (at most
/// [`READ_YOUR_WRITES`]; the row is patched on screen either way).
pub(super) async fn save_via_primary(
    primary: &PgPool,
    replica: &PgPool,
    ctx: &EditContext,
    bug: &crate::app::model::BugRow,
    to: crate::domain::BugStatus,
) -> sqlx::Result<SaveOutcome> {
    let outcome = db::edit::change_status(primary, ctx, bug, to).await?;
    if matches!(outcome, SaveOutcome::Saved { .. }) {
        let lsn = {
            let mut conn = primary.acquire().await?;
            db::replica::primary_lsn_after_commit(&mut conn).await
        };
        match lsn {
            Ok(lsn) => {
                let mut conn = replica.acquire().await?;
                let caught_up =
                    db::replica::wait_for_replay(&mut conn, lsn, READ_YOUR_WRITES).await?;
                if !caught_up {
                    tracing::info!("the replica has not replayed the save yet; it shows soon");
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not read the primary's WAL position"),
        }
    }
    Ok(outcome)
}
