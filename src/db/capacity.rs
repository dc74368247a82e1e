//! A full server is a state, not an outage: PostgreSQL refuses a new
//! connection with SQLSTATE 53300 when all `max_connections` slots (less the
//! ones reserved for superusers) are taken, or when the role's own
//! `CONNECTION LIMIT` is reached. Both are told apart from "unreachable", and
//! both say what to do.

use sqlx::PgConnection;
use std::sync::atomic::{AtomicU32, Ordering};

/// SQLSTATE `too_many_connections`.
pub const TOO_MANY_CONNECTIONS: &str = "53300";

/// Which limit refused the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Full {
    /// The server's `max_connections` (or the non-reserved part of it).
    Server,
    /// The role's `CONNECTION LIMIT`.
    Role { role: String },
}

/// The limit behind a server message with SQLSTATE 53300.
pub fn classify(code: Option<&str>, message: &str) -> Option<Full> {
    if code != Some(TOO_MANY_CONNECTIONS) {
        return None;
    }
    // "too many connections for role \"viewer\""
    let role = message
        .strip_prefix("too many connections for role ")
        .map(|r| r.trim().trim_matches('"').to_string());
    Some(match role {
        Some(role) => Full::Role { role },
        None => Full::Server,
    })
}

/// Whether `e` is the server refusing a connection for want of slots.
pub fn full_of(e: &sqlx::Error) -> Option<Full> {
    let db = e.as_database_error()?;
    classify(db.code().as_deref(), db.message())
}

/// The server's `max_connections` as last seen on a successful connection:
/// a full server cannot be asked.
static LAST_MAX: AtomicU32 = AtomicU32::new(0);

pub fn remember_max(max: u32) {
    LAST_MAX.store(max, Ordering::Relaxed);
}

pub fn remembered_max() -> Option<u32> {
    Some(LAST_MAX.load(Ordering::Relaxed)).filter(|m| *m > 0)
}

/// How many connections the server holds, and how many it allows; also
/// remembers the allowance for when the server is full.
pub async fn usage(conn: &mut PgConnection) -> sqlx::Result<(i64, i64)> {
    let (n, m): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM pg_stat_activity), \
                current_setting('max_connections')::bigint",
    )
    .fetch_one(conn)
    .await?;
    remember_max(u32::try_from(m).unwrap_or(0));
    Ok((n, m))
}

/// The dashboard's words for the state: with the count when a connection
/// still open could ask, else with the allowance remembered from the last
/// successful connection, else without numbers.
pub fn status(full: &Full, usage: Option<(i64, i64)>) -> String {
    match full {
        Full::Role { role } => {
            format!(
                "the role {role} may open no more connections (its connection limit is reached)"
            )
        }
        Full::Server => match (usage, remembered_max()) {
            (Some((n, m)), _) => {
                format!("the database has no free connections ({n} of {m} in use)")
            }
            (None, Some(m)) => format!("the database has no free connections (all {m} in use)"),
            (None, None) => "the database has no free connections (all in use)".to_string(),
        },
    }
}

/// A command's one paragraph: what happened and the ways out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", paragraph(.target, .full))]
pub struct FullError {
    pub target: String,
    pub full: Full,
}

fn paragraph(target: &str, full: &Full) -> String {
    match full {
        Full::Server => format!(
            "{target} refused the connection: {} — it is not down, every connection slot is \
             taken. Close some ctodash dashboards (each idle one holds one connection), give \
             them a smaller pool_size (--pool-size / CTODASH_POOL_SIZE), point readers at a \
             replica with --replica-url, or ask the DBA to raise max_connections; then try again.",
            status(full, None)
        ),
        Full::Role { role } => format!(
            "{target} refused the connection: {} — the server has room, but this role does not. \
             Close some ctodash dashboards or other sessions of {role} (each idle dashboard holds \
             one connection), give them a smaller pool_size (--pool-size / CTODASH_POOL_SIZE), \
             or ask the DBA to raise it (ALTER ROLE {role} CONNECTION LIMIT …); then try again.",
            status(full, None)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_limits_are_told_apart_from_other_errors() {
        assert_eq!(
            classify(Some("53300"), "sorry, too many clients already"),
            Some(Full::Server)
        );
        assert_eq!(
            classify(
                Some("53300"),
                "remaining connection slots are reserved for roles with the SUPERUSER attribute"
            ),
            Some(Full::Server)
        );
        assert_eq!(
            classify(Some("53300"), "too many connections for role \"viewer\""),
            Some(Full::Role {
                role: "viewer".into()
            })
        );
        assert_eq!(classify(Some("08006"), "connection failure"), None);
        assert_eq!(classify(None, "too many clients"), None);
    }

    #[test]
    fn the_status_says_how_full_with_what_is_known() {
        assert_eq!(
            status(&Full::Server, Some((97, 100))),
            "the database has no free connections (97 of 100 in use)"
        );
        let role = status(&Full::Role { role: "v".into() }, None);
        assert!(
            role.contains("the role v may open no more connections"),
            "{role}"
        );
        // What is remembered depends on the process; both forms name the state.
        let unknown = status(&Full::Server, None);
        assert!(
            unknown.starts_with("the database has no free connections (all "),
            "{unknown}"
        );
        remember_max(100);
        assert_eq!(
            status(&Full::Server, None),
            "the database has no free connections (all 100 in use)"
        );
    }

    #[test]
    fn the_command_paragraph_names_the_fixes() {
        let e = FullError {
            target: "db.internal:5432".into(),
            full: Full::Server,
        };
        let text = e.to_string();
        for fix in [
            "Close some ctodash dashboards",
            "pool_size",
            "--replica-url",
            "max_connections",
        ] {
            assert!(text.contains(fix), "{text}");
        }
        assert!(!text.contains('\n'));
    }
}
