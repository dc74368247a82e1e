//! The status change: one transaction holding the new status, its
//! `bug_history` row (written by the schema's trigger, with the actor declared
//! here) and an `audit_log` row, guarded by optimistic concurrency on
//! `bugs.version`.
//!
//! Also how the runtime makes a pool whose sessions cannot write at all
//! (`default_transaction_read_only`), so that read-only mode is enforced by the
//! database and not only by hidden keys.

use crate::app::model::{BugRow, HistoryEntry, Me};
use crate::app::msg::SaveOutcome;
use crate::db::bugs::{ROW_COLUMNS, ROW_FROM, decode_row};
use crate::db::detail::history_limited;
use crate::db::discover::Discovered;
use crate::domain::{BugStatus, check_transition, format_duration_short};
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use sqlx::pool::PoolConnectionMetadata;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Row};
use std::time::Duration;

/// Who is editing, from where, with what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditContext {
    pub me: Me,
    /// SSH client address, or "host:<hostname>" for a local session.
    pub client_addr: String,
    /// "ctodash/<version>".
    pub user_agent: String,
}

impl EditContext {
    /// Context for this process: its SSH client (or host) and program version.
    pub fn new(me: Me) -> Self {
        EditContext {
            me,
            client_addr: client_address(),
            user_agent: user_agent(),
        }
    }
}

/// "ctodash/0.1.0".
pub fn user_agent() -> String {
    format!("ctodash/{}", env!("CARGO_PKG_VERSION"))
}

/// The SSH client's address (first field of `SSH_CLIENT`, else of
/// `SSH_CONNECTION`), else "host:<hostname>".
pub fn client_address() -> String {
    client_address_from(
        std::env::var("SSH_CLIENT").ok().as_deref(),
        std::env::var("SSH_CONNECTION").ok().as_deref(),
        hostname,
    )
}

fn hostname() -> Option<String> {
    whoami::hostname()
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
}

fn client_address_from(
    ssh_client: Option<&str>,
    ssh_connection: Option<&str>,
    host: impl FnOnce() -> Option<String>,
) -> String {
    let first = |v: Option<&str>| {
        v.and_then(|s| s.split_whitespace().next())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    first(ssh_client)
        .or_else(|| first(ssh_connection))
        .unwrap_or_else(|| format!("host:{}", host().unwrap_or_else(|| "unknown".to_owned())))
}

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

fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "{} ago",
        format_duration_short((now - at).max(chrono::TimeDelta::zero()))
    )
}

fn by(h: &HistoryEntry, now: DateTime<Utc>) -> String {
    format!(
        " by {} {}",
        h.who.as_deref().unwrap_or("someone"),
        ago(h.at, now)
    )
}

/// Pure part of [`conflict_changes`], for unit tests.
pub(crate) fn describe_changes(
    mine: &BugRow,
    theirs: &BugRow,
    recent: &[HistoryEntry],
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut used = vec![false; recent.len()];
    let mut attribute = |field: &str, new: Option<&str>| -> String {
        match recent
            .iter()
            .position(|h| h.field == field && h.new.as_deref() == new)
        {
            Some(i) => {
                used[i] = true;
                by(&recent[i], now)
            }
            None => String::new(),
        }
    };
    let mut lines = Vec::new();
    if mine.status != theirs.status {
        let who = attribute("status", Some(theirs.status.as_str()));
        lines.push(format!("status: {} → {}{who}", mine.status, theirs.status));
    }
    if mine.severity != theirs.severity {
        let who = attribute("severity", Some(theirs.severity.as_str()));
        lines.push(format!(
            "severity: {} → {}{who}",
            mine.severity, theirs.severity
        ));
    }
    if mine.assignee != theirs.assignee {
        let who = attribute("assigned_to", theirs.assignee.as_deref());
        let name = |a: &Option<String>| a.clone().unwrap_or_else(|| "nobody".to_owned());
        lines.push(format!(
            "assignee: {} → {}{who}",
            name(&mine.assignee),
            name(&theirs.assignee)
        ));
    }
    if mine.title != theirs.title {
        lines.push(format!("title: “{}” → “{}”", mine.title, theirs.title));
    }
    if mine.is_blocker != theirs.is_blocker {
        let yn = |b: bool| if b { "yes" } else { "no" };
        lines.push(format!(
            "blocker: {} → {}",
            yn(mine.is_blocker),
            yn(theirs.is_blocker)
        ));
    }
    if mine.project != theirs.project {
        let name = |p: &Option<String>| p.clone().unwrap_or_else(|| "none".to_owned());
        lines.push(format!(
            "project: {} → {}",
            name(&mine.project),
            name(&theirs.project)
        ));
    }
    if mine.priority != theirs.priority {
        lines.push(format!("priority: {} → {}", mine.priority, theirs.priority));
    }
    // History the field differences do not show (e.g. a change and its undo):
    // at most one entry per write since the user's copy, newest first.
    let writes = usize::try_from(theirs.version - mine.version)
        .unwrap_or(0)
        .min(3);
    for (h, _) in recent.iter().zip(&used).filter(|(_, u)| !**u).take(writes) {
        if lines.len() >= 6 {
            break;
        }
        let old = h.old.as_deref().unwrap_or("none");
        let new = h.new.as_deref().unwrap_or("none");
        let field = if h.field == "assigned_to" {
            "assignee"
        } else {
            h.field.as_str()
        };
        lines.push(format!("{field}: {old} → {new}{}", by(h, now)));
    }
    if lines.is_empty() {
        lines.push(format!(
            "{} was saved by someone else since you loaded it (version {} → {})",
            theirs.number, mine.version, theirs.version
        ));
    }
    lines
}

