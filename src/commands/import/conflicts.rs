//! A bug changed since the file was exported, in words: "line 7, BUG-12:
//! changed since this file was exported (status in_progress → verified by
//! Grace Hopper 3m ago)", attributed from the bug's history as the dashboard's
//! edit conflicts are.

use super::report::Problem;
use crate::db::edit::history_change;
use crate::db::import::Conflict;
use crate::domain::format_duration_short;
use chrono::{DateTime, TimeDelta, Utc};

pub fn problem(c: &Conflict, now: DateTime<Utc>) -> Problem {
    let what = if c.recent.is_empty() {
        format!(
            "version {} → {}, last saved {} ago",
            c.file_version,
            c.db_version,
            format_duration_short((now - c.updated_at).max(TimeDelta::zero()))
        )
    } else {
        c.recent
            .iter()
            .map(|h| {
                let (field, change) = history_change(h, now);
                format!("{field} {change}")
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    Problem {
        line: Some(c.line),
        item: Some(c.bug_number.clone()),
        column: None,
        message: format!("changed since this file was exported ({what})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::model::HistoryEntry;
    use chrono::TimeZone;

    #[test]
    fn conflicts_name_who_changed_what() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let mut c = Conflict {
            line: 7,
            bug_number: "BUG-12".into(),
            file_version: 3,
            db_version: 4,
            updated_at: now - TimeDelta::minutes(3),
            recent: vec![HistoryEntry {
                at: now - TimeDelta::minutes(3),
                who: Some("Grace Hopper".into()),
                field: "status".into(),
                old: Some("in_progress".into()),
                new: Some("verified".into()),
            }],
        };
        assert_eq!(
            problem(&c, now).to_string(),
            "line 7, BUG-12: changed since this file was exported \
             (status in_progress → verified by Grace Hopper 3m ago)"
        );
        c.recent.clear();
        c.db_version = 6;
        assert_eq!(
            problem(&c, now).to_string(),
            "line 7, BUG-12: changed since this file was exported \
             (version 3 → 6, last saved 3m ago)"
        );
    }
}
