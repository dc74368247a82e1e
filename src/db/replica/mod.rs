//! Reading from a streaming-replication hot standby (`--replica-url`,
//! `CTODASH_REPLICA_URL`, `replica_url`): connecting and checking what the
//! server is, the replicated change signal (`signal`), read-your-writes by WAL
//! position (`lsn`) and replication lag (`lag`). Writes never come here.
//!
//! A replica URL that points at a server which is not in recovery (a primary,
//! e.g. a standby promoted by a failover) is used anyway: reads stay correct,
//! they just take no load off the primary, and the caller is handed a warning
//! to show. The session is opened read-only either way.

mod lag;
mod lsn;
pub mod push;
mod signal;

pub use lag::{StandbyStatus, lag_from, replica_lag, standby_status};
pub use lsn::{Lsn, primary_lsn_after_commit, replay_lsn, wait_for_replay};
pub use signal::{ChangeSignal, read_signal};

use super::discover::{self, Failure, display_url, os_user, redact_url};
use super::migrate::{self, MigrateError, SchemaState};
use super::{Database, OpenError};
use crate::config::Config;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool};
use std::time::Duration;

/// How long the replica may take to answer a connection attempt.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The database used when the URL names none, as in discovery.
const DEFAULT_DATABASE: &str = "ctodash";
/// Where the URL comes from, for messages.
const URL_SOURCES: &str = "--replica-url / CTODASH_REPLICA_URL / replica_url in the config file";

/// A connected replica whose schema this build can read.
#[derive(Debug, Clone)]
pub struct Replica {
    /// Read-only sessions; at most the `max_connections` asked for.
    pub pool: PgPool,
    pub options: PgConnectOptions,
    /// URL-like, password redacted.
    pub display: String,
    /// False when the server is not in recovery, i.e. it is a primary.
    pub is_standby: bool,
}

impl Replica {
    /// What to tell the user when the "replica" is not a standby.
    pub fn warning(&self) -> Option<String> {
        (!self.is_standby).then(|| not_a_standby(&self.display))
    }
}

/// The warning for a replica URL that points at a primary.
pub fn not_a_standby(display: &str) -> String {
    format!(
        "the replica {display} is not a standby (it is not in recovery, so it is a primary): \
         reads from it are correct but take no load off the primary. Point {URL_SOURCES} at \
         a hot standby, or unset it to read from the primary."
    )
}

#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    #[error(
        "the replica URL `{url}` is not valid: {problem}. Expected the form {} (the standby's \
         host and port, the same database as the primary's). Fix {URL_SOURCES}, or unset it to \
         read from the primary.",
        discover::URL_FORM
    )]
    BadUrl { url: String, problem: String },
    #[error(
        "the replica at {target} is not reachable ({reason}). Start the standby, correct the \
         host and port in {URL_SOURCES}, or unset it to read from the primary."
    )]
    Unreachable { target: String, reason: String },
    #[error(
        "the replica at {target} refused the login for user `{user}`: {detail}. A standby has \
         the primary's roles and passwords but its own pg_hba.conf: check the user and password \
         in {URL_SOURCES} and the standby's pg_hba.conf."
    )]
    AuthFailed {
        target: String,
        user: String,
        detail: String,
    },
    #[error(
        "the replica at {target} has no database `{database}`, so it is not a standby of the \
         primary's ctodash database. Name the primary's database in {URL_SOURCES}, or point it \
         at a standby made from that primary (pg_basebackup -R)."
    )]
    DatabaseMissing { target: String, database: String },
    #[error(
        "connecting to the replica at {target} failed: {detail}. Check {URL_SOURCES}, or unset \
         it to read from the primary."
    )]
    ConnectFailed { target: String, detail: String },
    #[error(
        "lost the connection to the replica {display} while opening it: {source}. Check that \
         the standby is up and try again."
    )]
    Connection {
        display: String,
        source: sqlx::Error,
    },
    #[error(
        "the replica {display} has no ctodash schema. A standby holds exactly its primary's \
         databases: check that {URL_SOURCES} names the same database as the primary, that the \
         server is a standby of that primary, and that `ctodash migrate` ran on the primary."
    )]
    NoSchema { display: String },
    #[error(
        "the replica {display} has an older ctodash schema (version {applied}; this program \
         needs {latest}). Run `ctodash migrate` against the primary (--database-url): the \
         standby receives the schema by replication as soon as it has replayed it (see the \
         replica lag in `ctodash doctor`)."
    )]
    Behind {
        display: String,
        applied: i64,
        latest: i64,
    },
    #[error("the replica {display}: {source}")]
    Schema {
        display: String,
        source: MigrateError,
    },
}

