//! The SQL of `ctodash import`: look-ups for validation, the bulk load of
//! validated CSV rows, the GitHub upserts, and the `import_logs` row.
//!
//! A CSV load is one transaction: the good rows are COPYed into a temporary
//! staging table, then the existing rows that differ are changed with one
//! `UPDATE … FROM` (for bugs: after locking them and holding back those edited
//! since the file was exported, and with an `audit_log` row each) and one
//! `INSERT … SELECT` adds the new ones. No statement takes a lock that blocks
//! readers, so a large import never freezes the dashboards. It is not a single
//! `INSERT … ON CONFLICT DO UPDATE` because the bugs' BEFORE INSERT trigger fills
//! `sla_hours`, `resolved_at` and `created_at` into `excluded`, so an upsert could
//! not tell "empty in the file" from "computed by the trigger" and would, for
//! example, move the `resolved_at` of every shipped bug to now on each re-import.
//! Rows whose values are all unchanged are not touched, so a re-import of the same
//! file bumps no bug `version` and so causes no spurious edit conflicts in
//! dashboards that are open.
//!
//! The bug load is in `bugs`, the project load in `projects`, the GitHub
//! upsert in `repos`; the look-ups, the actor, the `import_logs` row and the
//! staging helpers both loads use are here.

mod bug_update;
mod bugs;
mod projects;
mod repos;

pub use bug_update::Conflict;
pub use bugs::{BugColumns, BugLoad, BugRow, load_bugs};
pub use projects::{ProjectColumns, ProjectRow, load_projects};
pub use repos::{RepoMetrics, RepoUpsert, upsert_repo};

use crate::domain::{ImportSource, ProjectStatus};
use sqlx::PgConnection;
use std::collections::HashMap;
use uuid::Uuid;

/// `lower(trimmed name)` → ids of the users with that display name, for the
/// export's `assignee` column.
pub async fn user_ids_by_name(conn: &mut PgConnection) -> sqlx::Result<HashMap<String, Vec<Uuid>>> {
    let rows: Vec<(String, Uuid)> =
        sqlx::query_as("SELECT lower(btrim(name)), id FROM users ORDER BY id")
            .fetch_all(conn)
            .await?;
    let mut out: HashMap<String, Vec<Uuid>> = HashMap::new();
    for (name, id) in rows {
        out.entry(name).or_default().push(id);
    }
    Ok(out)
}

/// "ada.lovelace@example.com" → "Ada Lovelace": the local part, split at
/// `.`, `_`, `-` and `+`, each word capitalised (`--create-users`).
pub fn name_from_email(email: &str) -> String {
    let local = email.split('@').next().unwrap_or(email);
    let words: Vec<String> = local
        .split(['.', '_', '-', '+'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        })
        .collect();
    if words.is_empty() {
        email.to_string()
    } else {
        words.join(" ")
    }
}

