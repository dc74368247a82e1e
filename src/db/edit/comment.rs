//! A comment on a bug: the `bug_comments` row and its `audit_log` row in one
//! statement. The table's triggers push it live like any change of the bug
//! (migration 0012). A comment does not change the bug's row or version, so
//! it never conflicts with an edit.

use super::outcome::RefusalReason;
use super::{EditContext, Phase, describe};
use crate::app::model::CommentEntry;
use crate::domain::check_comment;
use sqlx::{PgPool, Row};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub enum CommentOutcome {
    /// Written, with the time the database gave it.
    Added(CommentEntry),
    /// Nothing written: an empty or too long body
    /// ([`RefusalReason::Field`]), or the bug was deleted
    /// ([`RefusalReason::Gone`]).
    Refused(RefusalReason),
    /// Nothing was written (or, with the connection lost, it is unknown); one
    /// sentence.
    Failed { error: String },
}

const INSERT_AND_AUDIT: &str = "WITH b AS (SELECT id, bug_number FROM bugs WHERE id = $1), \
     c AS ( \
         INSERT INTO bug_comments (bug_id, author, body) SELECT b.id, $2, $3 FROM b \
         RETURNING id, bug_id, created_at, body), \
     aud AS ( \
         INSERT INTO audit_log \
             (user_id, action, entity_type, entity_id, details, ip_address, user_agent) \
         SELECT $2, 'bug.commented', 'bug', c.bug_id, \
             jsonb_build_object('bug_number', b.bug_number, 'comment_id', c.id, \
                 'chars', char_length(c.body)), $4, $5 \
         FROM c, b) \
     SELECT c.id, c.created_at, c.body, (SELECT name FROM users WHERE id = $2) AS author FROM c";

/// Adds `body` to the bug `bug` (its id) as `ctx.me`. Never returns `Err`.
pub async fn add_comment(
    pool: &PgPool,
    ctx: &EditContext,
    bug: Uuid,
    body: &str,
) -> Result<CommentOutcome, sqlx::Error> {
    let body = match check_comment(body) {
        Ok(b) => b,
        Err(e) => return Ok(CommentOutcome::Refused(RefusalReason::Field(e))),
    };
    let added = sqlx::query(INSERT_AND_AUDIT)
        .bind(bug)
        .bind(ctx.me.id)
        .bind(&body)
        .bind(&ctx.client_addr)
        .bind(&ctx.user_agent)
        .fetch_optional(pool)
        .await;
    let row = match added {
        Ok(Some(row)) => row,
        Ok(None) => return Ok(CommentOutcome::Refused(RefusalReason::Gone)),
        Err(e) => {
            tracing::warn!(error = %e, "adding a comment failed");
            // One statement, committed as it runs: a lost connection leaves
            // it unknown, as a lost commit does.
            return Ok(CommentOutcome::Failed {
                error: describe(&e, ctx, Phase::Committing),
            });
        }
    };
    Ok(CommentOutcome::Added(CommentEntry {
        id: row.try_get("id")?,
        at: row.try_get("created_at")?,
        author: row.try_get("author")?,
        body: row.try_get("body")?,
    }))
}
