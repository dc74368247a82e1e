//! The five database enums, spelled exactly as PostgreSQL stores them.
//!
//! `as_str` is the single source of the snake_case label; `Display`, `FromStr`
//! and serde all agree with it, so a value survives every round trip between the
//! database, the CLI and JSON output.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A label that names no variant of the enum it was parsed as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind}: expected one of {accepted}")]
pub struct ParseEnumError {
    /// What was being parsed, in words ("bug status").
    pub kind: &'static str,
    /// The rejected input, as given.
    pub value: String,
    /// The accepted labels, comma separated.
    pub accepted: String,
}

/// Lowercases and turns '-' and ' ' into '_' so that "In Progress" and
/// "in-progress" mean the same as the database's "in_progress".
fn normalize(label: &str) -> String {
    label
        .trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $($(#[$vmeta:meta])* $variant:ident => $label:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every variant, in declaration order (which is also `Ord` order).
            pub const ALL: [Self; [$($label),+].len()] = [$(Self::$variant),+];

            /// The database label.
            pub const fn as_str(&self) -> &'static str {
                match self {
                    $(Self::$variant => $label),+
                }
            }
        }

        impl fmt::Display for $name {
            // `pad` so that table code can write `{:<12}`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseEnumError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = normalize(s);
                Self::ALL
                    .into_iter()
                    .find(|v| v.as_str() == wanted)
                    .ok_or_else(|| ParseEnumError {
                        kind: $kind,
                        value: s.to_owned(),
                        accepted: [$($label),+].join(", "),
                    })
            }
        }
    };
}

labelled_enum! {
    /// How badly a bug hurts; drives SLA, priority and cost.
    Severity, "severity" {
        Critical => "critical",
        High => "high",
        Medium => "medium",
        Low => "low",
    }
}

labelled_enum! {
    /// Where a bug is in its lifecycle; see `lifecycle` for the allowed moves.
    BugStatus, "bug status" {
        Pending => "pending",
        InProgress => "in_progress",
        Verified => "verified",
        Shipped => "shipped",
        Closed => "closed",
        Deferred => "deferred",
    }
}

labelled_enum! {
    ProjectStatus, "project status" {
        Active => "active",
        Shipped => "shipped",
        Deferred => "deferred",
        Cancelled => "cancelled",
    }
}

labelled_enum! {
    UserRole, "user role" {
        Cto => "cto",
        Manager => "manager",
        Engineer => "engineer",
        SeniorEngineer => "senior_engineer",
        QaEngineer => "qa_engineer",
    }
}

labelled_enum! {
    /// How a bug or project entered the database.
    ImportSource, "import source" {
        Csv => "csv",
        Github => "github",
        Manual => "manual",
    }
}

impl Severity {
    /// Hours from creation until an open bug breaches its SLA.
    pub const fn sla_hours(&self) -> i32 {
        match self {
            Self::Critical => 4,
            Self::High => 24,
            Self::Medium => 72,
            Self::Low => 720,
        }
    }

    /// The severity share of the 0–100 priority score.
    pub const fn priority_points(&self) -> u8 {
        match self {
            Self::Critical => 40,
            Self::High => 30,
            Self::Medium => 15,
            Self::Low => 5,
        }
    }

    /// Weight applied to labour cost: a critical hour costs the business more
    /// than the engineer's rate because of the disruption around it.
    pub const fn cost_multiplier(&self) -> Decimal {
        match self {
            Self::Critical => Decimal::from_parts(30, 0, 0, false, 1),
            Self::High => Decimal::from_parts(20, 0, 0, false, 1),
            Self::Medium => Decimal::from_parts(10, 0, 0, false, 1),
            Self::Low => Decimal::from_parts(5, 0, 0, false, 1),
        }
    }
}

impl BugStatus {
    /// Still needs work or a decision: everything but shipped and closed.
    /// Deferred counts as open (it is parked, not done).
    pub const fn is_open(&self) -> bool {
        !self.is_resolved()
    }

    /// Shipped or closed; `resolved_at` is set exactly while this holds.
    pub const fn is_resolved(&self) -> bool {
        matches!(self, Self::Shipped | Self::Closed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// Round-trips every variant through as_str, Display, FromStr and serde.
    fn round_trips<T>(all: &[T], labels: &[&str])
    where
        T: Copy + fmt::Debug + PartialEq + fmt::Display + FromStr<Err = ParseEnumError>,
        T: Serialize + for<'de> Deserialize<'de>,
    {
        assert_eq!(all.len(), labels.len());
        for (v, label) in all.iter().zip(labels) {
            assert_eq!(v.to_string(), *label);
            assert_eq!(label.parse::<T>().unwrap(), *v);
            assert_eq!(label.to_uppercase().parse::<T>().unwrap(), *v);
            assert_eq!(label.replace('_', "-").parse::<T>().unwrap(), *v);
            assert_eq!(label.replace('_', " ").parse::<T>().unwrap(), *v);
            assert_eq!(format!("  {label} ").parse::<T>().unwrap(), *v);
            let json = serde_json::to_string(v).unwrap();
            assert_eq!(json, format!("\"{label}\""));
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), *v);
        }
    }

