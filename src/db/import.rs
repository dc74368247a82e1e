//! The SQL of `ctodash import`: look-ups for validation, the bulk load of
//! validated CSV rows, the GitHub upserts, and the `import_logs` row.
//!
//! A CSV load is one transaction: the good rows are COPYed into a temporary
//! staging table, then one `UPDATE … FROM` changes the existing rows that differ
//! and one `INSERT … SELECT` adds the new ones. It is not a single
//! `INSERT … ON CONFLICT DO UPDATE` because the bugs' BEFORE INSERT trigger fills
//! `sla_hours`, `resolved_at` and `created_at` into `excluded`, so an upsert could
//! not tell "empty in the file" from "computed by the trigger" and would, for
//! example, move the `resolved_at` of every shipped bug to now on each re-import.
//! Rows whose values are all unchanged are not touched, so a re-import of the same
//! file bumps no bug `version` and so causes no spurious edit conflicts in
//! dashboards that are open.

use crate::db::copy_text::Row;
use crate::domain::{BugStatus, ImportSource, ProjectStatus, Severity};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;
use std::collections::HashMap;
use uuid::Uuid;

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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadCounts {
    pub inserted: u64,
    pub updated: u64,
    /// Existing rows whose values were already those of the file.
    pub unchanged: u64,
}

/// One validated bug row. `None` means "empty in the file" (or no such column).
#[derive(Debug, Clone)]
pub struct BugRow {
    pub line: u64,
    pub bug_number: String,
    pub title: String,
    pub description: Option<String>,
    pub severity: Severity,
    pub status: Option<BugStatus>,
    pub assigned_to: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub sla_hours: Option<i32>,
    pub business_impact: Option<String>,
    pub revenue_impact_daily: Option<Decimal>,
    pub is_blocker: Option<bool>,
    pub estimated_hours: Option<Decimal>,
    pub actual_hours: Option<Decimal>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<Utc>>,
}

/// Which optional bug columns the file has. Only those are changed on existing
/// bugs: an empty cell clears a nullable column; for a column that cannot be
/// null (status, isBlocker, slaHours, resolvedAt, createdAt) it keeps the
/// current value.
#[derive(Debug, Clone, Copy, Default)]
pub struct BugColumns {
    pub description: bool,
    pub status: bool,
    pub assigned_to: bool,
    pub project: bool,
    pub sla_hours: bool,
    pub business_impact: bool,
    pub revenue_impact: bool,
    pub is_blocker: bool,
    pub estimated_hours: bool,
    pub actual_hours: bool,
    pub resolved_at: bool,
    pub created_at: bool,
}

const BUG_STAGE: &str = "CREATE TEMP TABLE ctodash_import_bugs (
    line bigint NOT NULL, bug_number text NOT NULL, title text NOT NULL, description text,
    severity bug_severity NOT NULL, status bug_status, assigned_to uuid, project_id uuid,
    sla_hours integer, business_impact text, revenue_impact_daily numeric,
    is_blocker boolean, estimated_hours numeric, actual_hours numeric,
    resolved_at timestamptz, created_at timestamptz) ON COMMIT DROP";

const BUG_COPY: &str = "COPY ctodash_import_bugs (line, bug_number, title, description, \
     severity, status, assigned_to, project_id, sla_hours, business_impact, \
     revenue_impact_daily, is_blocker, estimated_hours, actual_hours, resolved_at, created_at) \
     FROM STDIN";

