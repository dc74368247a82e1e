//! One bug and a fixed clock, shared so every file's tests check the same row.

use crate::app::model::BugRow;
use crate::domain::{BugStatus, Severity};
use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

pub fn row() -> BugRow {
    BugRow {
        id: Uuid::nil(),
        number: "BUG-1001".into(),
        severity: Severity::High,
        status: BugStatus::InProgress,
        title: "Login hangs, sometimes".into(),
        assignee: Some("Ada Lovelace".into()),
        project: None,
        created_at: Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap(),
        sla_hours: 24,
        priority: 40,
        is_blocker: true,
        version: 2,
    }
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
}
