//! The only place with SQL: finding and connecting to the database, the schema,
//! and the queries that return domain types.

pub mod bugs;
pub mod bulk;
pub mod capacity;
pub mod cluster;
pub mod copy_text;
pub mod detail;
pub mod discover;
pub mod edit;
pub mod grants;
pub mod import;
pub mod kpis;
pub mod listen;
pub mod lookup;
pub mod migrate;
pub mod portfolio;
pub mod query_pool;
pub mod replica;
pub mod rollups;
pub mod session;
pub mod testing;
pub mod timeouts;
pub mod users;

use crate::config::Config;
use discover::{DiscoverOptions, Discovered, DiscoveryError};
use migrate::{MigrateError, SchemaState};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

/// A connected database and how it was found.
pub struct Database {
    pub pool: PgPool,
    pub found: Discovered,
}

/// What a command is allowed to do to the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaPolicy {
    /// Migrate only a database ctodash created itself; otherwise require it current.
    MigrateOwned,
    /// Also migrate a database with no tables at all (commands that fill a database).
    MigrateOwnedOrEmpty,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    #[error(transparent)]
    Migrate(#[from] MigrateError),
    #[error(transparent)]
    Replica(#[from] replica::ReplicaError),
    #[error(transparent)]
    Full(#[from] capacity::FullError),
    #[error(
        "the database at {display} has no ctodash schema, and ctodash does not change a \
         database it did not create without being asked. Run `ctodash migrate` to create the \
         schema there, or unset DATABASE_URL to use ctodash's own database."
    )]
    NoSchema { display: String },
    #[error(
        "the database at {display} has an older ctodash schema (version {applied}; this \
         program needs {latest}). Run `ctodash migrate` to bring it up to date."
    )]
    Behind {
        display: String,
        applied: i64,
        latest: i64,
    },
    #[error(
        "lost the connection to {display} while opening it: {source}. Check that the server is up and try again."
    )]
    Connection {
        display: String,
        source: sqlx::Error,
    },
}

pub use replica::{ReadDatabase, open_for_reading};

pub fn discover_options(cfg: &Config) -> DiscoverOptions {
    DiscoverOptions {
        explicit_url: cfg.database_url.clone(),
        database: "ctodash".to_string(),
        allow_private_cluster: true,
        data_dir: cfg.data_dir.clone(),
        read_only: cfg.read_only,
    }
}

/// A command's pool of up to `max_connections`, its first connection made at
/// once (and, for an explicit URL, the only one discovery made: failures are
/// told in discovery's words).
pub async fn connect(found: &Discovered, max_connections: u32) -> Result<PgPool, OpenError> {
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10));
    if found.source == discover::Source::Explicit {
        return Ok(discover::open_pool(found, pool).await?);
    }
    pool.connect_with(found.options.clone())
        .await
        .map_err(|e| connection_error(&found.display, e))
}

/// A connection failure on a database already found: a full server told apart.
fn connection_error(display: &str, source: sqlx::Error) -> OpenError {
    match capacity::full_of(&source) {
        Some(full) => OpenError::Full(capacity::FullError {
            target: display.to_string(),
            full,
        }),
        None => OpenError::Connection {
            display: display.to_string(),
            source,
        },
    }
}

/// How long a dashboard's query connection may sit unused before it is
/// closed: loads borrow connections and give them back within seconds, so an
/// idle dashboard holds none besides its listener's.
pub const DASHBOARD_IDLE: Duration = Duration::from_secs(5);

/// The settings of a dashboard's query pool: no connection held while idle
/// (`min_connections(0)` and [`DASHBOARD_IDLE`]), at most `pool_size` while
/// loading. Nothing is connected until the first load.
pub fn dashboard_pool_options(pool_size: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(pool_size.max(1))
        .min_connections(0)
        .idle_timeout(DASHBOARD_IDLE)
        .acquire_timeout(Duration::from_secs(10))
}

/// A dashboard's query pool (see [`dashboard_pool_options`]); connects once
/// to prove the database answers, and lets that connection go when idle.
pub async fn connect_dashboard(found: &Discovered, pool_size: u32) -> sqlx::Result<PgPool> {
    dashboard_pool_options(pool_size)
        .connect_with(found.options.clone())
        .await
}

/// Connections a command's pool may open: one, except where the work itself
/// runs two statements side by side (the seed builds indexes in parallel).
pub const COMMAND_CONNECTIONS: u32 = 1;

/// Finds the database the configuration names; every connection made from
/// what it returns carries the configuration's time limits and name. An
/// explicit URL is not tried here: connect with [`connect`], which tells its
/// failures in discovery's words.
pub async fn find(cfg: &Config) -> Result<Discovered, DiscoveryError> {
    let mut found = discover::locate(&discover_options(cfg)).await?;
    found.options = cfg
        .timeouts
        .apply(found.options)
        .application_name(&cfg.application_name);
    Ok(found)
}

/// Finds the database, connects, and makes sure the schema is one this build can use.
/// The pool holds one connection ([`COMMAND_CONNECTIONS`]).
pub async fn open(cfg: &Config, policy: SchemaPolicy) -> Result<Database, OpenError> {
    open_with(cfg, policy, COMMAND_CONNECTIONS).await
}

/// [`open`] with a pool of up to `max_connections`.
pub async fn open_with(
    cfg: &Config,
    policy: SchemaPolicy,
    max_connections: u32,
) -> Result<Database, OpenError> {
    let found = find(cfg).await?;
    let display = found.display.clone();
    let pool = connect(&found, max_connections).await?;
    let state = migrate::state(&pool)
        .await
        .map_err(|e| connection_error(&display, e))?;
    // A read-only session never migrates, not even a database of its own.
    let may_migrate = !cfg.read_only
        && (found.owned
            || (policy == SchemaPolicy::MigrateOwnedOrEmpty && state == SchemaState::Empty));
    match state {
        SchemaState::Current => {}
        SchemaState::Empty | SchemaState::Behind { .. } if may_migrate => {
            let ran = migrate::run(&pool).await?;
            tracing::info!(ran, db = %found.display, "applied migrations");
        }
        SchemaState::Empty => return Err(OpenError::NoSchema { display }),
        SchemaState::Behind { applied, latest } => {
            return Err(OpenError::Behind {
                display,
                applied,
                latest,
            });
        }
        SchemaState::Foreign => return Err(MigrateError::Foreign.into()),
        SchemaState::Ahead { applied, latest } => {
            return Err(MigrateError::Ahead { applied, latest }.into());
        }
        SchemaState::Dirty { version } => return Err(MigrateError::Dirty { version }.into()),
    }
    Ok(Database { pool, found })
}