/// One sentence for the footer, honest about whether anything was written.
fn describe(e: &sqlx::Error, ctx: &EditContext, phase: Phase) -> String {
    let lost_connection = match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // 08: connection exceptions; 57P01-57P03: server shutting down.
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
        }
        _ => false,
    };
    if lost_connection {
        return match phase {
            Phase::BeforeCommit => {
                "lost the connection to the database: nothing was written".to_owned()
            }
            Phase::Committing => "lost the connection to the database while committing: the \
                 change may or may not have been saved, so refresh before trying again"
                .to_owned(),
        };
    }
    if let sqlx::Error::Database(db) = e {
        let code = db.code().unwrap_or_default();
        return match code.as_ref() {
            "25006" => "this session is read-only: nothing was written".to_owned(),
            "55P03" | "57014" => "the bug is being changed by another session right now: \
                 nothing was written, try again in a moment"
                .to_owned(),
            "40001" | "40P01" => "the database cancelled the change because of a concurrent \
                 edit: nothing was written, try again"
                .to_owned(),
            "23503"
                if db
                    .constraint()
                    .is_some_and(|c| c.contains("changed_by") || c.contains("user_id")) =>
            {
                format!(
                    "your user {} ({}) is not in this database's users: nothing was written",
                    ctx.me.email, ctx.me.id
                )
            }
            _ => format!(
                "the database refused the change ({}): nothing was written",
                db.message()
            ),
        };
    }
    format!("the change failed ({e}): nothing was written")
}

/// `options` for sessions in which every transaction is read-only: writes fail
/// with SQLSTATE 25006 whatever the program tries.
pub fn read_only_options(options: PgConnectOptions) -> PgConnectOptions {
    options.options([("default_transaction_read_only", "on")])
}

/// A pool like `db::connect`'s whose sessions cannot write (see
/// [`read_only_options`]); for `--read-only` and for sessions without a user.
pub async fn connect_read_only(found: &Discovered, max_connections: u32) -> sqlx::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(read_only_after_connect)
        .connect_with(read_only_options(found.options.clone()))
        .await
}

/// For `PgPoolOptions::after_connect`: makes the session read-only. Redundant
/// with [`read_only_options`], and useful where startup options cannot be
/// passed (e.g. some connection poolers).
pub fn read_only_after_connect(
    conn: &mut PgConnection,
    _meta: PoolConnectionMetadata,
) -> BoxFuture<'_, sqlx::Result<()>> {
    Box::pin(async move {
        sqlx::query("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            .execute(conn)
            .await?;
        Ok(())
    })
}

/// Whether sessions of `pool` are read-only (what the header shows).
pub async fn is_read_only(pool: &PgPool) -> sqlx::Result<bool> {
    let v: String = sqlx::query_scalar("SELECT current_setting('default_transaction_read_only')")
        .fetch_one(pool)
        .await?;
    Ok(v == "on")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Severity;
    use chrono::{TimeDelta, TimeZone};
    use uuid::Uuid;

    #[test]
    fn client_address_prefers_ssh() {
        let host = || Some("box".to_owned());
        assert_eq!(
            client_address_from(
                Some("203.0.113.9 50022 22"),
                Some("10.0.0.1 1 10.0.0.2 22"),
                host
            ),
            "203.0.113.9"
        );
        assert_eq!(
            client_address_from(None, Some("10.0.0.1 1 10.0.0.2 22"), host),
            "10.0.0.1"
        );
        assert_eq!(client_address_from(Some(""), None, host), "host:box");
        assert_eq!(client_address_from(None, None, || None), "host:unknown");
        assert!(user_agent().starts_with("ctodash/"));
    }

    fn row() -> BugRow {
        BugRow {
            id: Uuid::nil(),
            number: "BUG-1001".into(),
            severity: Severity::High,
            status: BugStatus::InProgress,
            title: "Login hangs".into(),
            assignee: Some("Ada Lovelace".into()),
            project: Some("Nova Pay".into()),
            created_at: Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap(),
            sla_hours: 24,
            priority: 40,
            is_blocker: false,
            version: 2,
        }
    }

    #[test]
    fn conflict_lines_name_the_author() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let mine = row();
        let theirs = BugRow {
            status: BugStatus::Verified,
            version: 4,
            ..row()
        };
        let recent = vec![
            HistoryEntry {
                at: now - TimeDelta::minutes(2),
                who: Some("Grace Hopper".into()),
                field: "status".into(),
                old: Some("in_progress".into()),
                new: Some("verified".into()),
            },
            HistoryEntry {
                at: now - TimeDelta::minutes(3),
                who: None,
                field: "severity".into(),
                old: Some("critical".into()),
                new: Some("high".into()),
            },
        ];
        let lines = describe_changes(&mine, &theirs, &recent, now);
        assert_eq!(
            lines[0],
            "status: in_progress → verified by Grace Hopper 2m ago"
        );
        assert_eq!(lines[1], "severity: critical → high by someone 3m ago");
        assert_eq!(lines.len(), 2);
        let same = describe_changes(
            &mine,
            &BugRow {
                version: 3,
                ..row()
            },
            &[],
            now,
        );
        assert_eq!(
            same,
            ["BUG-1001 was saved by someone else since you loaded it (version 2 → 3)"]
        );
    }
}
