//! The GitHub upsert: one project and its metrics row for the day.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A repository from GitHub, ready to write (see `commands::import::github`).
#[derive(Debug, Clone)]
pub struct RepoUpsert {
    /// The existing project it updates, or None to insert a new one.
    pub existing: Option<Uuid>,
    pub name: String,
    pub description: Option<String>,
    pub github_url: String,
    pub demo_url: Option<String>,
    pub language: Option<String>,
    pub tags: Vec<String>,
    pub stars: i32,
    pub forks: i32,
    pub last_commit: Option<DateTime<Utc>>,
    pub archived: bool,
    /// For today's `project_metrics` row; None = write no metrics row.
    pub metrics: Option<RepoMetrics>,
}

#[derive(Debug, Clone)]
pub struct RepoMetrics {
    pub date: NaiveDate,
    pub tech_stack: Vec<String>,
    pub health_score: Option<i32>,
}

/// Inserts or updates one project from GitHub, then upserts its metrics row for
/// the day. Returns the project id and whether it was inserted.
///
/// On update GitHub owns the counters (stars, forks, last commit); description,
/// homepage, language and topics replace the stored ones only when GitHub has a
/// value; the name people gave the project is kept; the status changes only when
/// an active project's repository was archived (→ deferred).
pub async fn upsert_repo(conn: &mut PgConnection, r: &RepoUpsert) -> sqlx::Result<(Uuid, bool)> {
    let (id, inserted) = match r.existing {
        Some(id) => {
            sqlx::query(
                "UPDATE projects SET description = coalesce($2, description), \
                     github_url = coalesce(github_url, $3), demo_url = coalesce($4, demo_url), \
                     language = coalesce($5, language), \
                     tags = CASE WHEN cardinality($6::text[]) > 0 THEN $6 ELSE tags END, \
                     stars = $7, forks = $8, last_commit = coalesce($9, last_commit), \
                     status = CASE WHEN $10 AND status = 'active' THEN 'deferred' \
                                   ELSE status END \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(&r.description)
            .bind(&r.github_url)
            .bind(&r.demo_url)
            .bind(&r.language)
            .bind(&r.tags)
            .bind(r.stars)
            .bind(r.forks)
            .bind(r.last_commit)
            .bind(r.archived)
            .execute(&mut *conn)
            .await?;
            (id, false)
        }
        None => {
            let id: Uuid = sqlx::query_scalar(
                "INSERT INTO projects (name, description, github_url, demo_url, language, tags, \
                     stars, forks, last_commit, status) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                     CASE WHEN $10 THEN 'deferred' ELSE 'active' END::project_status) \
                 RETURNING id",
            )
            .bind(&r.name)
            .bind(&r.description)
            .bind(&r.github_url)
            .bind(&r.demo_url)
            .bind(&r.language)
            .bind(&r.tags)
            .bind(r.stars)
            .bind(r.forks)
            .bind(r.last_commit)
            .bind(r.archived)
            .fetch_one(&mut *conn)
            .await?;
            (id, true)
        }
    };
    if let Some(m) = &r.metrics {
        sqlx::query(
            "INSERT INTO project_metrics (project_id, date, tech_stack, health_score) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (project_id, date) DO UPDATE \
             SET tech_stack = excluded.tech_stack, health_score = excluded.health_score",
        )
        .bind(id)
        .bind(m.date)
        .bind(&m.tech_stack)
        .bind(m.health_score)
        .execute(&mut *conn)
        .await?;
    }
    Ok((id, inserted))
}
