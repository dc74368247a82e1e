//! `ctodash import csv` and `ctodash import github`.
//!
//! A CSV import reads the whole input, checks the header, validates every row in
//! Rust (types, enums, ranges from the schema's checks, references to users and
//! projects, duplicates within the file), then loads the good rows in one
//! transaction (COPY into a staging table, one UPDATE, one INSERT; see
//! `db::import`) together with its `import_logs` row. Bad rows are skipped and
//! reported by line and column; a row is never half-written.
//!
//! A file with a `version` column (as `bugs list --format csv` writes) is
//! checked against newer edits: a row whose bug changed since the export is a
//! conflict, held back and reported, unless `--overwrite`. Every change to an
//! existing bug leaves an `audit_log` row.
//!
//! Exit codes: 0 when every row was imported (or, with `--dry-run`, is valid);
//! 2 when some rows were bad or in conflict (they were skipped; with
//! `--all-or-nothing` nothing was imported); 1 when the import could not run
//! (unreadable or empty file, missing required column, database error).

mod conflicts;
mod csv_bugs;
mod csv_file;
mod csv_projects;
mod csv_repos;
pub mod github;
mod new_bugs;
pub mod report;
mod report_table;
mod session;
pub mod validate;

pub use report::{ImportReport, MAX_LOGGED_ERRORS, Problem};
pub(crate) use session::{finish, refuse_read_only, resolve_actor};
pub use session::{read_input, sha256_hex};

use crate::cli::{ImportCommand, ImportCsvArgs, ImportKind};
use crate::config::Config;
use crate::db::import::{
    self as sql, BugColumns, BugLoad, BugRow, ImportAudit, ProjectColumns, ProjectRow,
};
use crate::db::{self, SchemaPolicy};
use crate::domain::ImportSource;
use chrono::Utc;
use color_eyre::eyre::{Result, WrapErr, eyre};
use new_bugs::{NewRefs, bugs_header, created_refs, note_created, numberless_notes};
use sqlx::{PgConnection, PgPool};
use std::collections::{HashMap, HashSet};
use std::time::Instant;
use uuid::Uuid;

pub async fn run(cfg: &Config, cmd: &ImportCommand) -> Result<()> {
    match cmd {
        ImportCommand::Csv(args) => run_csv(cfg, args).await,
        ImportCommand::Github(args) => github::run(cfg, args).await,
    }
}

async fn run_csv(cfg: &Config, args: &ImportCsvArgs) -> Result<()> {
    let bytes = read_input(&args.file)?;
    refuse_read_only(cfg, args.dry_run)?;
    let db = db::open(cfg, SchemaPolicy::MigrateOwned).await?;
    let actor = resolve_actor(cfg, &db.pool).await?;
    let opts = CsvOptions {
        kind: args.kind,
        dry_run: args.dry_run,
        all_or_nothing: args.all_or_nothing,
        overwrite: args.overwrite,
        actor,
    };
    let create = Create {
        users: args.create_users,
        projects: args.create_projects,
    };
    let report = import_csv_with(&db.pool, &args.file, &bytes, &opts, create).await?;
    finish(&report, args.format, db.pool).await
}

/// How to run a CSV import.
#[derive(Debug, Clone)]
pub struct CsvOptions {
    pub kind: ImportKind,
    pub dry_run: bool,
    pub all_or_nothing: bool,
    /// Apply rows whose bug changed since the file was exported (they are
    /// still reported).
    pub overwrite: bool,
    /// Recorded as the actor of history and audit rows and `created_by` of new
    /// bugs.
    pub actor: Option<Uuid>,
}

/// `--create-users` and `--create-projects`: what a bugs import may create
/// for references it does not find.
#[derive(Debug, Clone, Copy, Default)]
pub struct Create {
    pub users: bool,
    pub projects: bool,
}

/// Validated rows of either kind.
enum Batch {
    Bugs(Vec<BugRow>, BugColumns, NewRefs),
    Projects(Vec<ProjectRow>, ProjectColumns),
}

impl Batch {
    fn len(&self) -> usize {
        match self {
            Batch::Bugs(r, ..) => r.len(),
            Batch::Projects(r, _) => r.len(),
        }
    }
}

/// Imports a CSV file's bytes. `input` is the file name as given ("-" for
/// stdin); it is what the report and `import_logs` show. Problems with the file
/// or its rows end up in the report (`fatal`, `errors`); an `Err` means the
/// database could not even record the attempt.
pub async fn import_csv(
    pool: &PgPool,
    input: &str,
    bytes: &[u8],
    opts: &CsvOptions,
) -> Result<ImportReport> {
    import_csv_with(pool, input, bytes, opts, Create::default()).await
}