/// Parses a replica URL into read-only connection options, naming the user
/// (sqlx may fall back to `anonymous`) and the database (`ctodash`) when the URL
/// does not.
pub fn replica_options(url: &str) -> Result<PgConnectOptions, ReplicaError> {
    let bad = |problem: String| ReplicaError::BadUrl {
        url: redact_url(url),
        problem,
    };
    let parsed = url::Url::parse(url.trim()).map_err(|e| bad(e.to_string()))?;
    if !matches!(parsed.scheme(), "postgres" | "postgresql") {
        return Err(bad(format!(
            "the scheme is `{}`, but ctodash only speaks PostgreSQL (postgres://)",
            parsed.scheme()
        )));
    }
    let param = |name: &str| parsed.query_pairs().any(|(k, _)| k == name);
    let mut options: PgConnectOptions = url.trim().parse().map_err(|e: sqlx::Error| {
        bad(match e {
            sqlx::Error::Configuration(inner) => inner.to_string(),
            other => other.to_string(),
        })
    })?;
    if parsed.username().is_empty() && !param("user") && std::env::var_os("PGUSER").is_none() {
        options = options.username(&os_user());
    }
    if parsed.path().trim_start_matches('/').is_empty() && !param("dbname") {
        options = options.database(DEFAULT_DATABASE);
    }
    // Nothing read from a replica may ever write, even when it is a primary.
    Ok(options
        .options([("default_transaction_read_only", "on")])
        .application_name("ctodash (replica reads)"))
}

/// Connects to the replica, says whether it is a standby, and checks that its
/// schema is exactly this build's (it is never migrated: that happens on the
/// primary and arrives by replication).
pub async fn connect_replica(url: &str, max_connections: u32) -> Result<Replica, ReplicaError> {
    connect_replica_with(url, command_pool(max_connections), None).await
}

/// [`connect_replica`] with the pool's settings given (the dashboard's lets
/// its connections go when idle) and the `application_name` its connections
/// show in pg_stat_activity (`None`: "ctodash (replica reads)").
pub async fn connect_replica_with(
    url: &str,
    pool: PgPoolOptions,
    application_name: Option<&str>,
) -> Result<Replica, ReplicaError> {
    let (pool, options, display) = connect_pool_with(url, pool, application_name).await?;
    let lost = |source| ReplicaError::Connection {
        display: display.clone(),
        source,
    };
    let is_standby: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
        .fetch_one(&pool)
        .await
        .map_err(lost)?;
    check_schema(migrate::state(&pool).await.map_err(lost)?, &display)?;
    if !is_standby {
        let shown = &display;
        tracing::warn!(replica = %shown, "the replica URL points at a primary");
    }
    Ok(Replica {
        pool,
        options,
        display,
        is_standby,
    })
}

/// Only the connection, with the replica's own messages for every way it can
/// fail; no look at what the server is. Returns the pool, its options and the
/// URL to show.
pub async fn connect_pool(
    url: &str,
    max_connections: u32,
) -> Result<(PgPool, PgConnectOptions, String), ReplicaError> {
    connect_pool_with(url, command_pool(max_connections), None).await
}

fn command_pool(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .min_connections(0)
        .idle_timeout(Duration::from_secs(30))
        .acquire_timeout(Duration::from_secs(10))
}

async fn connect_pool_with(
    url: &str,
    pool: PgPoolOptions,
    application_name: Option<&str>,
) -> Result<(PgPool, PgConnectOptions, String), ReplicaError> {
    let mut options = replica_options(url)?;
    if let Some(name) = application_name {
        options = options.application_name(name);
    }
    let display = display_url(&options);
    let target = display.clone();
    match discover::connect_classified(&options, CONNECT_TIMEOUT).await {
        Ok(conn) => {
            let _ = conn.close().await;
        }
        Err(Failure::Unreachable(reason)) => {
            return Err(ReplicaError::Unreachable { target, reason });
        }
        Err(Failure::Auth(detail)) => {
            return Err(ReplicaError::AuthFailed {
                target,
                user: options.get_username().to_string(),
                detail,
            });
        }
        Err(Failure::NoDatabase) => {
            return Err(ReplicaError::DatabaseMissing {
                target,
                database: options
                    .get_database()
                    .unwrap_or(DEFAULT_DATABASE)
                    .to_string(),
            });
        }
        Err(Failure::Full(full)) => {
            let detail = crate::db::capacity::FullError {
                target: target.clone(),
                full,
            }
            .to_string();
            return Err(ReplicaError::ConnectFailed { target, detail });
        }
        Err(Failure::Other(detail)) => return Err(ReplicaError::ConnectFailed { target, detail }),
    }
    let pool =
        pool.connect_with(options.clone())
            .await
            .map_err(|source| ReplicaError::Connection {
                display: display.clone(),
                source,
            })?;
    Ok((pool, options, display))
}

