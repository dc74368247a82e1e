//! A new bug, by hand: its number from the allocator (`db::bugs::numbers`),
//! its creator, its SLA and priority from the rules (the schema's trigger
//! computes both from severity, blocker flag and revenue impact, as
//! `domain::priority_score` does), and its `audit_log` row, in one
//! transaction.

use super::locked::missing;
use super::{EditContext, Phase, describe};
use crate::app::model::BugRow;
use crate::db::bugs::{ROW_COLUMNS, decode_row, numbers};
use crate::domain::{FieldError, Severity, check_description, check_title};
use sqlx::PgPool;
use uuid::Uuid;

/// What a person gives for a new bug; it starts `pending`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBug {
    pub title: String,
    pub severity: Severity,
    /// A project's id; must exist.
    pub project: Option<Uuid>,
    /// A user's id; must exist.
    pub assignee: Option<Uuid>,
    pub is_blocker: bool,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CreateOutcome {
    /// Written: the new bug's row (its number is `row.number`).
    Created(BugRow),
    /// A field rule broken; nothing was written.
    Refused(FieldError),
    /// Nothing was written (read-only session, lost connection…), or when the
    /// connection was lost while committing it is unknown; one sentence.
    Failed { error: String },
}

const INSERT_AND_AUDIT: &str = "WITH ins AS ( \
         INSERT INTO bugs (bug_number, title, description, severity, assigned_to, project_id, \
                           is_blocker, created_by) \
         VALUES ($1, $2, $3, $4::bug_severity, $5, $6, $7, $8) RETURNING *), \
     aud AS ( \
         INSERT INTO audit_log \
             (user_id, action, entity_type, entity_id, details, ip_address, user_agent) \
         SELECT $8, 'bug.created', 'bug', ins.id, \
             jsonb_build_object('bug_number', ins.bug_number, 'title', ins.title, \
                 'severity', ins.severity::text, 'assigned_to', ins.assigned_to, \
                 'project_id', ins.project_id, 'is_blocker', ins.is_blocker, \
                 'sla_hours', ins.sla_hours, 'priority_score', ins.priority_score, \
                 'version_after', ins.version), $9, $10 \
         FROM ins) \
     SELECT ";

/// Creates `new` as `ctx.me`. Never returns `Err` (see [`CreateOutcome`]).
pub async fn create_bug(
    pool: &PgPool,
    ctx: &EditContext,
    new: &NewBug,
) -> Result<CreateOutcome, sqlx::Error> {
    let title = match check_title(&new.title) {
        Ok(t) => t,
        Err(e) => return Ok(CreateOutcome::Refused(e)),
    };
    let description = match check_description(new.description.as_deref()) {
        Ok(d) => d,
        Err(e) => return Ok(CreateOutcome::Refused(e)),
    };
    let mut phase = Phase::BeforeCommit;
    match try_create(pool, ctx, new, title, description, &mut phase).await {
        Ok(outcome) => Ok(outcome),
        Err(e) => {
            tracing::warn!(error = %e, "creating a bug failed");
            Ok(CreateOutcome::Failed {
                error: describe(&e, ctx, phase),
            })
        }
    }
}

async fn try_create(
    pool: &PgPool,
    ctx: &EditContext,
    new: &NewBug,
    title: String,
    description: Option<String>,
    phase: &mut Phase,
) -> sqlx::Result<CreateOutcome> {
    let mut tx = pool.begin().await?;
    let users: Vec<Uuid> = new.assignee.into_iter().collect();
    if let Some(u) = missing(&mut tx, "users", &users).await?.first() {
        return Ok(CreateOutcome::Refused(FieldError::UnknownUser(*u)));
    }
    let projects: Vec<Uuid> = new.project.into_iter().collect();
    if let Some(p) = missing(&mut tx, "projects", &projects).await?.first() {
        return Ok(CreateOutcome::Refused(FieldError::UnknownProject(*p)));
    }
    let number = numbers::allocate(&mut tx, 1).await?.remove(0);
    let sql = format!(
        "{INSERT_AND_AUDIT}{ROW_COLUMNS} FROM ins b \
         LEFT JOIN users u ON u.id = b.assigned_to LEFT JOIN projects p ON p.id = b.project_id"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&number)
        .bind(&title)
        .bind(&description)
        .bind(new.severity.as_str())
        .bind(new.assignee)
        .bind(new.project)
        .bind(new.is_blocker)
        .bind(ctx.me.id)
        .bind(&ctx.client_addr)
        .bind(&ctx.user_agent)
        .fetch_one(&mut *tx)
        .await?;
    let created = decode_row(&row)?;
    *phase = Phase::Committing;
    tx.commit().await?;
    Ok(CreateOutcome::Created(created))
}