/// Loads validated bugs inside the caller's transaction: updates existing bugs
/// (by bug number) whose values differ, inserts the others. `actor` becomes
/// `created_by` of new bugs.
pub async fn load_bugs(
    conn: &mut PgConnection,
    rows: &[BugRow],
    cols: &BugColumns,
    actor: Option<Uuid>,
) -> sqlx::Result<LoadCounts> {
    sqlx::query(BUG_STAGE).execute(&mut *conn).await?;
    let mut text = String::with_capacity(rows.len() * 160);
    for r in rows {
        let mut w = Row::new(&mut text);
        w.display(r.line)
            .text(&r.bug_number)
            .text(&r.title)
            .opt_text(r.description.as_deref())
            .text(r.severity.as_str())
            .opt_text(r.status.map(|s| s.as_str()))
            .opt_display(r.assigned_to)
            .opt_display(r.project_id)
            .opt_display(r.sla_hours)
            .opt_text(r.business_impact.as_deref())
            .opt_display(r.revenue_impact_daily)
            .opt_bool(r.is_blocker)
            .opt_display(r.estimated_hours)
            .opt_display(r.actual_hours)
            .opt_time(r.resolved_at)
            .opt_time(r.created_at)
            .end();
    }
    copy_in(conn, BUG_COPY, text).await?;
    sqlx::query("ANALYZE ctodash_import_bugs")
        .execute(&mut *conn)
        .await?;

    let mut sets: Vec<(&str, &str)> = vec![("title", "s.title"), ("severity", "s.severity")];
    let optional: [(bool, &str, &str); 12] = [
        (cols.description, "description", "s.description"),
        (cols.status, "status", "coalesce(s.status, b.status)"),
        (cols.assigned_to, "assigned_to", "s.assigned_to"),
        (cols.project, "project_id", "s.project_id"),
        (
            cols.sla_hours,
            "sla_hours",
            "coalesce(s.sla_hours, b.sla_hours)",
        ),
        (cols.business_impact, "business_impact", "s.business_impact"),
        (
            cols.revenue_impact,
            "revenue_impact_daily",
            "s.revenue_impact_daily",
        ),
        (
            cols.is_blocker,
            "is_blocker",
            "coalesce(s.is_blocker, b.is_blocker)",
        ),
        (cols.estimated_hours, "estimated_hours", "s.estimated_hours"),
        (cols.actual_hours, "actual_hours", "s.actual_hours"),
        (
            cols.resolved_at,
            "resolved_at",
            "coalesce(s.resolved_at, b.resolved_at)",
        ),
        (
            cols.created_at,
            "created_at",
            "coalesce(s.created_at, b.created_at)",
        ),
    ];
    sets.extend(optional.iter().filter(|o| o.0).map(|o| (o.1, o.2)));
    let update = update_sql(
        "bugs",
        "b",
        &sets,
        "b.bug_number = s.bug_number",
        "ctodash_import_bugs",
    );
    let updated = sqlx::query(sqlx::AssertSqlSafe(update))
        .execute(&mut *conn)
        .await?
        .rows_affected();

    let new_rows: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM ctodash_import_bugs s \
         WHERE NOT EXISTS (SELECT 1 FROM bugs b WHERE b.bug_number = s.bug_number)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let rebuilt = if rebuild_pays_off(conn, new_rows).await? {
        drop_secondary_bug_indexes(conn).await?
    } else {
        Vec::new()
    };
    let inserted = sqlx::query(
        "INSERT INTO bugs (bug_number, title, description, severity, status, assigned_to, \
             project_id, sla_hours, business_impact, revenue_impact_daily, is_blocker, \
             estimated_hours, actual_hours, resolved_at, created_at, created_by) \
         SELECT s.bug_number, s.title, s.description, s.severity, \
             coalesce(s.status, 'pending'), s.assigned_to, s.project_id, s.sla_hours, \
             s.business_impact, s.revenue_impact_daily, coalesce(s.is_blocker, false), \
             s.estimated_hours, s.actual_hours, s.resolved_at, \
             coalesce(s.created_at, least(now(), s.resolved_at), now()), $1 \
         FROM ctodash_import_bugs s \
         WHERE NOT EXISTS (SELECT 1 FROM bugs b WHERE b.bug_number = s.bug_number) \
         ORDER BY s.line",
    )
    .bind(actor)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if !rebuilt.is_empty() {
        sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
            .execute(&mut *conn)
            .await?;
        for def in rebuilt {
            sqlx::query(sqlx::AssertSqlSafe(def))
                .execute(&mut *conn)
                .await?;
        }
    }
    let total = rows.len() as u64;
    Ok(LoadCounts {
        inserted,
        updated,
        unchanged: total.saturating_sub(inserted + updated),
    })
}

/// Below this many new bugs, indexes are maintained row by row.
const REBUILD_MIN_ROWS: i64 = 10_000;

/// Whether to drop the bugs table's secondary indexes for the insert and build
/// them afterwards: when a large import adds more bugs than the table holds (a
/// team's first import), building ~20 indexes once (two of them trigram GIN) is
/// about twice as fast as maintaining them row by row. Only the table's owner
/// can; concurrent readers of `bugs` wait for the commit either way.
async fn rebuild_pays_off(conn: &mut PgConnection, new_rows: i64) -> sqlx::Result<bool> {
    if new_rows < REBUILD_MIN_ROWS {
        return Ok(false);
    }
    let (estimate, owner): (f32, bool) = sqlx::query_as(
        "SELECT c.reltuples, pg_has_role(c.relowner, 'USAGE') FROM pg_class c \
         WHERE c.oid = 'bugs'::regclass",
    )
    .fetch_one(&mut *conn)
    .await?;
    if !owner {
        return Ok(false);
    }
    let existing = if estimate < 0.0 {
        sqlx::query_scalar("SELECT count(*) FROM bugs")
            .fetch_one(&mut *conn)
            .await?
    } else {
        estimate as i64
    };
    Ok(new_rows > existing)
}

