//! What an import did, for people (a table), scripts (JSON or CSV) and the
//! `import_logs` row.

use crate::db::import::ImportLog;
use crate::domain::ImportSource;
use crate::format::count;
use serde::Serialize;
use std::fmt;
use uuid::Uuid;

/// At most this many problems are kept in `import_logs.errors`; the rest are
/// summarised by a final "… and N more" line.
pub const MAX_LOGGED_ERRORS: usize = 1000;

/// One reason a row (or a GitHub repository) was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The line of the file where the row starts, as an editor numbers it (the
    /// header is line 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// For GitHub: which repository ("repo 3 \"atlas\"").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The column's name as the file's header spells it (or the JSON field).
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut at = Vec::new();
        if let Some(line) = self.line {
            at.push(format!("line {line}"));
        }
        if let Some(item) = &self.item {
            at.push(item.clone());
        }
        if let Some(col) = &self.column {
            at.push(if self.item.is_some() {
                format!("field {col}")
            } else {
                format!("column {col}")
            });
        }
        if at.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", at.join(", "), self.message)
        }
    }
}

/// `s` with each NUL as U+FFFD, the one character PostgreSQL cannot store.
fn storable(s: &str) -> String {
    s.replace('\0', "\u{FFFD}")
}

fn storable_json(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(s) => Value::String(storable(&s)),
        Value::Array(a) => Value::Array(a.into_iter().map(storable_json).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (storable(&k), storable_json(v)))
                .collect(),
        ),
        other => other,
    }
}

