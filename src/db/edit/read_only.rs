//! Pools whose sessions cannot write, so read-only mode is enforced by the database itself.

use crate::db::discover::Discovered;
use futures_util::future::BoxFuture;
use sqlx::pool::PoolConnectionMetadata;
use sqlx::postgres::PgConnectOptions;
use sqlx::{PgConnection, PgPool};

/// `options` for sessions in which every transaction is read-only: writes fail
/// with SQLSTATE 25006 whatever the program tries.
pub fn read_only_options(options: PgConnectOptions) -> PgConnectOptions {
    options.options([("default_transaction_read_only", "on")])
}

/// A dashboard pool like `db::connect_dashboard`'s whose sessions cannot
/// write (see [`read_only_options`]); for `--read-only` and for sessions
/// without a user.
pub async fn connect_read_only(found: &Discovered, pool_size: u32) -> sqlx::Result<PgPool> {
    crate::db::dashboard_pool_options(pool_size)
        .after_connect(read_only_after_connect)
        .connect_with(read_only_options(found.options.clone()))
        .await
}

/// For `PgPoolOptions::after_connect`: makes the session read-only. Redundant
/// with [`read_only_options`], and useful where startup options cannot be
/// passed (e.g. some connection poolers).
pub fn read_only_after_connect(
    conn: &mut PgConnection,
    _meta: PoolConnectionMetadata,
) -> BoxFuture<'_, sqlx::Result<()>> {
    Box::pin(async move {
        sqlx::query("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            .execute(conn)
            .await?;
        Ok(())
    })
}

/// Whether sessions of `pool` are read-only (what the header shows).
pub async fn is_read_only(pool: &PgPool) -> sqlx::Result<bool> {
    let v: String = sqlx::query_scalar("SELECT current_setting('default_transaction_read_only')")
        .fetch_one(pool)
        .await?;
    Ok(v == "on")
}
