//! The schema in `migrations/`, embedded in the binary and applied in order, each
//! file in its own transaction; applied files are recorded and never rerun.

use sqlx::PgPool;
use sqlx::migrate::Migrator;

pub static MIGRATOR: Migrator = sqlx::migrate!();

/// Where a database's schema stands relative to this build of ctodash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    /// No ctodash tables at all.
    Empty,
    /// Some of this build's migrations are not applied yet.
    Behind {
        applied: i64,
        latest: i64,
    },
    Current,
    /// Migrated by a newer ctodash than this one.
    Ahead {
        applied: i64,
        latest: i64,
    },
    /// Has a `bugs` table but no migration record: not a database ctodash made.
    Foreign,
    /// A migration started but did not finish.
    Dirty {
        version: i64,
    },
}

pub fn latest_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

pub async fn state(pool: &PgPool) -> sqlx::Result<SchemaState> {
    let (has_log, has_bugs): (bool, bool) = sqlx::query_as(
        "SELECT to_regclass('_sqlx_migrations') IS NOT NULL, to_regclass('bugs') IS NOT NULL",
    )
    .fetch_one(pool)
    .await?;
    if !has_log {
        return Ok(if has_bugs {
            SchemaState::Foreign
        } else {
            SchemaState::Empty
        });
    }
    let (applied, dirty): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT max(version) FILTER (WHERE success), min(version) FILTER (WHERE NOT success) \
         FROM _sqlx_migrations",
    )
    .fetch_one(pool)
    .await?;
    if let Some(version) = dirty {
        return Ok(SchemaState::Dirty { version });
    }
    let latest = latest_version();
    Ok(match applied {
        None => SchemaState::Empty,
        Some(a) if a < latest => SchemaState::Behind { applied: a, latest },
        Some(a) if a > latest => SchemaState::Ahead { applied: a, latest },
        Some(_) => SchemaState::Current,
    })
}

/// Applies what is missing; returns how many migrations ran.
pub async fn run(pool: &PgPool) -> Result<usize, MigrateError> {
    let before = match state(pool).await? {
        SchemaState::Foreign => return Err(MigrateError::Foreign),
        SchemaState::Ahead { applied, latest } => {
            return Err(MigrateError::Ahead { applied, latest });
        }
        SchemaState::Dirty { version } => return Err(MigrateError::Dirty { version }),
        SchemaState::Empty => 0,
        SchemaState::Behind { applied, .. } => applied,
        SchemaState::Current => return Ok(0),
    };
    MIGRATOR.run(pool).await.map_err(MigrateError::Failed)?;
    Ok(MIGRATOR.iter().filter(|m| m.version > before).count())
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(
        "this database has a `bugs` table but no ctodash migration record, so it was not \
         created by ctodash and migrating it could damage someone else's data. Point ctodash \
         at an empty database (--database-url or DATABASE_URL), or unset DATABASE_URL to let \
         ctodash use its own."
    )]
    Foreign,
    #[error(
        "this database was migrated by a newer ctodash (schema version {applied}, this program \
         knows up to {latest}). Upgrade ctodash, or point it at another database."
    )]
    Ahead { applied: i64, latest: i64 },
    #[error(
        "migration {version} started on this database but did not finish, so the schema is in \
         an unknown state. Inspect `_sqlx_migrations` and the failed migration's objects with \
         psql, fix or drop them, delete that row, then run `ctodash migrate` again."
    )]
    Dirty { version: i64 },
    #[error("applying the schema failed: {0}. The failing migration was rolled back.")]
    Failed(#[source] sqlx::migrate::MigrateError),
    #[error("could not read the schema state: {0}")]
    Database(#[from] sqlx::Error),
}
