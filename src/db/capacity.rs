//! A full server is a state, not an outage: PostgreSQL refuses a new
//! connection with SQLSTATE 53300 when all `max_connections` slots (less the
//! ones reserved for superusers) are taken, or when the role's own
//! `CONNECTION LIMIT` is reached. Both are told apart from "unreachable", and
//! both say what to do.

use std::sync::atomic::{AtomicU32, Ordering};

/// SQLSTATE `too_many_connections`.
pub const TOO_MANY_CONNECTIONS: &str = "53300";

/// Which limit refused the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Full {
    /// The server's `max_connections`: every slot taken ("sorry, too many
    /// clients already"), or all but the ones reserved for superusers
    /// (`reserved`: "remaining connection slots are reserved…").
    Server { reserved: bool },
    /// The role's `CONNECTION LIMIT`.
    Role { role: String },
}

/// How the server-full state starts, whatever numbers follow.
pub const SERVER_FULL: &str = "the database has no free connections";

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
        None => Full::Server {
            reserved: message.contains("reserved"),
        },
    })
}

/// Whether `e` is the server refusing a connection for want of slots.
pub fn full_of(e: &sqlx::Error) -> Option<Full> {
    let db = e.as_database_error()?;
    classify(db.code().as_deref(), db.message())
}

/// The server's `max_connections` and `superuser_reserved_connections` as
/// last seen on a successful connection: a refused connection cannot ask.
static LAST_MAX: AtomicU32 = AtomicU32::new(0);
static LAST_RESERVED: AtomicU32 = AtomicU32::new(0);

pub fn remember_limits(max: u32, reserved: u32) {
    LAST_MAX.store(max, Ordering::Relaxed);
    LAST_RESERVED.store(reserved, Ordering::Relaxed);
}

/// `(max_connections, superuser_reserved_connections)`, if ever seen.
pub fn remembered_limits() -> Option<(u32, u32)> {
    let max = LAST_MAX.load(Ordering::Relaxed);
    (max > 0).then(|| (max, LAST_RESERVED.load(Ordering::Relaxed)))
}

/// The connections `max_connections` limits: client backends. Counted by
/// `datid`, which every role sees for every session (`backend_type` is
/// hidden from ordinary roles for other roles' sessions); background
/// processes and replication senders have none and slots of their own.
/// Autovacuum and parallel workers have slots of their own too: left out
/// where the role may see what they are.
const USAGE: &str = "SELECT (SELECT count(*) FROM pg_stat_activity \
                             WHERE datid IS NOT NULL \
                               AND coalesce(backend_type, 'client backend') = 'client backend'), \
                            current_setting('max_connections')::bigint, \
                            current_setting('superuser_reserved_connections')::bigint";

/// How many connections the server holds, and how many it allows (one
/// statement, on a connection already open); also remembers the limits for
/// when the server is full and a fresh connection cannot ask.
pub async fn usage<'c, E>(conn: E) -> sqlx::Result<(i64, i64)>
where
    E: sqlx::PgExecutor<'c>,
{
    let (n, m, r): (i64, i64, i64) = sqlx::query_as(USAGE).fetch_one(conn).await?;
    remember_limits(u32::try_from(m).unwrap_or(0), u32::try_from(r).unwrap_or(0));
    Ok((n, m))
}

/// The dashboard's words for the state: with the count when a connection
/// still open could ask (`usage`); else what the refusal itself tells, with
/// the limits remembered from the last successful connection.
pub fn status(full: &Full, usage: Option<(i64, i64)>) -> String {
    match full {
        Full::Role { role } => {
            format!(
                "the role {role} may open no more connections (its connection limit is reached)"
            )
        }
        Full::Server { reserved } => {
            let numbers = match (usage, remembered_limits(), reserved) {
                (Some((n, m)), _, _) => format!("{n} of {m} in use"),
                // "too many clients": every slot is a client backend.
                (None, Some((m, _)), false) => format!("{m} of {m} in use"),
                // Fewer than the reserved slots are free.
                (None, Some((m, r)), true) => format!(
                    "at least {} of {m} in use, {r} kept for superusers",
                    (m + 1).saturating_sub(r)
                ),
                (None, None, false) => "all in use".to_string(),
                (None, None, true) => "all but the superusers' reserved ones in use".to_string(),
            };
            format!("{SERVER_FULL} ({numbers})")
        }
    }
}

/// Whether a status from [`status`] is the server's (not a role's) limit:
/// only then does the server's usage tell more.
pub fn is_server_status(status: &str) -> bool {
    status.starts_with(SERVER_FULL)
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
        Full::Server { .. } => format!(
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
            Some(Full::Server { reserved: false })
        );
        for reserved in [
            "remaining connection slots are reserved for non-replication superuser connections",
            "remaining connection slots are reserved for roles with the SUPERUSER attribute",
        ] {
            assert_eq!(
                classify(Some("53300"), reserved),
                Some(Full::Server { reserved: true })
            );
        }
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
        let server = Full::Server { reserved: true };
        assert_eq!(
            status(&server, Some((97, 100))),
            "the database has no free connections (97 of 100 in use)"
        );
        assert!(is_server_status(&status(&server, Some((97, 100)))));
        let role = status(&Full::Role { role: "v".into() }, None);
        assert!(
            role.contains("the role v may open no more connections"),
            "{role}"
        );
        assert!(!is_server_status(&role));
        // What is remembered depends on the process (other tests remember
        // too); every form names the state.
        assert!(status(&server, None).starts_with(SERVER_FULL));
        remember_limits(100, 3);
        assert_eq!(
            status(&Full::Server { reserved: false }, None),
            "the database has no free connections (100 of 100 in use)"
        );
        assert_eq!(
            status(&server, None),
            "the database has no free connections (at least 98 of 100 in use, 3 kept for superusers)"
        );
    }

    #[test]
    fn the_command_paragraph_names_the_fixes() {
        let e = FullError {
            target: "db.internal:5432".into(),
            full: Full::Server { reserved: false },
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