/// Drops the non-constraint indexes of `bugs` in the current transaction and
/// returns their definitions, read from the catalogue so they match the schema.
async fn drop_secondary_bug_indexes(conn: &mut PgConnection) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i \
         WHERE i.indrelid = 'bugs'::regclass AND NOT i.indisprimary \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (name, _) in &rows {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX {name}")))
            .execute(&mut *conn)
            .await?;
    }
    Ok(rows.into_iter().map(|(_, def)| def).collect())
}

/// One validated project row, already matched: `existing` says whether `id` is
/// a project in the database (update) or a new id (insert).
#[derive(Debug, Clone)]
pub struct ProjectRow {
    pub line: u64,
    pub id: Uuid,
    pub existing: bool,
    pub name: String,
    pub description: Option<String>,
    pub github_url: Option<String>,
    pub demo_url: Option<String>,
    pub language: Option<String>,
    pub tags: Option<Vec<String>>,
    pub stars: Option<i32>,
    pub forks: Option<i32>,
    pub last_commit: Option<DateTime<Utc>>,
    pub status: Option<ProjectStatus>,
    pub complexity: Option<i32>,
    pub client_appeal: Option<i32>,
    pub current_milestone: Option<i32>,
    pub total_milestones: Option<i32>,
    pub arr: Option<Decimal>,
    pub year1_revenue: Option<Decimal>,
    pub year3_revenue: Option<Decimal>,
    pub roi_score: Option<Decimal>,
    pub tam: Option<Decimal>,
    pub sam: Option<Decimal>,
    pub som_year3: Option<Decimal>,
    pub traction_mrr: Option<Decimal>,
    pub margin_percent: Option<Decimal>,
    pub dcf_valuation: Option<Decimal>,
    pub monthly_infra_cost: Option<Decimal>,
}

/// Which optional project columns the file has (see [`BugColumns`] for what an
/// empty cell means; here tags, stars, forks, status and the milestones keep
/// their value, and a stored GitHub URL is never changed: it is what matched).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProjectColumns {
    pub description: bool,
    pub github_url: bool,
    pub demo_url: bool,
    pub language: bool,
    pub tags: bool,
    pub stars: bool,
    pub forks: bool,
    pub last_commit: bool,
    pub status: bool,
    pub complexity: bool,
    pub client_appeal: bool,
    pub current_milestone: bool,
    pub total_milestones: bool,
    pub arr: bool,
    pub year1_revenue: bool,
    pub year3_revenue: bool,
    pub roi_score: bool,
    pub tam: bool,
    pub sam: bool,
    pub som_year3: bool,
    pub traction_mrr: bool,
    pub margin_percent: bool,
    pub dcf_valuation: bool,
    pub monthly_infra_cost: bool,
}

const PROJECT_STAGE: &str = "CREATE TEMP TABLE ctodash_import_projects (
    line bigint NOT NULL, id uuid NOT NULL, existing boolean NOT NULL, name text NOT NULL,
    description text, github_url text, demo_url text, language text, tags text[],
    stars integer, forks integer, last_commit timestamptz, status project_status,
    complexity integer, client_appeal integer, current_milestone integer,
    total_milestones integer, arr numeric, year1_revenue numeric, year3_revenue numeric,
    roi_score numeric, tam numeric, sam numeric, som_year3 numeric, traction_mrr numeric,
    margin_percent numeric, dcf_valuation numeric, monthly_infra_cost numeric) ON COMMIT DROP";

const PROJECT_COLUMNS: &str = "id, name, description, github_url, demo_url, language, tags, \
     stars, forks, last_commit, status, complexity, client_appeal, current_milestone, \
     total_milestones, arr, year1_revenue, year3_revenue, roi_score, tam, sam, som_year3, \
     traction_mrr, margin_percent, dcf_valuation, monthly_infra_cost";