/// [`import_csv`] that may create unknown assignees and projects.
pub async fn import_csv_with(
    pool: &PgPool,
    input: &str,
    bytes: &[u8],
    opts: &CsvOptions,
    create: Create,
) -> Result<ImportReport> {
    let started = Instant::now();
    let kind = match opts.kind {
        ImportKind::Bugs => "bugs",
        ImportKind::Projects => "projects",
    };
    let mut report = ImportReport::new(ImportSource::Csv, kind, input);
    report.sha256 = Some(sha256_hex(bytes));
    report.dry_run = opts.dry_run;
    report.all_or_nothing = opts.all_or_nothing;
    report.overwrite = opts.overwrite;

    let mut conn = pool.acquire().await?;
    let batch = match validate_file(&mut conn, bytes, opts, create, &mut report).await {
        Ok(batch) => batch,
        Err(fatal) => {
            report.fatal = Some(fatal);
            return log_outside(&mut conn, report, started).await;
        }
    };
    report.skipped = report.rows - batch.len() as u64;

    if report.aborted_at.is_some() {
        report.skipped = report.rows;
        return log_outside(&mut conn, report, started).await;
    }
    if opts.dry_run {
        let existing = match &batch {
            Batch::Bugs(rows, ..) => {
                let numbers: Vec<String> = rows.iter().map(|r| r.bug_number.clone()).collect();
                sql::count_existing_bugs(&mut conn, &numbers).await? as u64
            }
            Batch::Projects(rows, _) => rows.iter().filter(|r| r.existing).count() as u64,
        };
        report.imported = batch.len() as u64;
        report.updated = existing;
        report.inserted = report.imported - existing;
        report.duration_ms = started.elapsed().as_millis() as u64;
        return Ok(report);
    }
    drop(conn);

    match load(pool, &batch, opts, &mut report, started).await {
        Ok(true) => Ok(report),
        Ok(false) => {
            let mut conn = pool.acquire().await?;
            log_outside(&mut conn, report, started).await
        }
        Err(e) => {
            report.imported = 0;
            report.inserted = 0;
            report.updated = 0;
            report.unchanged = 0;
            report.conflicts.clear();
            report.skipped = report.rows;
            report.fatal = Some(format!(
                "the database rejected the import, so nothing was imported: {}",
                crate::logging::one_paragraph(&eyre!(e))
            ));
            let mut conn = pool.acquire().await?;
            log_outside(&mut conn, report, started).await
        }
    }
}

/// Header, look-ups and every row. Err is a fatal problem with the file.
async fn validate_file(
    conn: &mut PgConnection,
    bytes: &[u8],
    opts: &CsvOptions,
    create: Create,
    report: &mut ImportReport,
) -> Result<Batch, String> {
    let body = csv_file::content(bytes)?;
    let mut rdr = csv_file::reader(body);
    let now = Utc::now();
    let db_err = |e: sqlx::Error| format!("cannot read users and projects from the database: {e}");
    let batch = match opts.kind {
        ImportKind::Bugs => {
            let header = bugs_header(&mut rdr, report)?;
            note_header(report, &header);
            if !header.has(csv_bugs::BUG_NUMBER) {
                numberless_notes(report, opts.dry_run);
            }
            report.ignored_columns.extend(csv_bugs::shadowed(&header));
            if !header.has(csv_bugs::VERSION) {
                report.notes.push(
                    "no version column: changes were applied without checking for newer \
                     edits (export with `bugs list --format csv` to get one)"
                        .into(),
                );
            }
            if header.has(csv_bugs::PRIORITY_SCORE) {
                report.warnings.push(
                    "priorityScore is checked (0–100) but not stored: the database computes \
                     each bug's priority from severity, revenue impact, blocker flag and age"
                        .into(),
                );
            }
            let users = sql::user_ids_by_email(conn).await.map_err(db_err)?;
            let user_names = sql::user_ids_by_name(conn).await.map_err(db_err)?;
            let mut by_name: HashMap<String, Vec<Uuid>> = HashMap::new();
            let mut project_ids = HashSet::new();
            for p in sql::existing_projects(conn).await.map_err(db_err)? {
                by_name
                    .entry(p.name.trim().to_lowercase())
                    .or_default()
                    .push(p.id);
                project_ids.insert(p.id);
            }
            let mut checker = csv_bugs::BugChecker::new(users, by_name, now)
                .for_header(&header, user_names, project_ids)
                .creating(create.users, create.projects);
            let rows =
                csv_file::read_rows(&mut rdr, &header, opts.all_or_nothing, |c| checker.check(c))?;
            let cols = csv_bugs::columns(&header);
            take_counts(report, &rows);
            report.warnings.append(&mut checker.warnings);
            let refs = NewRefs {
                users: created_refs(&checker.new_users, &rows.good, |r| r.assigned_to),
                projects: created_refs(&checker.new_projects, &rows.good, |r| r.project_id),
                numberless: !header.has(csv_bugs::BUG_NUMBER),
            };
            note_created(report, &refs, opts.dry_run);
            Batch::Bugs(rows.good, cols, refs)
        }
        ImportKind::Projects => {
            let record = csv_file::read_first_record(&mut rdr)?;
            let (header, first_row, repos) = match csv_repos::detect(&record) {
                Some(csv_repos::Layout::WithHeader(h)) => (h, None, true),
                Some(csv_repos::Layout::Headerless(h)) => (h, Some(record), true),
                None => (
                    csv_file::map_header(
                        &record,
                        csv_projects::FIELDS,
                        csv_projects::DERIVED,
                        "projects",
                    )?,
                    None,
                    false,
                ),
            };
            note_header(report, &header);
            if repos {
                report.notes.push(format!(
                    "read as the web dashboard's GitHub-repositories layout ({}): name, \
                     description, git URL → githubUrl (without .git), website URL → demoUrl; \
                     visibility and created date are not stored (new projects are active, \
                     existing ones keep their status)",
                    if first_row.is_some() {
                        "no header row"
                    } else {
                        "with a header row"
                    }
                ));
            }
            let existing = sql::existing_projects(conn).await.map_err(db_err)?;
            let index = csv_projects::ProjectIndex::new(&existing);
            let mut checker = csv_projects::ProjectChecker::new(index, now);
            if repos {
                checker = checker.with_git_urls();
            }
            let rows = csv_file::read_rows_after(
                &mut rdr,
                first_row.as_ref(),
                &header,
                opts.all_or_nothing,
                |c| checker.check(c),
            )?;
            let cols = csv_projects::columns(&header);
            take_counts(report, &rows);
            Batch::Projects(rows.good, cols)
        }
    };
    Ok(batch)
}

