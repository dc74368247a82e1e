//! The import report for people: the summary table `ctodash import` prints.

use super::report::ImportReport;
use crate::domain::ImportSource;
use crate::format::count;
use crate::text_safety::{self, one_line};
use std::fmt::Write;

impl ImportReport {
    /// The report for people. Its lines quote file names, cells and server
    /// messages, so each is made terminal-safe.
    pub fn table(&self) -> String {
        text_safety::multi_line(&self.table_raw()).into_owned()
    }

    fn table_raw(&self) -> String {
        let mut out = String::new();
        let what = match self.source {
            ImportSource::Github => "projects from GitHub".to_string(),
            _ => self.kind.to_string(),
        };
        let from = if self.input == "-" {
            "standard input".to_string()
        } else {
            self.input.clone()
        };
        let verb = if self.dry_run {
            "Dry run (nothing written)"
        } else {
            "Import"
        };
        let _ = writeln!(out, "{verb}: {what} from {}", one_line(&from));
        if let Some(sha) = &self.sha256 {
            let _ = writeln!(out, "  {:<12} {sha}", "sha256");
        }
        let github = self.source == ImportSource::Github;
        let noun = if github { "repositories" } else { "rows" };
        let width = [self.rows, self.imported, self.skipped]
            .iter()
            .map(|n| count(*n as i64).len())
            .max()
            .unwrap_or(1);
        let n = |v: u64| format!("{:>width$}", count(v as i64));
        let _ = writeln!(out, "  {noun:<12} {}", n(self.rows));
        let imported_label = if self.dry_run { "valid" } else { "imported" };
        let breakdown = if self.dry_run {
            format!(
                "{} new, {} already in the database",
                count(self.inserted as i64),
                count(self.updated as i64)
            )
        } else if github {
            format!(
                "{} new, {} updated",
                count(self.inserted as i64),
                count(self.updated as i64)
            )
        } else {
            format!(
                "{} new, {} updated, {} unchanged",
                count(self.inserted as i64),
                count(self.updated as i64),
                count(self.unchanged as i64)
            )
        };
        let _ = writeln!(
            out,
            "  {imported_label:<12} {}  ({breakdown})",
            n(self.imported)
        );
        let skipped_note = match (self.aborted_at, self.bad_rows) {
            (Some(at), _) => format!(
                "  (--all-or-nothing: stopped at the bad {} {at}; nothing imported)",
                if github { "repository" } else { "row on line" }
            ),
            (None, bad) => {
                let mut why = Vec::new();
                if bad > 0 {
                    why.push(format!("{} bad", count(bad as i64)));
                }
                if self.held_back() > 0 {
                    why.push(format!(
                        "{} changed since the export",
                        count(self.held_back() as i64)
                    ));
                }
                if why.is_empty() {
                    String::new()
                } else {
                    format!("  ({}, listed below)", why.join(", "))
                }
            }
        };
        let _ = writeln!(out, "  {:<12} {}{skipped_note}", "skipped", n(self.skipped));
        if !self.conflicts.is_empty() {
            let what = if self.overwrite {
                "changed since the file was exported; applied anyway (--overwrite)"
            } else {
                "changed since the file was exported; not applied, listed below"
            };
            let _ = writeln!(
                out,
                "  {:<12} {}  ({what})",
                "conflicts",
                n(self.conflicts.len() as u64)
            );
        }
        if let Some(fatal) = &self.fatal {
            let _ = writeln!(out, "\nNothing was imported: {}", one_line(fatal));
        }
        if !self.errors.is_empty() {
            let _ = writeln!(out, "\nBad {noun} (not imported):");
            for e in &self.errors {
                let _ = writeln!(out, "  {}", one_line(&e.to_string()));
            }
        }
        if !self.conflicts.is_empty() {
            let head = if self.overwrite {
                "Overwritten newer edits (applied because of --overwrite):"
            } else {
                "Changed since this file was exported (not applied):"
            };
            let _ = writeln!(out, "\n{head}");
            for c in &self.conflicts {
                let _ = writeln!(out, "  {c}");
            }
        }
        if !self.notes.is_empty() || !self.ignored_columns.is_empty() {
            let _ = writeln!(out, "\nNotes:");
            if !self.ignored_columns.is_empty() {
                let _ = writeln!(
                    out,
                    "  ignored columns (computed by the database, or said more precisely by \
                     another column): {}",
                    self.ignored_columns.join(", ")
                );
            }
            for note in &self.notes {
                let _ = writeln!(out, "  {note}");
            }
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(out, "\nWarnings:");
            for w in &self.warnings {
                let _ = writeln!(out, "  {}", one_line(w));
            }
        }
        let _ = writeln!(out);
        let _ = match (self.exit_code(), self.dry_run) {
            (0, true) => writeln!(out, "Every {} is valid.", singular(noun)),
            (0, false) => writeln!(out, "Done in {} ms.", self.duration_ms),
            (2, _) if self.aborted_at.is_some() => writeln!(
                out,
                "Nothing imported (exit code 2). Run with --dry-run to list every bad {} at once.",
                singular(noun)
            ),
            (2, true) => writeln!(
                out,
                "{} bad {} would be skipped (exit code 2).",
                count(self.bad_rows as i64),
                noun_for(self.bad_rows, noun)
            ),
            (2, false) if self.held_back() > 0 => writeln!(
                out,
                "Imported {} and skipped {} {} in {} ms (exit code 2). Export again and redo \
                 the edits of the rows changed since, or add --overwrite to apply the file \
                 over them.",
                count(self.imported as i64),
                count(self.skipped as i64),
                noun_for(self.skipped, noun),
                self.duration_ms
            ),
            (2, false) => writeln!(
                out,
                "Imported {} and skipped {} bad {} in {} ms (exit code 2).",
                count(self.imported as i64),
                count(self.skipped as i64),
                noun_for(self.skipped, noun),
                self.duration_ms
            ),
            _ => writeln!(out, "Failed (exit code 1)."),
        };
        out
    }
}

fn singular(noun: &str) -> &str {
    match noun {
        "repositories" => "repository",
        _ => "row",
    }
}

fn noun_for(n: u64, plural: &str) -> &str {
    if n == 1 { singular(plural) } else { plural }
}
