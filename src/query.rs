//! What subset of bugs to show and in which order: shared by the dashboard's
//! table, `ctodash bugs list`, and the database layer that turns it into SQL.

use crate::domain::{BugStatus, Severity};

/// Which statuses to show. The dashboard starts on `Open`: triage is about what
/// is not done yet, and the resolved bulk is one key away.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    Open,
    All,
    Only(Vec<BugStatus>),
}

impl StatusFilter {
    pub fn statuses(&self) -> Vec<BugStatus> {
        match self {
            StatusFilter::Open => BugStatus::ALL.into_iter().filter(|s| s.is_open()).collect(),
            StatusFilter::All => BugStatus::ALL.to_vec(),
            StatusFilter::Only(v) => v.clone(),
        }
    }

    pub fn label(&self) -> String {
        match self {
            StatusFilter::Open => "open".into(),
            StatusFilter::All => "any status".into(),
            StatusFilter::Only(v) => v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("|"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BugFilter {
    pub status: StatusFilter,
    /// Empty = any severity.
    pub severities: Vec<Severity>,
    /// Project name, exact (case-insensitive).
    pub project: Option<String>,
    /// Assignee email or name, exact (case-insensitive); "none" for unassigned.
    pub assignee: Option<String>,
    pub blocker_only: bool,
    pub sla_breached_only: bool,
    /// Case-insensitive substring of title or description.
    pub search: String,
    /// Also match titles with a word close to `search` (trigram similarity), for
    /// typos. The dashboard turns this on when the exact search finds nothing.
    pub fuzzy: bool,
    /// Only bugs opened or resolved in a window ending now (a KPI drill-down).
    pub window: Option<Window>,
}

/// A time window relative to the moment the query runs, as the KPIs count
/// it: (now − days, now]. Resolved means `resolved_at` is set, whatever the
/// status now (the resolution summaries count it so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Opened { days: u32 },
    Resolved { days: u32 },
    ResolvedEver,
}

impl Window {
    pub fn label(self) -> String {
        match self {
            Window::Opened { days } => format!("opened in {days} days"),
            Window::Resolved { days } => format!("resolved in {days} days"),
            Window::ResolvedEver => "resolved".into(),
        }
    }
}

impl BugFilter {
    /// Short description for the table title, e.g. "open · critical,high · blockers".
    pub fn summary(&self) -> String {
        let mut parts = vec![self.status.label()];
        if !self.severities.is_empty() {
            parts.push(
                self.severities
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            );
        }
        if let Some(p) = &self.project {
            parts.push(format!("project={p}"));
        }
        if let Some(a) = &self.assignee {
            parts.push(format!("assignee={a}"));
        }
        if self.blocker_only {
            parts.push("blockers".into());
        }
        if self.sla_breached_only {
            parts.push("SLA breached".into());
        }
        if let Some(w) = self.window {
            parts.push(w.label());
        }
        if !self.search.is_empty() {
            let approx = if self.fuzzy { "≈" } else { "" };
            parts.push(format!("{approx}\"{}\"", self.search));
        }
        parts.join(" · ")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Priority,
    Number,
    Severity,
    Status,
    Title,
    Assignee,
    Project,
    Age,
    Sla,
}

impl SortKey {
    pub const ALL: [SortKey; 9] = [
        SortKey::Priority,
        SortKey::Number,
        SortKey::Severity,
        SortKey::Status,
        SortKey::Title,
        SortKey::Assignee,
        SortKey::Project,
        SortKey::Age,
        SortKey::Sla,
    ];

    pub fn next(self) -> SortKey {
        let i = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Priority => "priority",
            SortKey::Number => "number",
            SortKey::Severity => "severity",
            SortKey::Status => "status",
            SortKey::Title => "title",
            SortKey::Assignee => "assignee",
            SortKey::Project => "project",
            SortKey::Age => "age",
            SortKey::Sla => "sla",
        }
    }

    /// The direction people mean by "sort by X": highest priority, most severe,
    /// oldest, and soonest SLA deadline first; names and numbers ascending.
    pub fn natural_descending(self) -> bool {
        matches!(self, SortKey::Priority)
    }
}

impl std::str::FromStr for SortKey {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.label().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|k| k.label()).collect();
                format!(
                    "unknown sort column `{s}`; use one of: {}",
                    names.join(", ")
                )
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    /// True when the order is the reverse of the key's natural order.
    pub reversed: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            key: SortKey::Priority,
            reversed: false,
        }
    }
}

impl Sort {
    pub fn descending(&self) -> bool {
        self.key.natural_descending() != self.reversed
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BugQuery {
    pub filter: BugFilter,
    pub sort: Sort,
}

/// The sort-key value of one row plus its id: where a page starts or ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub value: CursorValue,
    pub id: uuid::Uuid,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CursorValue {
    Int(i64),
    Text(String),
    Time(chrono::DateTime<chrono::Utc>),
}

/// Which page of the current query to load.
#[derive(Debug, Clone, PartialEq)]
pub enum PageAnchor {
    Top,
    Bottom,
    /// Rows strictly after this one, in sort order.
    After(Cursor),
    /// Rows strictly before this one, in sort order.
    Before(Cursor),
    /// This row (if it still matches) and the rows after it: reloads a window
    /// in place on refresh.
    From(Cursor),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_cycles_through_every_key_and_parses_labels() {
        let mut k = SortKey::Priority;
        for _ in 0..SortKey::ALL.len() {
            assert_eq!(k.label().parse::<SortKey>().unwrap(), k);
            k = k.next();
        }
        assert_eq!(k, SortKey::Priority);
        assert!(
            "colour"
                .parse::<SortKey>()
                .unwrap_err()
                .contains("priority, number")
        );
    }

    #[test]
    fn direction_and_summary() {
        assert!(Sort::default().descending());
        assert!(
            !Sort {
                key: SortKey::Age,
                reversed: false
            }
            .descending()
        );
        assert!(
            Sort {
                key: SortKey::Age,
                reversed: true
            }
            .descending()
        );
        let f = BugFilter {
            severities: vec![Severity::Critical],
            blocker_only: true,
            search: "login".into(),
            ..Default::default()
        };
        assert_eq!(f.summary(), "open · critical · blockers · \"login\"");
    }
}
