//! A save rehearsed for `ctodash doctor`: the real edit (row lock, status
//! update, audit row, and every trigger behind them) inside a transaction
//! that is rolled back, so every privilege a save needs is exercised and
//! nothing is kept or notified (NOTIFY of a rolled-back transaction is never
//! delivered).

use super::write::{Actor, Rules, write};
use super::{BugEdit, FieldChange};
use crate::db::bugs::{ROW_COLUMNS, ROW_FROM, decode_row};
use crate::domain::BugStatus;
use sqlx::PgPool;
use uuid::Uuid;

/// How a rehearsed save went.
#[derive(Debug)]
pub enum Rehearsal {
    /// It would have been saved (it was rolled back).
    Saved {
        bug: String,
        from: String,
        to: String,
    },
    /// There is no bug to edit, and the role may not add a throw-away one.
    NoBugs,
    /// The database refused it; nothing was kept.
    Refused(sqlx::Error),
}

/// Rehearses a status change on some bug, as `actor` (None: unknown user),
/// moving it between open and resolved so the history, summary and
/// resolution triggers all write. With no bugs at all, a throw-away bug is
/// added first when the role may insert one (an owner), else `NoBugs`.
pub async fn rehearse_edit(pool: &PgPool, actor: Option<Uuid>) -> sqlx::Result<Rehearsal> {
    let mut tx = pool.begin().await?;
    let outcome = attempt(&mut tx, actor).await;
    tx.rollback().await.ok();
    match outcome {
        Ok(r) => Ok(r),
        Err(e @ sqlx::Error::Database(_)) => Ok(Rehearsal::Refused(e)),
        Err(e) => Err(e),
    }
}

async fn attempt(conn: &mut sqlx::PgConnection, actor: Option<Uuid>) -> sqlx::Result<Rehearsal> {
    let mut id: Option<Uuid> = sqlx::query_scalar("SELECT id FROM bugs LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    if id.is_none() {
        let may_insert: bool = sqlx::query_scalar("SELECT has_table_privilege('bugs', 'INSERT')")
            .fetch_one(&mut *conn)
            .await?;
        if !may_insert {
            return Ok(Rehearsal::NoBugs);
        }
        id = sqlx::query_scalar(
            "INSERT INTO bugs (bug_number, title, severity) \
             VALUES ('BUG-999999999', 'ctodash doctor: rehearsal, rolled back', 'low') \
             RETURNING id",
        )
        .fetch_optional(&mut *conn)
        .await?;
    }
    let Some(id) = id else {
        return Ok(Rehearsal::NoBugs);
    };
    let sql = format!("SELECT {ROW_COLUMNS}{ROW_FROM} WHERE b.id = $1");
    let seen = decode_row(
        &sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(&mut *conn)
            .await?,
    )?;
    let to = if seen.status.is_resolved() {
        BugStatus::Pending
    } else {
        BugStatus::Closed
    };
    let actor = Actor {
        id: actor,
        client_addr: "doctor",
        user_agent: &super::user_agent(),
    };
    let edit = BugEdit::new(seen.clone(), vec![FieldChange::Status(to)]);
    if let Err(refused) = write(conn, &actor, &[edit], Rules::Rehearsal).await? {
        // Cannot happen: the row was read in this very transaction.
        let why: Vec<String> = refused.iter().map(ToString::to_string).collect();
        return Err(sqlx::Error::Protocol(why.join("; ")));
    }
    Ok(Rehearsal::Saved {
        bug: seen.number,
        from: seen.status.as_str().to_owned(),
        to: to.as_str().to_owned(),
    })
}
