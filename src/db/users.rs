//! Who "I" am: the user named by --user / CTODASH_USER / the config file.

use crate::app::model::Me;
use sqlx::PgConnection;
use uuid::Uuid;

/// The user with this email, compared case-insensitively (served by
/// `users_email_lower_idx`); None when there is no such user.
pub async fn find_by_email(conn: &mut PgConnection, email: &str) -> sqlx::Result<Option<Me>> {
    let row: Option<(Uuid, String, String)> = sqlx::query_as(
        "SELECT id, email, name FROM users WHERE lower(email) = lower($1) \
         ORDER BY email = $1 DESC, email LIMIT 1",
    )
    .bind(email.trim())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id, email, name)| Me { id, email, name }))
}

/// Every user, by name, for the dashboard's assignee pickers.
pub async fn choices(conn: &mut PgConnection) -> sqlx::Result<Vec<crate::app::change::UserChoice>> {
    let rows: Vec<(Uuid, String, String)> =
        sqlx::query_as("SELECT id, email, name FROM users ORDER BY lower(name), email")
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, email, name)| crate::app::change::UserChoice { id, email, name })
        .collect())
}