pub async fn load_projects(
    conn: &mut PgConnection,
    rows: &[ProjectRow],
    cols: &ProjectColumns,
) -> sqlx::Result<LoadCounts> {
    sqlx::query(PROJECT_STAGE).execute(&mut *conn).await?;
    let mut text = String::with_capacity(rows.len() * 300);
    for r in rows {
        let mut w = Row::new(&mut text);
        w.display(r.line)
            .bool(r.existing)
            .display(r.id)
            .text(&r.name)
            .opt_text(r.description.as_deref())
            .opt_text(r.github_url.as_deref())
            .opt_text(r.demo_url.as_deref())
            .opt_text(r.language.as_deref())
            .opt_array(r.tags.as_deref())
            .opt_display(r.stars)
            .opt_display(r.forks)
            .opt_time(r.last_commit)
            .opt_text(r.status.map(|s| s.as_str()))
            .opt_display(r.complexity)
            .opt_display(r.client_appeal)
            .opt_display(r.current_milestone)
            .opt_display(r.total_milestones);
        for d in [
            r.arr,
            r.year1_revenue,
            r.year3_revenue,
            r.roi_score,
            r.tam,
            r.sam,
            r.som_year3,
            r.traction_mrr,
            r.margin_percent,
            r.dcf_valuation,
            r.monthly_infra_cost,
        ] {
            w.opt_display(d);
        }
        w.end();
    }
    let statement =
        format!("COPY ctodash_import_projects (line, existing, {PROJECT_COLUMNS}) FROM STDIN");
    copy_in(conn, &statement, text).await?;
    sqlx::query("ANALYZE ctodash_import_projects")
        .execute(&mut *conn)
        .await?;

    let mut sets: Vec<(&str, &str)> = vec![
        ("name", "s.name"),
        ("github_url", "coalesce(p.github_url, s.github_url)"),
    ];
    let optional: [(bool, &str, &str); 23] = [
        (cols.description, "description", "s.description"),
        (cols.demo_url, "demo_url", "s.demo_url"),
        (cols.language, "language", "s.language"),
        (cols.tags, "tags", "coalesce(s.tags, p.tags)"),
        (cols.stars, "stars", "coalesce(s.stars, p.stars)"),
        (cols.forks, "forks", "coalesce(s.forks, p.forks)"),
        (cols.last_commit, "last_commit", "s.last_commit"),
        (cols.status, "status", "coalesce(s.status, p.status)"),
        (cols.complexity, "complexity", "s.complexity"),
        (cols.client_appeal, "client_appeal", "s.client_appeal"),
        (
            cols.current_milestone,
            "current_milestone",
            "coalesce(s.current_milestone, p.current_milestone)",
        ),
        (
            cols.total_milestones,
            "total_milestones",
            "coalesce(s.total_milestones, p.total_milestones)",
        ),
        (cols.arr, "arr", "s.arr"),
        (cols.year1_revenue, "year1_revenue", "s.year1_revenue"),
        (cols.year3_revenue, "year3_revenue", "s.year3_revenue"),
        (cols.roi_score, "roi_score", "s.roi_score"),
        (cols.tam, "tam", "s.tam"),
        (cols.sam, "sam", "s.sam"),
        (cols.som_year3, "som_year3", "s.som_year3"),
        (cols.traction_mrr, "traction_mrr", "s.traction_mrr"),
        (cols.margin_percent, "margin_percent", "s.margin_percent"),
        (cols.dcf_valuation, "dcf_valuation", "s.dcf_valuation"),
        (
            cols.monthly_infra_cost,
            "monthly_infra_cost",
            "s.monthly_infra_cost",
        ),
    ];
    sets.extend(optional.iter().filter(|o| o.0).map(|o| (o.1, o.2)));
    let update = update_sql(
        "projects",
        "p",
        &sets,
        "p.id = s.id AND s.existing",
        "ctodash_import_projects",
    );
    let updated = sqlx::query(sqlx::AssertSqlSafe(update))
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let insert = format!(
        "INSERT INTO projects ({PROJECT_COLUMNS}) \
         SELECT s.id, s.name, s.description, s.github_url, s.demo_url, s.language, \
             coalesce(s.tags, '{{}}'), coalesce(s.stars, 0), coalesce(s.forks, 0), \
             s.last_commit, coalesce(s.status, 'active'), s.complexity, s.client_appeal, \
             coalesce(s.current_milestone, 0), coalesce(s.total_milestones, 0), s.arr, \
             s.year1_revenue, s.year3_revenue, s.roi_score, s.tam, s.sam, s.som_year3, \
             s.traction_mrr, s.margin_percent, s.dcf_valuation, s.monthly_infra_cost \
         FROM ctodash_import_projects s WHERE NOT s.existing ORDER BY s.line"
    );
    let inserted = sqlx::query(sqlx::AssertSqlSafe(insert))
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let existing = rows.iter().filter(|r| r.existing).count() as u64;
    Ok(LoadCounts {
        inserted,
        updated,
        unchanged: existing.saturating_sub(updated),
    })
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

/// The one `import_logs` row of a run.
#[derive(Debug, Clone)]
pub struct ImportLog {
    pub source: ImportSource,
    pub records_imported: i32,
    pub records_failed: i32,
    pub errors: Vec<String>,
    pub metadata: serde_json::Value,
}

pub async fn write_log(conn: &mut PgConnection, log: &ImportLog) -> sqlx::Result<Uuid> {
    sqlx::query_scalar(
        "INSERT INTO import_logs (source, records_imported, records_failed, errors, metadata) \
         VALUES ($1::import_source, $2, $3, $4, $5) RETURNING id",
    )
    .bind(log.source.as_str())
    .bind(log.records_imported)
    .bind(log.records_failed)
    .bind(&log.errors)
    .bind(&log.metadata)
    .fetch_one(conn)
    .await
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
