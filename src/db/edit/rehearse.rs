//! A save rehearsed for `ctodash doctor`: the real edit (row lock, status
//! update, audit row, and every trigger behind them) inside a transaction
//! that is rolled back, so every privilege a save needs is exercised and
//! nothing is kept or notified (NOTIFY of a rolled-back transaction is never
//! delivered).

use super::{UPDATE_AND_AUDIT, lock_row_sql};
use sqlx::{PgPool, Row};
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
    let actor_text = actor.map(|a| a.to_string()).unwrap_or_default();
    let row = sqlx::query(sqlx::AssertSqlSafe(lock_row_sql()))
        .bind(id)
        .bind(&actor_text)
        .fetch_one(&mut *conn)
        .await?;
    let number: String = row.try_get("bug_number")?;
    let status: String = row.try_get("status")?;
    let version: i64 = row.try_get("version")?;
    let to = if matches!(status.as_str(), "shipped" | "closed") {
        "pending"
    } else {
        "closed"
    };
    sqlx::query(UPDATE_AND_AUDIT)
        .bind(id)
        .bind(to)
        .bind(version)
        .bind(actor)
        .bind(&number)
        .bind(&status)
        .bind("doctor")
        .bind(super::user_agent())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(Rehearsal::Saved {
        bug: number,
        from: status,
        to: to.to_owned(),
    })
}
