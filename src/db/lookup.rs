//! Names people type or pick, to the ids an edit stores: a project by name,
//! and the users and projects a picker offers (users by email: `db::users`).

use crate::app::model::Me;
use sqlx::PgConnection;
use uuid::Uuid;

/// The project with this name, compared case-insensitively (an exact match
/// first); None when there is none.
pub async fn project_by_name(
    conn: &mut PgConnection,
    name: &str,
) -> sqlx::Result<Option<(Uuid, String)>> {
    sqlx::query_as(
        "SELECT id, name FROM projects WHERE lower(name) = lower($1) \
         ORDER BY name = $1 DESC, name LIMIT 1",
    )
    .bind(name.trim())
    .fetch_optional(conn)
    .await
}

/// Every user, by name: what an assignee picker offers (type-to-filter is
/// the picker's; a team has hundreds of users, not millions).
pub async fn users(conn: &mut PgConnection) -> sqlx::Result<Vec<Me>> {
    let rows: Vec<(Uuid, String, String)> =
        sqlx::query_as("SELECT id, email, name FROM users ORDER BY lower(name), email")
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, email, name)| Me { id, email, name })
        .collect())
}

/// Every project as (id, name), by name: what a project picker offers.
pub async fn projects(conn: &mut PgConnection) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as("SELECT id, name FROM projects ORDER BY lower(name), id")
        .fetch_all(conn)
        .await
}
