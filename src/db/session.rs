//! Read-only sessions: what they refuse and how the refusal reads.
//!
//! `--read-only` (or `read_only = true`) is enforced by the session, not by
//! each command: discovery hands out connection options with
//! `default_transaction_read_only = on` (see `discover`), so every pool and
//! connection a command makes refuses writes with SQLSTATE 25006, whatever the
//! command tries. Commands that write also check early, before connecting, so
//! the refusal names what was refused; [`read_only_refusal`] turns the
//! database's own refusal into the same paragraph for anything they miss.
//!
//! Read-only guards against mistakes; it is not a security boundary (anyone
//! with the same credentials can write with psql). `ctodash grants` prints the
//! roles that are.

use crate::config::Config;

/// SQLSTATE `read_only_sql_transaction`.
pub const READ_ONLY_SQLSTATE: &str = "25006";

/// A write refused because the session is read-only. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "refusing to {action}: this session is read-only (--read-only, or read_only = true in the \
     config file), so nothing was written. {fix}"
)]
pub struct ReadOnlyRefusal {
    pub action: String,
    pub fix: String,
}

impl ReadOnlyRefusal {
    /// The refusal of a command that writes: `command` is how to run it
    /// without read-only, e.g. "ctodash seed".
    pub fn command(action: &str, command: &str) -> Self {
        ReadOnlyRefusal {
            action: action.to_owned(),
            fix: format!(
                "Run `{command}` without --read-only (and without read_only = true in the \
                 config file) to {action}"
            ),
        }
    }

    /// A write the database itself turned down (SQLSTATE 25006).
    pub fn database() -> Self {
        ReadOnlyRefusal {
            action: "write to the database".to_owned(),
            fix: "Run the command without --read-only (and without read_only = true in the \
                  config file) to make changes"
                .to_owned(),
        }
    }
}

/// Refuses, before anything is opened, a command that writes.
pub fn refuse_writes(cfg: &Config, action: &str, command: &str) -> Result<(), ReadOnlyRefusal> {
    if cfg.read_only {
        return Err(ReadOnlyRefusal::command(action, command));
    }
    Ok(())
}

/// Whether the database refused `e` because the transaction is read-only.
pub fn is_read_only_error(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some(READ_ONLY_SQLSTATE))
}

/// The refusal behind an error, wherever in its chain of causes it is: a
/// command's own early refusal, or the database's 25006.
pub fn read_only_refusal(e: &(dyn std::error::Error + 'static)) -> Option<ReadOnlyRefusal> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(r) = c.downcast_ref::<ReadOnlyRefusal>() {
            return Some(r.clone());
        }
        if c.downcast_ref::<sqlx::Error>()
            .is_some_and(is_read_only_error)
        {
            return Some(ReadOnlyRefusal::database());
        }
        cause = c.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_as_one_paragraph() {
        let r = ReadOnlyRefusal::command("seed demo data", "ctodash seed");
        let text = r.to_string();
        assert!(text.starts_with("refusing to seed demo data: this session is read-only"));
        assert!(text.contains("nothing was written"), "{text}");
        assert!(
            text.contains("Run `ctodash seed` without --read-only"),
            "{text}"
        );
        assert!(!text.contains('\n'));
        let wrapped = color_eyre::eyre::Report::new(r.clone()).wrap_err("outer");
        assert_eq!(read_only_refusal(wrapped.as_ref()), Some(r));
        let other = std::io::Error::other("disk full");
        assert_eq!(read_only_refusal(&other), None);
    }
}
