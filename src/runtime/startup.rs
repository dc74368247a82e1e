//! Opening the database for the dashboard: find it, fill a fresh one of our own
//! with demo data, and settle who the user is and whether this session may
//! write. Runs in the background while the screen is already up.

use crate::app::Msg;
use crate::app::model::Me;
use crate::app::state::{Identity, ReadOnlyReason};
use crate::config::Config;
use crate::db::discover::DiscoveryError;
use crate::db::timeouts::Timeouts;
use crate::db::{self, OpenError, SchemaPolicy, edit::EditContext};
use crate::seed::{self, SeedOptions};
use color_eyre::eyre::{Report, Result};
use sqlx::PgPool;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::oneshot;

pub struct Session {
    /// Reads: the primary, or the replica when one is configured.
    pub pool: PgPool,
    /// Writes, when reads come from a replica: the primary, connected only
    /// while a save runs (see `db::dashboard_pool_options`).
    pub writes: Option<PgPool>,
    /// Reads come from a replica: push is the polled change signal.
    pub replica: bool,
    pub identity: Identity,
    pub edit: Option<EditContext>,
    pub source: String,
}

/// Retries while the database is merely unreachable (it may be starting, or the
/// network may be down); gives up at once on errors only the user can fix.
pub async fn connect_with_retry(
    cfg: Config,
    tx: UnboundedSender<Msg>,
    ready: oneshot::Sender<Result<Session>>,
) {
    let mut backoff = crate::backoff::Backoff::default();
    loop {
        match prepare(&cfg, &tx).await {
            Ok(session) => {
                let _ = ready.send(Ok(session));
                return;
            }
            Err(e) if retryable(&e) => {
                tracing::info!(error = %e, "database not reachable yet; retrying");
                let msg = match full(&e) {
                    Some(full) => Msg::ServerFull {
                        status: crate::db::capacity::status(&full, None),
                    },
                    None => Msg::ConnectionDown {
                        error: crate::logging::one_paragraph(&e),
                    },
                };
                if tx.send(msg).is_err() {
                    return;
                }
                tokio::time::sleep(backoff.next_delay()).await;
            }
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        }
    }
}

/// A start-up failure for want of free connection slots: waited out with
/// back-off like an unreachable server, but said differently.
fn full(e: &Report) -> Option<crate::db::capacity::Full> {
    if let Some(DiscoveryError::Full(f)) = e.downcast_ref::<DiscoveryError>() {
        return Some(f.full.clone());
    }
    match e.downcast_ref::<OpenError>() {
        Some(OpenError::Full(f)) => Some(f.full.clone()),
        Some(OpenError::Discovery(DiscoveryError::Full(f))) => Some(f.full.clone()),
        _ => e
            .downcast_ref::<sqlx::Error>()
            .and_then(crate::db::capacity::full_of),
    }
}

fn retryable(e: &Report) -> bool {
    if full(e).is_some() {
        return true;
    }
    use crate::db::replica::ReplicaError;
    if let Some(r) = e.downcast_ref::<ReplicaError>() {
        return matches!(
            r,
            ReplicaError::Unreachable { .. }
                | ReplicaError::ConnectFailed { .. }
                | ReplicaError::Connection { .. }
        );
    }
    let discovery = |d: &DiscoveryError| {
        matches!(
            d,
            DiscoveryError::Unreachable { .. }
                | DiscoveryError::ConnectFailed { .. }
                | DiscoveryError::NothingFound { .. }
        )
    };
    if let Some(d) = e.downcast_ref::<DiscoveryError>() {
        return discovery(d);
    }
    match e.downcast_ref::<OpenError>() {
        Some(OpenError::Discovery(d)) => discovery(d),
        Some(OpenError::Connection { .. }) => true,
        _ => e
            .downcast_ref::<sqlx::Error>()
            .is_some_and(super::is_connection_error),
    }
}

