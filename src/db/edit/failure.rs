//! The footer sentence for a failed save: lost connection, lock wait, read-only session, …

use super::{EditContext, Phase};

/// One sentence for the footer, honest about whether anything was written.
pub(super) fn describe(e: &sqlx::Error, ctx: &EditContext, phase: Phase) -> String {
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
            "42501" => format!(
                "your database role may not make this change ({}): nothing was written; \
                 `ctodash doctor` names the missing GRANT",
                db.message()
            ),
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
