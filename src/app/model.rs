//! What the dashboard shows, as plain data: loaded by `db`, held by `App`, drawn
//! by `ui`. No I/O and no terminal types here.

use crate::db::kpis::Kpis;
use crate::domain::{BugStatus, ProjectStatus, RiskBreakdown, Severity};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

/// One line of the bug table.
#[derive(Debug, Clone, PartialEq)]
pub struct BugRow {
    pub id: Uuid,
    /// "BUG-1001"
    pub number: String,
    pub severity: Severity,
    pub status: BugStatus,
    pub title: String,
    /// Display name of the assignee.
    pub assignee: Option<String>,
    pub project: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sla_hours: i32,
    pub priority: i32,
    pub is_blocker: bool,
    pub version: i64,
}

/// Everything the detail pane shows about one bug.
#[derive(Debug, Clone, PartialEq)]
pub struct BugDetail {
    pub row: BugRow,
    pub description: Option<String>,
    pub business_impact: Option<String>,
    pub revenue_impact_daily: Option<Decimal>,
    pub estimated_hours: Option<Decimal>,
    pub actual_hours: Option<Decimal>,
    pub assignee_email: Option<String>,
    pub creator: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Newest first.
    pub history: Vec<HistoryEntry>,
    /// Newest first; [`BugDetail::timeline`] interleaves them with `history`.
    pub comments: Vec<CommentEntry>,
}

impl BugDetail {
    /// History and comments in one timeline, newest first (a comment before
    /// a change made at the same instant).
    pub fn timeline(&self) -> Vec<TimelineEntry<'_>> {
        let mut out: Vec<TimelineEntry<'_>> = self
            .history
            .iter()
            .map(TimelineEntry::Change)
            .chain(self.comments.iter().map(TimelineEntry::Comment))
            .collect();
        // Stable: each list keeps its own order among equal times.
        out.sort_by(|a, b| {
            b.at()
                .cmp(&a.at())
                .then_with(|| a.is_change().cmp(&b.is_change()))
        });
        out
    }
}

/// One comment on a bug.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// Display name of the author; None when the user was deleted.
    pub author: Option<String>,
    /// As written: may hold line breaks (show it with `text_safety::multi_line`).
    pub body: String,
}

/// One line of a bug's timeline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimelineEntry<'a> {
    Change(&'a HistoryEntry),
    Comment(&'a CommentEntry),
}

impl TimelineEntry<'_> {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            TimelineEntry::Change(h) => h.at,
            TimelineEntry::Comment(c) => c.at,
        }
    }

    fn is_change(&self) -> bool {
        matches!(self, TimelineEntry::Change(_))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// Display name of who made the change; None when the writer did not say.
    pub who: Option<String>,
    /// The `bugs` column: "status", "severity", "assigned_to", "is_blocker",
    /// "title", "project_id", "estimated_hours", "actual_hours", "description".
    pub field: String,
    /// Values as shown to people (assignee and project ids already resolved
    /// to names).
    pub old: Option<String>,
    pub new: Option<String>,
}

/// One line of the portfolio pane.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRow {
    pub id: Uuid,
    pub name: String,
    pub status: ProjectStatus,
    pub roi_score: Option<Decimal>,
    pub dcf_valuation: Option<Decimal>,
    pub arr: Option<Decimal>,
    pub monthly_infra_cost: Option<Decimal>,
    pub current_milestone: i32,
    pub total_milestones: i32,
    pub open_bugs: i64,
    pub critical_bugs: i64,
    pub blocker_bugs: i64,
    pub risk: RiskBreakdown,
    /// Latest `project_metrics` health score.
    pub health_score: Option<i32>,
}

/// One month of `monthly_metrics`, for sparklines.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthPoint {
    pub month: NaiveDate,
    pub open_total: i64,
    pub critical: i64,
    pub created: i64,
    pub resolved: i64,
    pub revenue_at_risk_daily: Decimal,
    pub avg_resolution_days: Decimal,
}

/// The KPI pane's data: current figures plus the monthly trend (oldest first).
#[derive(Debug, Clone, PartialEq)]
pub struct KpiData {
    pub kpis: Kpis,
    pub trend: Vec<MonthPoint>,
    /// What the clock will change before the next read.
    pub clock: crate::db::kpis::KpiClock,
}

/// Row count for the current filter; above a threshold it may be the planner's
/// estimate, which the table labels as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub n: u64,
    pub estimated: bool,
}

/// The signed-in user (from --user / CTODASH_USER / config), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    pub id: Uuid,
    pub email: String,
    pub name: String,
}