/// Only a current schema will do: a replica cannot be migrated.
pub fn check_schema(state: SchemaState, display: &str) -> Result<(), ReplicaError> {
    let display = display.to_string();
    let schema = |source| ReplicaError::Schema {
        display: display.clone(),
        source,
    };
    match state {
        SchemaState::Current => Ok(()),
        SchemaState::Empty => Err(ReplicaError::NoSchema { display }),
        SchemaState::Behind { applied, latest } => Err(ReplicaError::Behind {
            display,
            applied,
            latest,
        }),
        SchemaState::Foreign => Err(schema(MigrateError::Foreign)),
        SchemaState::Ahead { applied, latest } => {
            Err(schema(MigrateError::Ahead { applied, latest }))
        }
        SchemaState::Dirty { version } => Err(schema(MigrateError::Dirty { version })),
    }
}

/// The database a read-only command reads, and what to tell the user about it.
pub struct ReadDatabase {
    pub db: Database,
    /// Set when the replica URL points at a server that is not a standby.
    pub warning: Option<String>,
}

/// The replica when one is configured (and then the primary is not contacted
/// at all), otherwise the primary exactly as [`super::open`] finds it.
/// `max_connections` bounds the replica's pool.
pub async fn open_for_reading(
    cfg: &Config,
    max_connections: u32,
) -> Result<ReadDatabase, OpenError> {
    let Some(url) = cfg.replica_url.as_deref().filter(|u| !u.trim().is_empty()) else {
        let db = super::open(cfg, super::SchemaPolicy::MigrateOwned).await?;
        return Ok(ReadDatabase { db, warning: None });
    };
    let name = cfg.application_name.as_str();
    let replica = connect_replica_with(url, command_pool(max_connections), Some(name)).await?;
    let warning = replica.warning();
    Ok(ReadDatabase {
        db: Database {
            pool: replica.pool,
            found: discover::Discovered {
                options: replica.options,
                source: discover::Source::Explicit,
                owned: false,
                display: replica.display,
            },
        },
        warning,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_name_user_and_database_and_read_only() {
        let o = replica_options("postgres://me:pw@standby.internal:5433/bugs").unwrap();
        assert_eq!(o.get_host(), "standby.internal");
        assert_eq!(o.get_port(), 5433);
        assert_eq!(o.get_username(), "me");
        assert_eq!(o.get_database(), Some("bugs"));
        assert!(
            o.get_options()
                .is_some_and(|s| s.contains("default_transaction_read_only=on")),
            "{:?}",
            o.get_options()
        );
        assert_eq!(
            display_url(&o),
            "postgres://me:***@standby.internal:5433/bugs"
        );

        let o = replica_options("postgresql://standby.internal").unwrap();
        assert_eq!(o.get_database(), Some(DEFAULT_DATABASE));
        assert!(!o.get_username().is_empty());
    }

    #[test]
    fn bad_urls_are_named_without_their_password() {
        let msg = replica_options("mysql://me:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("mysql"), "{msg}");
        assert!(msg.contains("--replica-url"), "{msg}");
        assert!(!msg.contains("secret"), "{msg}");
        let msg = replica_options("not a url").unwrap_err().to_string();
        assert!(msg.contains("not valid"), "{msg}");
    }

    #[test]
    fn only_a_current_schema_is_accepted() {
        assert!(check_schema(SchemaState::Current, "r").is_ok());
        let msg = check_schema(
            SchemaState::Behind {
                applied: 5,
                latest: 6,
            },
            "r",
        )
        .unwrap_err()
        .to_string();
        assert!(
            msg.contains("version 5") && msg.contains("needs 6"),
            "{msg}"
        );
        assert!(msg.contains("against the primary"), "{msg}");
        let msg = check_schema(SchemaState::Empty, "r")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("no ctodash schema"), "{msg}");
        assert!(matches!(
            check_schema(SchemaState::Dirty { version: 3 }, "r"),
            Err(ReplicaError::Schema { .. })
        ));
    }
}