    #[test]
    fn severity_labels_round_trip() {
        assert_eq!(
            Severity::ALL.map(|v| v.as_str()),
            ["critical", "high", "medium", "low"]
        );
        round_trips(&Severity::ALL, &["critical", "high", "medium", "low"]);
    }

    #[test]
    fn bug_status_labels_round_trip() {
        let labels = [
            "pending",
            "in_progress",
            "verified",
            "shipped",
            "closed",
            "deferred",
        ];
        assert_eq!(BugStatus::ALL.map(|v| v.as_str()), labels);
        round_trips(&BugStatus::ALL, &labels);
        assert_eq!(
            "In Progress".parse::<BugStatus>(),
            Ok(BugStatus::InProgress)
        );
    }

    #[test]
    fn project_status_labels_round_trip() {
        let labels = ["active", "shipped", "deferred", "cancelled"];
        assert_eq!(ProjectStatus::ALL.map(|v| v.as_str()), labels);
        round_trips(&ProjectStatus::ALL, &labels);
    }

    #[test]
    fn user_role_labels_round_trip() {
        let labels = [
            "cto",
            "manager",
            "engineer",
            "senior_engineer",
            "qa_engineer",
        ];
        assert_eq!(UserRole::ALL.map(|v| v.as_str()), labels);
        round_trips(&UserRole::ALL, &labels);
        assert_eq!(
            "Senior Engineer".parse::<UserRole>(),
            Ok(UserRole::SeniorEngineer)
        );
    }

    #[test]
    fn import_source_labels_round_trip() {
        let labels = ["csv", "github", "manual"];
        assert_eq!(ImportSource::ALL.map(|v| v.as_str()), labels);
        round_trips(&ImportSource::ALL, &labels);
    }

    #[test]
    fn garbage_is_rejected_with_the_accepted_values() {
        let cases: [(Result<(), ParseEnumError>, &str); 6] = [
            (
                "urgent".parse::<Severity>().map(drop),
                r#""urgent" is not a valid severity: expected one of critical, high, medium, low"#,
            ),
            (
                "done".parse::<BugStatus>().map(drop),
                r#""done" is not a valid bug status: expected one of pending, in_progress, verified, shipped, closed, deferred"#,
            ),
            (
                "".parse::<ProjectStatus>().map(drop),
                r#""" is not a valid project status: expected one of active, shipped, deferred, cancelled"#,
            ),
            (
                "ceo".parse::<UserRole>().map(drop),
                r#""ceo" is not a valid user role: expected one of cto, manager, engineer, senior_engineer, qa_engineer"#,
            ),
            (
                "jira".parse::<ImportSource>().map(drop),
                r#""jira" is not a valid import source: expected one of csv, github, manual"#,
            ),
            (
                // Only separators are forgiving; letters must match.
                "inprogress".parse::<BugStatus>().map(drop),
                r#""inprogress" is not a valid bug status: expected one of pending, in_progress, verified, shipped, closed, deferred"#,
            ),
        ];
        for (result, message) in cases {
            assert_eq!(result.unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn display_honours_padding() {
        assert_eq!(format!("[{:<8}]", Severity::High), "[high    ]");
        assert_eq!(format!("[{:>8}]", Severity::Low), "[     low]");
    }

    #[test]
    fn severity_rules() {
        let cases = [
            (Severity::Critical, 4, 40, dec!(3.0)),
            (Severity::High, 24, 30, dec!(2.0)),
            (Severity::Medium, 72, 15, dec!(1.0)),
            (Severity::Low, 720, 5, dec!(0.5)),
        ];
        for (sev, hours, points, mult) in cases {
            assert_eq!(sev.sla_hours(), hours, "{sev}");
            assert_eq!(sev.priority_points(), points, "{sev}");
            assert_eq!(sev.cost_multiplier(), mult, "{sev}");
        }
    }

    #[test]
    fn severity_orders_most_severe_first() {
        assert!(Severity::Critical < Severity::High);
        assert!(Severity::Medium < Severity::Low);
    }

    #[test]
    fn open_and_resolved_partition_statuses() {
        use BugStatus::*;
        let cases = [
            (Pending, true),
            (InProgress, true),
            (Verified, true),
            (Shipped, false),
            (Closed, false),
            (Deferred, true),
        ];
        for (status, open) in cases {
            assert_eq!(status.is_open(), open, "{status}");
            assert_eq!(status.is_resolved(), !open, "{status}");
        }
    }
}