async fn prepare(cfg: &Config, tx: &UnboundedSender<Msg>) -> Result<Session> {
    if let Some(url) = cfg.replica_url.as_deref().filter(|u| !u.trim().is_empty()) {
        return prepare_replica(cfg, url).await;
    }
    // Migrating and the first-run seed may rewrite many rows: bulk limits for
    // them; the session's own reads then get the dashboard's limits.
    let setup = Config {
        timeouts: Timeouts::BULK,
        ..cfg.clone()
    };
    // Two connections only because the first-run seed builds indexes on two;
    // both are closed again below.
    let mut database = db::open_with(&setup, SchemaPolicy::MigrateOwned, seed::CONNECTIONS).await?;
    // First run: demo data only in a database ctodash created itself, and
    // never when read-only was asked for.
    if !cfg.read_only && database.found.owned && is_empty(&database.pool).await? {
        let opts = SeedOptions::demo();
        let text = format!(
            "first run: loading {} demo bugs into ctodash's own database…",
            opts.bugs
        );
        let _ = tx.send(Msg::Notice(text));
        seed::run(&database.pool, &opts).await?;
    }
    let options = database.found.options.clone();
    database.found.options = cfg.timeouts.replace(Timeouts::BULK, options);
    database.pool.close().await;
    database.pool = db::connect_dashboard(&database.found, cfg.pool_size).await?;

    let me = who_am_i(cfg, &database.pool).await?;
    // Remembered for the day the server is full and cannot be asked.
    let _ = crate::db::capacity::usage(&database.pool).await;
    let source = database.found.display.clone();
    Ok(match me {
        Ok(me) => Session {
            pool: database.pool,
            writes: None,
            replica: false,
            edit: Some(edit_context(&me)),
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
                pool: db::edit::connect_read_only(&database.found, cfg.pool_size).await?,
                writes: None,
                replica: false,
                edit: None,
                identity: Identity::ReadOnly(reason),
                source,
            }
        }
    })
}

/// Who the session acts for: the configured user when writing is allowed
/// and the user exists, else why the session is read-only. Asked of the
/// pool reads come from (the primary, or the replica).
async fn who_am_i(cfg: &Config, pool: &PgPool) -> Result<Result<Me, ReadOnlyReason>> {
    Ok(match (&cfg.user, cfg.read_only) {
        (_, true) => Err(ReadOnlyReason::Requested),
        (None, false) => Err(ReadOnlyReason::NoUser),
        (Some(email), false) => {
            let mut conn = pool.acquire().await?;
            db::users::find_by_email(&mut conn, email)
                .await?
                .ok_or_else(|| ReadOnlyReason::UnknownUser(email.clone()))
        }
    })
}

fn edit_context(me: &Me) -> EditContext {
    EditContext {
        me: me.clone(),
        client_addr: db::edit::client_address(),
        user_agent: format!("ctodash/{}", env!("CARGO_PKG_VERSION")),
    }
}

async fn is_empty(pool: &PgPool) -> Result<bool> {
    let any: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM bugs) OR EXISTS (SELECT 1 FROM projects)")
            .fetch_one(pool)
            .await?;
    Ok(!any)
}

/// Reads from the replica; the primary is contacted only to find it for a
/// user who may edit (one short connection), and then only while a save
/// runs. A read-only session never touches the primary at all.
async fn prepare_replica(cfg: &Config, url: &str) -> Result<Session> {
    let options = crate::db::dashboard_pool_options(cfg.pool_size)
        .after_connect(db::edit::read_only_after_connect);
    let replica =
        db::replica::connect_replica_with(url, options, Some(&cfg.application_name)).await?;
    if let Some(warning) = replica.warning() {
        tracing::warn!("{warning}");
    }
    let _ = crate::db::capacity::usage(&replica.pool).await;
    let source = format!("replica {}", replica.display);
    let me = who_am_i(cfg, &replica.pool).await?;
    Ok(match me {
        Ok(me) => {
            let found = db::find(cfg).await?;
            let writes = crate::db::dashboard_pool_options(cfg.pool_size)
                .connect_lazy_with(found.options.clone());
            Session {
                pool: replica.pool,
                writes: Some(writes),
                replica: true,
                edit: Some(edit_context(&me)),
                identity: Identity::User(me),
                source,
            }
        }
        Err(reason) => Session {
            pool: replica.pool,
            writes: None,
            replica: true,
            edit: None,
            identity: Identity::ReadOnly(reason),
            source,
        },
    })
}
