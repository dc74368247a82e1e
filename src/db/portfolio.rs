//! The portfolio pane: every project with its open-bug counts, latest health
//! score and risk, riskiest first.

use crate::app::model::ProjectRow;
use crate::domain::{ProjectStatus, RiskInput, project_risk};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

/// One grouped pass over the open bugs (an index-only scan of
/// `bugs_open_project_idx`), one index probe per project for its latest
/// metrics; risk is computed by `domain::project_risk`.
const PROJECTS: &str = "\
    WITH counts AS ( \
        SELECT project_id, \
               count(*) AS open_bugs, \
               count(*) FILTER (WHERE severity = 'critical') AS critical_bugs, \
               count(*) FILTER (WHERE is_blocker) AS blocker_bugs \
        FROM bugs \
        WHERE status IN ('pending', 'in_progress', 'verified', 'deferred') \
          AND project_id IS NOT NULL \
        GROUP BY project_id \
    ) \
    SELECT p.id, p.name, p.status::text AS status, p.roi_score, p.dcf_valuation, p.arr, \
           p.monthly_infra_cost, p.current_milestone, p.total_milestones, p.last_commit, \
           coalesce(c.open_bugs, 0) AS open_bugs, \
           coalesce(c.critical_bugs, 0) AS critical_bugs, \
           coalesce(c.blocker_bugs, 0) AS blocker_bugs, \
           m.health_score, m.date AS metric_date \
    FROM projects p \
    LEFT JOIN counts c ON c.project_id = p.id \
    LEFT JOIN LATERAL ( \
        SELECT pm.health_score, pm.date FROM project_metrics pm \
        WHERE pm.project_id = p.id ORDER BY pm.date DESC LIMIT 1 \
    ) m ON true";

pub async fn projects(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<ProjectRow>> {
    let rows = sqlx::query(PROJECTS).fetch_all(conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let status: String = r.try_get("status")?;
        let status = status
            .parse::<ProjectStatus>()
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        let critical_bugs: i64 = r.try_get("critical_bugs")?;
        let current_milestone: i32 = r.try_get("current_milestone")?;
        let total_milestones: i32 = r.try_get("total_milestones")?;
        let risk = project_risk(
            &RiskInput {
                open_critical: critical_bugs,
                last_commit: r.try_get::<Option<DateTime<Utc>>, _>("last_commit")?,
                latest_metric_date: r.try_get::<Option<NaiveDate>, _>("metric_date")?,
                current_milestone,
                total_milestones,
            },
            now,
        );
        out.push(ProjectRow {
            id: r.try_get::<Uuid, _>("id")?,
            name: r.try_get("name")?,
            status,
            roi_score: r.try_get::<Option<Decimal>, _>("roi_score")?,
            dcf_valuation: r.try_get("dcf_valuation")?,
            arr: r.try_get("arr")?,
            monthly_infra_cost: r.try_get("monthly_infra_cost")?,
            current_milestone,
            total_milestones,
            open_bugs: r.try_get("open_bugs")?,
            critical_bugs,
            blocker_bugs: r.try_get("blocker_bugs")?,
            risk,
            health_score: r.try_get("health_score")?,
        });
    }
    out.sort_by(|a, b| {
        b.risk
            .score
            .total_cmp(&a.risk.score)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(out)
}
