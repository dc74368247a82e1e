//! A conflict in words: what changed since the user's copy, and who changed it.

use crate::app::model::{BugRow, HistoryEntry};
use crate::domain::{Field, format_duration_short};
use chrono::{DateTime, Utc};

fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "{} ago",
        format_duration_short((now - at).max(chrono::TimeDelta::zero()))
    )
}

fn by(h: &HistoryEntry, now: DateTime<Utc>) -> String {
    format!(
        " by {} {}",
        h.who.as_deref().unwrap_or("someone"),
        ago(h.at, now)
    )
}

/// A history value on one short line (descriptions can be pages long).
fn short(v: Option<&str>) -> String {
    const MAX: usize = 60;
    let v = v.unwrap_or("none");
    let line = v.lines().next().unwrap_or_default();
    if line.chars().count() > MAX || line.len() < v.trim_end().len() {
        let cut: String = line.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        line.to_owned()
    }
}

/// One history entry as (field, "old → new by WHO 3m ago"), with the field
/// named as people call it (`assigned_to` is "assignee"); shared with the
/// import's conflict report.
pub(crate) fn history_change(h: &HistoryEntry, now: DateTime<Utc>) -> (&str, String) {
    let field = match Field::from_column(&h.field) {
        Some(f) => f.label(),
        None => h.field.as_str(),
    };
    let (old, new) = (short(h.old.as_deref()), short(h.new.as_deref()));
    (field, format!("{old} → {new}{}", by(h, now)))
}

/// Pure part of [`conflict_changes`](super::conflict_changes), for unit tests.
pub(crate) fn describe_changes(
    mine: &BugRow,
    theirs: &BugRow,
    recent: &[HistoryEntry],
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut used = vec![false; recent.len()];
    let mut attribute = |field: &str, new: Option<&str>| -> String {
        match recent
            .iter()
            .position(|h| h.field == field && h.new.as_deref() == new)
        {
            Some(i) => {
                used[i] = true;
                by(&recent[i], now)
            }
            None => String::new(),
        }
    };
    let mut lines = Vec::new();
    if mine.status != theirs.status {
        let who = attribute("status", Some(theirs.status.as_str()));
        lines.push(format!("status: {} → {}{who}", mine.status, theirs.status));
    }
    if mine.severity != theirs.severity {
        let who = attribute("severity", Some(theirs.severity.as_str()));
        lines.push(format!(
            "severity: {} → {}{who}",
            mine.severity, theirs.severity
        ));
    }
    if mine.assignee != theirs.assignee {
        let who = attribute("assigned_to", theirs.assignee.as_deref());
        let name = |a: &Option<String>| a.clone().unwrap_or_else(|| "nobody".to_owned());
        lines.push(format!(
            "assignee: {} → {}{who}",
            name(&mine.assignee),
            name(&theirs.assignee)
        ));
    }
    if mine.title != theirs.title {
        lines.push(format!("title: “{}” → “{}”", mine.title, theirs.title));
    }
    if mine.is_blocker != theirs.is_blocker {
        let yn = |b: bool| if b { "yes" } else { "no" };
        lines.push(format!(
            "blocker: {} → {}",
            yn(mine.is_blocker),
            yn(theirs.is_blocker)
        ));
    }
    if mine.project != theirs.project {
        let name = |p: &Option<String>| p.clone().unwrap_or_else(|| "none".to_owned());
        lines.push(format!(
            "project: {} → {}",
            name(&mine.project),
            name(&theirs.project)
        ));
    }
    if mine.priority != theirs.priority {
        lines.push(format!("priority: {} → {}", mine.priority, theirs.priority));
    }
    // History the field differences do not show (e.g. a change and its undo):
    // at most one entry per write since the user's copy, newest first.
    let writes = usize::try_from(theirs.version - mine.version)
        .unwrap_or(0)
        .min(3);
    for (h, _) in recent.iter().zip(&used).filter(|(_, u)| !**u).take(writes) {
        if lines.len() >= 6 {
            break;
        }
        let (field, change) = history_change(h, now);
        lines.push(format!("{field}: {change}"));
    }
    if lines.is_empty() {
        lines.push(format!(
            "{} was saved by someone else since you loaded it (version {} → {})",
            theirs.number, mine.version, theirs.version
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BugStatus, Severity};
    use chrono::{TimeDelta, TimeZone};
    use uuid::Uuid;

    fn row() -> BugRow {
        BugRow {
            id: Uuid::nil(),
            number: "BUG-1001".into(),
            severity: Severity::High,
            status: BugStatus::InProgress,
            title: "Login hangs".into(),
            assignee: Some("Ada Lovelace".into()),
            project: Some("Nova Pay".into()),
            created_at: Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap(),
            sla_hours: 24,
            priority: 40,
            is_blocker: false,
            version: 2,
        }
    }

    #[test]
    fn conflict_lines_name_the_author() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let mine = row();
        let theirs = BugRow {
            status: BugStatus::Verified,
            version: 4,
            ..row()
        };
        let recent = vec![
            HistoryEntry {
                at: now - TimeDelta::minutes(2),
                who: Some("Grace Hopper".into()),
                field: "status".into(),
                old: Some("in_progress".into()),
                new: Some("verified".into()),
            },
            HistoryEntry {
                at: now - TimeDelta::minutes(3),
                who: None,
                field: "severity".into(),
                old: Some("critical".into()),
                new: Some("high".into()),
            },
        ];
        let lines = describe_changes(&mine, &theirs, &recent, now);
        assert_eq!(
            lines[0],
            "status: in_progress → verified by Grace Hopper 2m ago"
        );
        assert_eq!(lines[1], "severity: critical → high by someone 3m ago");
        assert_eq!(lines.len(), 2);
        let same = describe_changes(
            &mine,
            &BugRow {
                version: 3,
                ..row()
            },
            &[],
            now,
        );
        assert_eq!(
            same,
            ["BUG-1001 was saved by someone else since you loaded it (version 2 → 3)"]
        );
    }
}
