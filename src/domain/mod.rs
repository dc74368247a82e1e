//! Pure business rules: no I/O, no sqlx, no ratatui. `now` is always passed in.

pub mod alert;
pub mod bug_number;
pub mod change;
pub mod cost;
pub mod enums;
pub mod fields;
pub mod kpi;
pub mod lifecycle;
pub mod portfolio;
pub mod priority;
pub mod risk;
pub mod sla;

pub use bug_number::{BugNumber, ParseBugNumberError};
pub use change::{Field, FieldChange, normalize_changes};
pub use cost::{
    DEFAULT_HOURLY_RATE, RevenueAtRisk, bug_cost, revenue_at_risk, revenue_at_risk_contribution,
};
pub use enums::{BugStatus, ImportSource, ParseEnumError, ProjectStatus, Severity, UserRole};
pub use fields::{
    COMMENT_MAX_CHARS, DESCRIPTION_MAX_CHARS, FieldError, HOURS_MAX, TITLE_MAX_CHARS,
    check_comment, check_description, check_hours, check_title, sla_hours_after,
};
pub use kpi::{mean_hours_to_resolve, sla_compliance_pct};
pub use lifecycle::{
    TransitionError, allowed_transitions, can_transition, check_transition, is_reopen,
};
pub use portfolio::{
    PortfolioTotals, ProjectFinancials, portfolio_totals, portfolio_totals_grouped,
};
pub use priority::priority_score;
pub use risk::{RiskBreakdown, RiskInput, RiskLevel, last_activity, project_risk};
pub use sla::{SlaState, format_duration_short, is_breached, resolved_within_sla, sla_state};