fn note_header(report: &mut ImportReport, header: &csv_file::Header) {
    report.unknown_columns = header.unknown.clone();
    report.ignored_columns = header.derived.clone();
    report.warnings.extend(header.warnings.iter().cloned());
}

fn take_counts<R>(report: &mut ImportReport, rows: &csv_file::Rows<R>) {
    report.rows = rows.total;
    report.bad_rows = rows.bad;
    report.errors = rows.problems.clone();
    report.aborted_at = rows.aborted_at;
}

/// The load and its log row, in one transaction. Ok(false) when it was rolled
/// back because `--all-or-nothing` met a conflict (the caller logs the run).
async fn load(
    pool: &PgPool,
    batch: &Batch,
    opts: &CsvOptions,
    report: &mut ImportReport,
    started: Instant,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if let Some(actor) = opts.actor {
        sql::set_actor(&mut tx, actor).await?;
    }
    let audit = ImportAudit {
        import_id: report.planned_log_id,
        file: report.input.clone(),
        sha256: report.sha256.clone(),
        client_addr: db::edit::client_address(),
        user_agent: db::edit::user_agent(),
    };
    let counts = match batch {
        Batch::Bugs(rows, cols, refs) => {
            sql::create_users(&mut tx, &refs.users).await?;
            sql::create_projects(&mut tx, &refs.projects).await?;
            let numbered;
            let rows = if refs.numberless {
                let numbers = db::bugs::numbers::allocate(&mut tx, rows.len()).await?;
                numbered = rows
                    .iter()
                    .zip(numbers)
                    .map(|(r, n)| BugRow {
                        bug_number: n,
                        ..r.clone()
                    })
                    .collect::<Vec<_>>();
                if let (Some(first), Some(last)) = (numbered.first(), numbered.last()) {
                    report.notes.push(format!(
                        "numbered the new bugs {} to {}",
                        first.bug_number, last.bug_number
                    ));
                }
                &numbered
            } else {
                rows
            };
            let how = BugLoad {
                cols: *cols,
                actor: opts.actor,
                overwrite: opts.overwrite,
                audit: &audit,
            };
            sql::load_bugs(&mut tx, rows, &how).await?
        }
        Batch::Projects(rows, cols) => {
            let counts = sql::load_projects(&mut tx, rows, cols).await?;
            if counts.updated > 0 {
                report.notes.push(
                    "projects carry no version: changes were applied without checking for \
                     newer edits"
                        .into(),
                );
            }
            counts
        }
    };
    let now = Utc::now();
    report.conflicts = counts
        .conflicts
        .iter()
        .map(|c| conflicts::problem(c, now))
        .collect();
    if opts.all_or_nothing && report.held_back() > 0 {
        tx.rollback().await?;
        report.aborted_at = report.conflicts.first().and_then(|c| c.line);
        report.skipped = report.rows;
        return Ok(false);
    }
    report.inserted = counts.inserted;
    report.updated = counts.updated;
    report.unchanged = counts.unchanged;
    report.imported = counts.inserted + counts.updated + counts.unchanged;
    report.skipped = report.rows.saturating_sub(report.imported);
    report.duration_ms = started.elapsed().as_millis() as u64;
    report.import_log_id = Some(sql::write_log(&mut tx, &report.log_entry()).await?);
    tx.commit().await?;
    report.duration_ms = started.elapsed().as_millis() as u64;
    Ok(true)
}

/// Writes the log row of a run that loaded nothing (unless it is a dry run).
async fn log_outside(
    conn: &mut PgConnection,
    mut report: ImportReport,
    started: Instant,
) -> Result<ImportReport> {
    report.duration_ms = started.elapsed().as_millis() as u64;
    if !report.dry_run {
        let id = sql::write_log(conn, &report.log_entry())
            .await
            .wrap_err("cannot write the import_logs row")?;
        report.import_log_id = Some(id);
    }
    Ok(report)
}
