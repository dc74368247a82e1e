//! The bugs CSV: its columns and the checks each row must pass.

use super::csv_file::{Cells, FieldSpec, Header, aka, field, required};
use super::validate::{self, DecimalRule};
use crate::db::import::{BugColumns, BugRow};
use crate::domain::{BugStatus, Severity};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use uuid::Uuid;

pub const BUG_NUMBER: usize = 0;
pub const TITLE: usize = 1;
pub const DESCRIPTION: usize = 2;
pub const SEVERITY: usize = 3;
pub const STATUS: usize = 4;
pub const ASSIGNED_TO: usize = 5;
pub const PROJECT_NAME: usize = 6;
pub const SLA_HOURS: usize = 7;
pub const BUSINESS_IMPACT: usize = 8;
pub const REVENUE_IMPACT: usize = 9;
pub const IS_BLOCKER: usize = 10;
pub const PRIORITY_SCORE: usize = 11;
pub const ESTIMATED_HOURS: usize = 12;
pub const ACTUAL_HOURS: usize = 13;
pub const RESOLVED_AT: usize = 14;
pub const CREATED_AT: usize = 15;

/// The source product's bug template, in its order, plus `createdAt` (ours:
/// lets a migration keep each bug's age, which drives SLA and priority).
pub const FIELDS: &[FieldSpec] = &[
    required("bugNumber"),
    required("title"),
    field("description"),
    required("severity"),
    field("status"),
    aka("assignedTo", &["assignee", "assigneeEmail"]),
    aka("projectName", &["project"]),
    field("slaHours"),
    field("businessImpact"),
    aka("revenueImpact", &["revenueImpactDaily"]),
    aka("isBlocker", &["blocker"]),
    field("priorityScore"),
    field("estimatedHours"),
    field("actualHours"),
    field("resolvedAt"),
    field("createdAt"),
];

/// Which optional columns the file has.
pub fn columns(h: &Header) -> BugColumns {
    BugColumns {
        description: h.has(DESCRIPTION),
        status: h.has(STATUS),
        assigned_to: h.has(ASSIGNED_TO),
        project: h.has(PROJECT_NAME),
        sla_hours: h.has(SLA_HOURS),
        business_impact: h.has(BUSINESS_IMPACT),
        revenue_impact: h.has(REVENUE_IMPACT),
        is_blocker: h.has(IS_BLOCKER),
        estimated_hours: h.has(ESTIMATED_HOURS),
        actual_hours: h.has(ACTUAL_HOURS),
        resolved_at: h.has(RESOLVED_AT),
        created_at: h.has(CREATED_AT),
    }
}

/// Look-ups from the database and the rows seen so far in this file.
pub struct BugChecker {
    /// lower(email) → user id.
    pub users: HashMap<String, Uuid>,
    /// lower(trimmed name) → ids of the projects with that name.
    pub projects: HashMap<String, Vec<Uuid>>,
    pub now: DateTime<Utc>,
    /// Bug number → line of its first row in this file.
    seen: HashMap<String, u64>,
}

impl BugChecker {
    pub fn new(
        users: HashMap<String, Uuid>,
        projects: HashMap<String, Vec<Uuid>>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            users,
            projects,
            now,
            seen: HashMap::new(),
        }
    }

    /// Every check of one row; None when any failed (the problems are in `c`).
    pub fn check(&mut self, c: &mut Cells<'_>) -> Option<BugRow> {
        let now = self.now;
        let bug_number = c.parse_required(BUG_NUMBER, validate::bug_number);
        if let Some(n) = &bug_number {
            if let Some(first) = self.seen.get(n) {
                c.fail(
                    BUG_NUMBER,
                    format!(
                        "{n} is a duplicate of line {first} (the first row is the one imported)"
                    ),
                );
            } else {
                self.seen.insert(n.clone(), c.line);
            }
        }
        let title = c.parse_required(TITLE, |s| validate::short_text(s, 500));
        let description = c.parse(DESCRIPTION, validate::text);
        let severity = c.parse_required(SEVERITY, validate::label::<Severity>);
        let status = c.parse(STATUS, validate::label::<BugStatus>);
        let assigned_to = c.parse(ASSIGNED_TO, |email| {
            self.users
                .get(&email.to_lowercase())
                .copied()
                .ok_or_else(|| {
                    format!(
                        "no user has the email {email:?}; add the user first or leave \
                         the cell empty"
                    )
                })
        });
        let project_id = c.parse(PROJECT_NAME, |name| {
            match self.projects.get(&name.to_lowercase()).map(Vec::as_slice) {
                Some([id]) => Ok(*id),
                Some(ids) if ids.len() > 1 => Err(format!(
                    "{} projects are named {name:?}; rename one so the name is unique",
                    ids.len()
                )),
                _ => Err(format!(
                    "no project is named {name:?}; import the project first or leave \
                     the cell empty"
                )),
            }
        });
        let sla_hours = c.parse(SLA_HOURS, |s| validate::int_at_least(s, 1));
        let business_impact = c.parse(BUSINESS_IMPACT, validate::text);
        let revenue_impact_daily = c.parse(REVENUE_IMPACT, |s| {
            validate::decimal(s, DecimalRule::money(12))
        });
        let is_blocker = c.parse(IS_BLOCKER, validate::boolean);
        // Checked, never stored: the database derives every bug's priority from
        // severity, revenue impact, blocker flag and age.
        let _priority = c.parse(PRIORITY_SCORE, |s| validate::int_in(s, 0, 100));
        let estimated_hours = c.parse(ESTIMATED_HOURS, |s| {
            validate::decimal(s, DecimalRule::hours())
        });
        let actual_hours = c.parse(ACTUAL_HOURS, |s| validate::decimal(s, DecimalRule::hours()));
        let resolved_at = c.parse(RESOLVED_AT, |s| validate::past_timestamp(s, now));
        let created_at = c.parse(CREATED_AT, |s| validate::past_timestamp(s, now));
        if let (Some(status), Some(_)) = (status, resolved_at)
            && status.is_open()
        {
            c.fail(
                RESOLVED_AT,
                format!(
                    "is set but status {status} is open; leave it empty or use shipped or closed"
                ),
            );
        }
        if let (Some(created), Some(resolved)) = (created_at, resolved_at)
            && resolved < created
        {
            c.fail(RESOLVED_AT, "is before createdAt");
        }
        Some(BugRow {
            line: c.line,
            bug_number: bug_number?,
            title: title?,
            description,
            severity: severity?,
            status,
            assigned_to,
            project_id,
            sla_hours,
            business_impact,
            revenue_impact_daily,
            is_blocker,
            estimated_hours,
            actual_hours,
            resolved_at,
            created_at,
        })
    }
}
