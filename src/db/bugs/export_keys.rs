//! What an export needs beside the table's row so it imports back unchanged:
//! the assignee's email (display names need not be unique) and the project's
//! id (project names need not be unique either).

use sqlx::PgConnection;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportKeys {
    pub assignee_email: Option<String>,
    pub project_id: Option<Uuid>,
}

/// The keys of the bugs `ids` (one primary-key lookup each, in one statement).
pub async fn export_keys(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> sqlx::Result<HashMap<Uuid, ExportKeys>> {
    let rows: Vec<(Uuid, Option<String>, Option<Uuid>)> = sqlx::query_as(
        "SELECT b.id, u.email, b.project_id FROM bugs b \
         LEFT JOIN users u ON u.id = b.assigned_to WHERE b.id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, assignee_email, project_id)| {
            (
                id,
                ExportKeys {
                    assignee_email,
                    project_id,
                },
            )
        })
        .collect())
}
