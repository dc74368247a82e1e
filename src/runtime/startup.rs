//! Everything that happens before the dashboard takes over the terminal: find
//! the database, fill a fresh one of our own with demo data, and settle who the
//! user is and whether this session may write.

use crate::app::state::{Identity, ReadOnlyReason};
use crate::config::Config;
use crate::db::{self, SchemaPolicy, edit::EditContext};
use crate::seed::{self, SeedOptions};
use color_eyre::eyre::Result;
use sqlx::PgPool;

pub struct Session {
    pub pool: PgPool,
    pub identity: Identity,
    pub edit: Option<EditContext>,
    pub source: String,
}

pub async fn prepare(cfg: &Config) -> Result<Session> {
    let database = db::open(cfg, SchemaPolicy::MigrateOwned).await?;
    if database.found.owned && is_empty(&database.pool).await? {
        let opts = SeedOptions::demo();
        eprintln!(
            "First run on ctodash's own database: loading {} demo bugs (seed {})…",
            opts.bugs, opts.seed
        );
        seed::run(&database.pool, &opts).await?;
    }

    let me = match (&cfg.user, cfg.read_only) {
        (_, true) => Err(ReadOnlyReason::Requested),
        (None, false) => Err(ReadOnlyReason::NoUser),
        (Some(email), false) => {
            let mut conn = database.pool.acquire().await?;
            db::users::find_by_email(&mut conn, email)
                .await?
                .ok_or_else(|| ReadOnlyReason::UnknownUser(email.clone()))
        }
    };
    let source = database.found.display.clone();
    Ok(match me {
        Ok(me) => Session {
            pool: database.pool,
            edit: Some(EditContext {
                me: me.clone(),
                client_addr: db::edit::client_address(),
                user_agent: format!("ctodash/{}", env!("CARGO_PKG_VERSION")),
            }),
            identity: Identity::User(me),
            source,
        },
        Err(reason) => {
            if let ReadOnlyReason::UnknownUser(email) = &reason {
                tracing::warn!(%email, "configured user not found; read-only session");
            }
            // The database, not just the UI, refuses writes in this session.
            database.pool.close().await;
            Session {
                pool: db::edit::connect_read_only(&database.found, 8).await?,
                edit: None,
                identity: Identity::ReadOnly(reason),
                source,
            }
        }
    })
}

async fn is_empty(pool: &PgPool) -> Result<bool> {
    let any: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM bugs) OR EXISTS (SELECT 1 FROM projects)")
            .fetch_one(pool)
            .await?;
    Ok(!any)
}