/// The outcome of one `ctodash import` run.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub source: ImportSource,
    /// "bugs" or "projects".
    pub kind: &'static str,
    /// The file as given ("-" for standard input), or "org:NAME" for the API.
    pub input: String,
    /// SHA-256 of the input's bytes, hex.
    pub sha256: Option<String>,
    pub dry_run: bool,
    pub all_or_nothing: bool,
    /// Data rows (or repositories) in the input.
    pub rows: u64,
    /// Rows written or already up to date: inserted + updated + unchanged. In a
    /// dry run, the rows that would be.
    pub imported: u64,
    pub inserted: u64,
    /// In a dry run: existing rows the file would update (if anything differs).
    pub updated: u64,
    pub unchanged: u64,
    /// Rows not imported: the bad ones, or every row when `--all-or-nothing`
    /// aborted.
    pub skipped: u64,
    /// Rows with at least one problem.
    pub bad_rows: u64,
    /// `--all-or-nothing` stopped at this line (or repository number).
    pub aborted_at: Option<u64>,
    pub errors: Vec<Problem>,
    /// Rows whose bug changed after the file was exported ("line 7, BUG-12:
    /// changed since this file was exported (…)"): not applied, unless
    /// `overwrite`.
    pub conflicts: Vec<Problem>,
    /// `--overwrite`: conflicting rows were applied anyway.
    pub overwrite: bool,
    /// Header cells naming columns the export writes but the database computes
    /// (or that a more precise column overrides): recognised and ignored.
    pub ignored_columns: Vec<String>,
    /// Facts about the run that are not problems (no conflict check possible…).
    pub notes: Vec<String>,
    /// Header cells that name no known column (ignored).
    pub unknown_columns: Vec<String>,
    pub warnings: Vec<String>,
    /// Why nothing could be imported (unreadable header, database error, …).
    pub fatal: Option<String>,
    pub duration_ms: u64,
    /// The `import_logs` row written (none in a dry run).
    pub import_log_id: Option<Uuid>,
    /// The id that row gets, chosen up front so the import's audit rows name it.
    #[serde(skip)]
    pub planned_log_id: Uuid,
    /// Source-specific facts (GitHub: endpoint, pages, rate-limit waits).
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl ImportReport {
    pub fn new(source: ImportSource, kind: &'static str, input: &str) -> Self {
        Self {
            source,
            kind,
            input: input.to_string(),
            sha256: None,
            dry_run: false,
            all_or_nothing: false,
            rows: 0,
            imported: 0,
            inserted: 0,
            updated: 0,
            unchanged: 0,
            skipped: 0,
            bad_rows: 0,
            aborted_at: None,
            errors: Vec::new(),
            conflicts: Vec::new(),
            overwrite: false,
            ignored_columns: Vec::new(),
            notes: Vec::new(),
            unknown_columns: Vec::new(),
            warnings: Vec::new(),
            fatal: None,
            duration_ms: 0,
            import_log_id: None,
            planned_log_id: Uuid::new_v4(),
            details: serde_json::Map::new(),
        }
    }

    /// Conflicting rows that were not applied.
    pub fn held_back(&self) -> u64 {
        if self.overwrite {
            0
        } else {
            self.conflicts.len() as u64
        }
    }

    /// 0: every row imported; 2: some rows were bad or changed since the file
    /// was exported (skipped, or nothing imported with `--all-or-nothing`); 1:
    /// the import could not run at all.
    pub fn exit_code(&self) -> u8 {
        if self.fatal.is_some() {
            1
        } else if self.bad_rows > 0 || self.held_back() > 0 {
            2
        } else {
            0
        }
    }

    /// The report lines stored in `import_logs.errors`: every problem, then the
    /// fatal error if any, capped at [`MAX_LOGGED_ERRORS`].
    pub fn log_errors(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .errors
            .iter()
            .chain(&self.conflicts)
            .map(ToString::to_string)
            .collect();
        if let Some(f) = &self.fatal {
            all.push(f.clone());
        }
        if all.len() > MAX_LOGGED_ERRORS {
            let more = all.len() - (MAX_LOGGED_ERRORS - 1);
            all.truncate(MAX_LOGGED_ERRORS - 1);
            all.push(format!("… and {} more", count(more as i64)));
        }
        all
    }

    pub fn log_entry(&self) -> ImportLog {
        let mut metadata = serde_json::json!({
            "file": self.input,
            "sha256": self.sha256,
            "kind": self.kind,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "bad_rows": self.bad_rows,
            "unknown_columns": self.unknown_columns,
            "ignored_columns": self.ignored_columns,
            "conflicts": self.conflicts.len(),
            "overwrite": self.overwrite,
            "notes": self.notes,
            "dry_run": self.dry_run,
            "all_or_nothing": self.all_or_nothing,
            "aborted_at": self.aborted_at,
            "fatal": self.fatal,
            "duration_ms": self.duration_ms,
            "program": format!("ctodash/{}", env!("CARGO_PKG_VERSION")),
        });
        if let Some(obj) = metadata.as_object_mut() {
            for (k, v) in &self.details {
                obj.insert(k.clone(), v.clone());
            }
        }
        // The file's own bytes (a header cell, a file name) can hold NUL,
        // which PostgreSQL text and jsonb cannot: the log row must always go in.
        ImportLog {
            id: Some(self.planned_log_id),
            source: self.source,
            records_imported: clamp_i32(self.imported),
            records_failed: clamp_i32(self.skipped),
            errors: self.log_errors().iter().map(|e| storable(e)).collect(),
            metadata: storable_json(metadata),
        }
    }

    /// The problems as CSV (line,column,message), for spreadsheets and scripts.
    pub fn csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(["line", "item", "column", "message"]);
        for e in self.errors.iter().chain(&self.conflicts) {
            let line = e.line.map(|l| l.to_string()).unwrap_or_default();
            let _ = w.write_record([
                line.as_str(),
                e.item.as_deref().unwrap_or(""),
                e.column.as_deref().unwrap_or(""),
                e.message.as_str(),
            ]);
        }
        if let Some(f) = &self.fatal {
            let _ = w.write_record(["", "", "", f.as_str()]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

fn clamp_i32(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(line: u64, col: &str, msg: &str) -> Problem {
        Problem {
            line: Some(line),
            item: None,
            column: Some(col.into()),
            message: msg.into(),
        }
    }

    #[test]
    fn problems_read_like_sentences() {
        assert_eq!(
            problem(4, "severity", "bad").to_string(),
            "line 4, column severity: bad"
        );
        let row = Problem {
            line: Some(7),
            item: None,
            column: None,
            message: "too many".into(),
        };
        assert_eq!(row.to_string(), "line 7: too many");
        let repo = Problem {
            line: None,
            item: Some("repo 2 \"atlas\"".into()),
            column: Some("html_url".into()),
            message: "bad".into(),
        };
        assert_eq!(repo.to_string(), "repo 2 \"atlas\", field html_url: bad");
    }

    #[test]
    fn logged_errors_are_capped() {
        let mut r = ImportReport::new(ImportSource::Csv, "bugs", "x.csv");
        r.errors = (0..1500)
            .map(|i| problem(i + 2, "title", "is required"))
            .collect();
        let logged = r.log_errors();
        assert_eq!(logged.len(), MAX_LOGGED_ERRORS);
        assert_eq!(logged[0], "line 2, column title: is required");
        assert_eq!(logged[MAX_LOGGED_ERRORS - 1], "… and 501 more");
    }

    #[test]
    fn exit_codes() {
        let mut r = ImportReport::new(ImportSource::Csv, "bugs", "x.csv");
        assert_eq!(r.exit_code(), 0);
        r.conflicts.push(problem(3, "x", "changed"));
        assert_eq!(r.exit_code(), 2, "a conflict not applied");
        r.overwrite = true;
        assert_eq!(r.exit_code(), 0, "--overwrite applied it");
        r.bad_rows = 1;
        assert_eq!(r.exit_code(), 2);
        r.fatal = Some("boom".into());
        assert_eq!(r.exit_code(), 1);
    }
}
