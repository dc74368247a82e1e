//! What a bugs import from the web dashboard adds: the numberless documented
//! layout (rows numbered at load time), the report lines that say so, and the
//! users and projects `--create-users` / `--create-projects` create.

use super::csv_bugs;
use super::csv_file;
use super::report::ImportReport;
use crate::db::import::{self as sql, BugRow};
use std::collections::HashSet;
use uuid::Uuid;

/// Users and projects a bugs import creates (ids chosen during validation),
/// and whether its rows need numbers.
#[derive(Debug, Default)]
pub(super) struct NewRefs {
    pub users: Vec<(Uuid, String)>,
    pub projects: Vec<(Uuid, String)>,
    pub numberless: bool,
}

/// The header of a bugs file: the template's layout (with bugNumber), or,
/// without a bug-number column, the source product's documented layout, where
/// only title is required.
pub(super) fn bugs_header(
    rdr: &mut csv::Reader<&[u8]>,
    report: &mut ImportReport,
) -> Result<csv_file::Header, String> {
    let record = csv_file::read_first_record(rdr)?;
    let strict = csv_file::map_header(&record, csv_bugs::FIELDS, csv_bugs::DERIVED, "bugs");
    let numbered = match &strict {
        Ok(h) => h.has(csv_bugs::BUG_NUMBER),
        Err(_) => {
            let loose = csv_bugs::numberless_fields();
            match csv_file::map_header(&record, &loose, csv_bugs::DERIVED, "bugs") {
                Ok(h) => h.has(csv_bugs::BUG_NUMBER),
                Err(_) => true,
            }
        }
    };
    if numbered {
        return strict;
    }
    let header = csv_file::map_header(
        &record,
        &csv_bugs::numberless_fields(),
        csv_bugs::DERIVED,
        "bugs",
    )?;
    report.notes.push(
        "no bugNumber column: read as the web dashboard's documented bugs layout; every row is \
         a new bug and gets the next free number (BUG-n). An empty severity is medium and an \
         empty status pending (that product's defaults)"
            .into(),
    );
    Ok(header)
}

pub(super) fn numberless_notes(report: &mut ImportReport, dry_run: bool) {
    report.warnings.push(if dry_run {
        "a file without bug numbers cannot be matched on re-import: importing it twice creates \
         every bug twice (this dry run numbered and wrote nothing)"
            .into()
    } else {
        "a file without bug numbers cannot be matched on re-import: importing it twice creates \
         every bug twice (run with --dry-run first to check a file)"
            .into()
    });
}

/// The users or projects to create that a good row refers to (a bad row's
/// reference creates nothing).
pub(super) fn created_refs(
    created: &[(Uuid, String)],
    rows: &[BugRow],
    refers: impl Fn(&BugRow) -> Option<Uuid>,
) -> Vec<(Uuid, String)> {
    let used: HashSet<Uuid> = rows.iter().filter_map(&refers).collect();
    created
        .iter()
        .filter(|(id, _)| used.contains(id))
        .cloned()
        .collect()
}

pub(super) fn note_created(report: &mut ImportReport, refs: &NewRefs, dry_run: bool) {
    let verb = if dry_run { "would create" } else { "creates" };
    if !refs.users.is_empty() {
        let list: Vec<String> = refs
            .users
            .iter()
            .map(|(_, e)| format!("{e} ({})", sql::name_from_email(e)))
            .collect();
        report.notes.push(format!(
            "--create-users {verb} {} user(s), role engineer: {}",
            list.len(),
            list.join(", ")
        ));
    }
    if !refs.projects.is_empty() {
        let list: Vec<&str> = refs.projects.iter().map(|(_, n)| n.as_str()).collect();
        report.notes.push(format!(
            "--create-projects {verb} {} project(s), status active: {}",
            list.len(),
            list.join(", ")
        ));
    }
}