/// Creates the users `--create-users` found (role engineer, name from the
/// address), with the ids the import's rows already refer to.
pub async fn create_users(conn: &mut PgConnection, users: &[(Uuid, String)]) -> sqlx::Result<()> {
    for (id, email) in users {
        sqlx::query("INSERT INTO users (id, email, name, role) VALUES ($1, $2, $3, 'engineer')")
            .bind(id)
            .bind(email)
            .bind(name_from_email(email))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Creates the bare active projects `--create-projects` found.
pub async fn create_projects(
    conn: &mut PgConnection,
    projects: &[(Uuid, String)],
) -> sqlx::Result<()> {
    for (id, name) in projects {
        sqlx::query("INSERT INTO projects (id, name, status) VALUES ($1, $2, 'active')")
            .bind(id)
            .bind(name)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// `lower(email)` → user id, for resolving `assignedTo`.
pub async fn user_ids_by_email(conn: &mut PgConnection) -> sqlx::Result<HashMap<String, Uuid>> {
    let rows: Vec<(String, Uuid)> = sqlx::query_as("SELECT lower(email), id FROM users")
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// A project already in the database, for matching imported rows to it.
#[derive(Debug, Clone)]
pub struct ExistingProject {
    pub id: Uuid,
    pub name: String,
    pub github_url: Option<String>,
    pub status: ProjectStatus,
}

pub async fn existing_projects(conn: &mut PgConnection) -> sqlx::Result<Vec<ExistingProject>> {
    let rows: Vec<(Uuid, String, Option<String>, String)> = sqlx::query_as(
        "SELECT id, name, github_url, status::text FROM projects ORDER BY created_at, id",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, github_url, status)| ExistingProject {
            id,
            name,
            github_url,
            status: status.parse().unwrap_or(ProjectStatus::Active),
        })
        .collect())
}

/// How many of these bug numbers already exist (a dry run's "would update").
pub async fn count_existing_bugs(conn: &mut PgConnection, numbers: &[String]) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM bugs WHERE bug_number = ANY($1)")
        .bind(numbers)
        .fetch_one(conn)
        .await
}

/// Declares who is importing, so the history trigger records the actor.
/// Transaction-local, like the dashboard's edits.
pub async fn set_actor(conn: &mut PgConnection, actor: Uuid) -> sqlx::Result<()> {
    sqlx::query("SELECT set_config('ctodash.actor', $1, true)")
        .bind(actor.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// What a load did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadCounts {
    pub inserted: u64,
    pub updated: u64,
    /// Existing rows whose values were already those of the file.
    pub unchanged: u64,
    /// Rows whose bug changed since the file was exported: not applied, unless
    /// the load was told to overwrite (then they are counted as updated too).
    pub conflicts: Vec<Conflict>,
}

/// What each `audit_log` row of an import records beside the change: which
/// import (its `import_logs` id, file and digest) and, as for the dashboard's
/// edits, the client address and program version.
#[derive(Debug, Clone)]
pub struct ImportAudit {
    pub import_id: Uuid,
    pub file: String,
    pub sha256: Option<String>,
    pub client_addr: String,
    pub user_agent: String,
}

/// The one `import_logs` row of a run.
#[derive(Debug, Clone)]
pub struct ImportLog {
    /// The row's id, when chosen beforehand (so audit rows can name it).
    pub id: Option<Uuid>,
    pub source: ImportSource,
    pub records_imported: i32,
    pub records_failed: i32,
    pub errors: Vec<String>,
    pub metadata: serde_json::Value,
}

pub async fn write_log(conn: &mut PgConnection, log: &ImportLog) -> sqlx::Result<Uuid> {
    sqlx::query_scalar(
        "INSERT INTO import_logs (id, source, records_imported, records_failed, errors, metadata) \
         VALUES (coalesce($6, gen_random_uuid()), $1::import_source, $2, $3, $4, $5) RETURNING id",
    )
    .bind(log.source.as_str())
    .bind(log.records_imported)
    .bind(log.records_failed)
    .bind(&log.errors)
    .bind(&log.metadata)
    .bind(log.id)
    .fetch_one(conn)
    .await
}

/// `UPDATE table alias SET … FROM stage s WHERE join AND (old values) IS
/// DISTINCT FROM (new values)`: only rows that really change are written.
fn update_sql(table: &str, alias: &str, sets: &[(&str, &str)], join: &str, stage: &str) -> String {
    let assignments: Vec<String> = sets.iter().map(|(c, e)| format!("{c} = {e}")).collect();
    let old: Vec<String> = sets.iter().map(|(c, _)| format!("{alias}.{c}")).collect();
    let new: Vec<&str> = sets.iter().map(|(_, e)| *e).collect();
    format!(
        "UPDATE {table} {alias} SET {} FROM {stage} s WHERE {join} \
         AND ROW({}) IS DISTINCT FROM ROW({})",
        assignments.join(", "),
        old.join(", "),
        new.join(", ")
    )
}

async fn copy_in(conn: &mut PgConnection, statement: &str, text: String) -> sqlx::Result<u64> {
    let mut copy = conn.copy_in_raw(statement).await?;
    if !text.is_empty() {
        copy.send(text.into_bytes()).await?;
    }
    copy.finish().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_touches_only_changed_rows() {
        let sql = update_sql(
            "bugs",
            "b",
            &[("title", "s.title"), ("x", "s.x")],
            "j",
            "st",
        );
        assert_eq!(
            sql,
            "UPDATE bugs b SET title = s.title, x = s.x FROM st s WHERE j \
             AND ROW(b.title, b.x) IS DISTINCT FROM ROW(s.title, s.x)"
        );
    }
}
