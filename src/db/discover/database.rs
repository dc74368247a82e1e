//! Creating the target database on a server discovery found, under an advisory
//! lock, and telling whether ctodash owns it (the ownership marker).

use super::OWNERSHIP_MARKER;
use super::connect::{short, sqlstate};
use sqlx::PgConnection;

/// Makes sure `name` exists on the server `conn` is logged in to; returns whether
/// it carries ctodash's ownership marker (always true when created here). The
/// error is a short reason for the attempt list.
pub async fn ensure_database(
    conn: &mut PgConnection,
    name: &str,
    user: &str,
) -> Result<bool, String> {
    // Serialize check-and-create between concurrent discoverers (e.g. parallel tests).
    let lock_key = format!("ctodash create database {name}");
    sqlx::query("SELECT pg_advisory_lock(hashtextextended($1, 0))")
        .bind(&lock_key)
        .execute(&mut *conn)
        .await
        .map_err(|e| short(&e))?;
    let result = check_or_create(conn, name, user).await;
    let _ = sqlx::query("SELECT pg_advisory_unlock(hashtextextended($1, 0))")
        .bind(&lock_key)
        .execute(&mut *conn)
        .await;
    result
}

/// For read-only sessions, which create nothing: whether `name` carries
/// ctodash's ownership marker, or the reason it cannot be used.
pub async fn existing_database(conn: &mut PgConnection, name: &str) -> Result<bool, String> {
    existing(conn, name).await?.ok_or_else(|| {
        format!(
            "database {name} does not exist, and a read-only session does not create one \
             (run ctodash once without --read-only to create it)"
        )
    })
}

/// `Some(owned)` when `name` exists.
async fn existing(conn: &mut PgConnection, name: &str) -> Result<Option<bool>, String> {
    let existing: Option<Option<String>> = sqlx::query_scalar(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
    )
    .bind(name)
    .fetch_optional(&mut *conn)
    .await
    .map_err(|e| short(&e))?;
    Ok(existing.map(|comment| {
        let owned = comment.as_deref() == Some(OWNERSHIP_MARKER);
        tracing::debug!(database = name, owned, "database exists");
        owned
    }))
}

async fn check_or_create(conn: &mut PgConnection, name: &str, user: &str) -> Result<bool, String> {
    if let Some(owned) = existing(conn, name).await? {
        return Ok(owned);
    }
    let ident = quote_ident(name);
    let utf8 = format!("CREATE DATABASE {ident} TEMPLATE template0 ENCODING 'UTF8'");
    if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(utf8))
        .execute(&mut *conn)
        .await
    {
        if sqlstate(&e).as_deref() == Some("42501") {
            return Err(format!("user {user} may not create database {name}"));
        }
        // E.g. a non-UTF8 server locale: take the server's default encoding.
        tracing::debug!(error = %e, "CREATE DATABASE ... ENCODING 'UTF8' failed; retrying");
        let plain = format!("CREATE DATABASE {ident} TEMPLATE template0");
        sqlx::query(sqlx::AssertSqlSafe(plain))
            .execute(&mut *conn)
            .await
            .map_err(|e| match sqlstate(&e).as_deref() {
                Some("42501") => format!("user {user} may not create database {name}"),
                _ => format!("could not create database {name}: {}", short(&e)),
            })?;
    }
    let comment = format!("COMMENT ON DATABASE {ident} IS '{OWNERSHIP_MARKER}'");
    if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(comment))
        .execute(&mut *conn)
        .await
    {
        tracing::warn!(database = name, error = %e, "could not mark the database as ctodash's");
    }
    tracing::debug!(database = name, "created database");
    Ok(true)
}

/// Quotes an SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
