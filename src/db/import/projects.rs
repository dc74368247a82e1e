//! The project load: validated CSV rows, already matched to existing
//! projects, COPYed into a staging table, then updated or inserted.

use super::{LoadCounts, copy_in, update_sql};
use crate::db::copy_text::Row;
use crate::domain::ProjectStatus;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

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

/// Which optional project columns the file has (see [`BugColumns`](super::BugColumns) for what an
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
        conflicts: Vec::new(),
    })
}
