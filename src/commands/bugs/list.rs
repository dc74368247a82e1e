//! `bugs list`: the bug table for scripts, streamed so any export holds one page in memory.

use super::{BREACH_MARK, check_filter_names, parse_query, stdout};
use crate::app::model::BugRow;
use crate::cli::{BugsListArgs, DataFormat};
use crate::commands::output::{
    self, Column, JsonArray, count_label, csv_row, csv_writer, iso, terminal_width,
};
use crate::config::Config;
use crate::db;
use crate::db::bugs::ExportKeys;
use crate::domain::{BugStatus, Severity, format_duration_short, sla_state};
use crate::query::{BugQuery, PageAnchor};
use chrono::{DateTime, TimeDelta, Utc};
use color_eyre::eyre::{Result, WrapErr};
use serde::Serialize;
use sqlx::{Connection, PgConnection};
use std::collections::HashMap;
use std::io::{self, Write};
use uuid::Uuid;

/// Rows per keyset page while streaming `bugs list`.
pub const PAGE_SIZE: usize = 1_000;

/// Title column width when stdout is not a terminal.
const PIPED_TITLE_WIDTH: usize = 50;
const MIN_TITLE_WIDTH: usize = 20;
const BLOCKER_MARK: &str = "■ ";

pub(super) async fn list_command(cfg: &Config, args: &BugsListArgs) -> Result<()> {
    let query = match &args.view {
        Some(name) => view_query(cfg, name)?,
        None => parse_query(args)?,
    };
    let db = crate::commands::open_for_reading(cfg).await?;
    let mut conn = db.pool.acquire().await?;
    check_filter_names(&mut conn, &query.filter).await?;
    let opts = ListOptions {
        limit: args.limit,
        format: args.format,
        width: terminal_width(),
    };
    list(&mut conn, &query, &opts, Utc::now(), stdout()).await?;
    Ok(())
}

/// `--view NAME`: a built-in or configured view's query, for `--user` when
/// the view is about "me".
pub fn view_query(cfg: &Config, name: &str) -> Result<BugQuery> {
    let views = crate::views::all(&cfg.views);
    let Some(view) = crate::views::find(&views, name) else {
        color_eyre::eyre::bail!(
            "--view: there is no view named \"{name}\". The views are {} (the built-in ones, then \
             the config file's [[views]]; `ctodash config --default` shows how to add one)",
            crate::views::names(&views)
        );
    };
    view.query_for(cfg.user.as_deref()).ok_or_else(|| {
        color_eyre::eyre::eyre!(
            "--view: the view \"{}\" lists your bugs (assignee = \"me\"), and no user is set. \
             Pass --user EMAIL, set CTODASH_USER, or set user in the config file",
            view.name
        )
    })
}

#[derive(Debug, Clone, Copy)]
pub struct ListOptions {
    /// At most this many rows; 0 for all.
    pub limit: u64,
    pub format: DataFormat,
    /// Total width for the table; None for a fixed title width (piped output).
    pub width: Option<usize>,
}

/// One row of `bugs list --format json|csv`.
#[derive(Debug, Serialize)]
pub struct BugRecord<'a> {
    pub number: &'a str,
    pub severity: Severity,
    pub status: BugStatus,
    pub title: &'a str,
    pub assignee: Option<&'a str>,
    pub project: Option<&'a str>,
    pub priority: i32,
    pub is_blocker: bool,
    pub created_at: String,
    pub age_hours: i64,
    pub sla_hours: i32,
    pub sla_due_at: String,
    pub sla_state: String,
    pub sla_breached: bool,
    pub version: i64,
    pub id: Uuid,
    /// What `import csv` needs to put the bug back as it was: the assignee
    /// by email (names need not be unique) and the project by id.
    pub assignee_email: Option<&'a str>,
    pub project_id: Option<Uuid>,
}

/// The CSV header of `bugs list --format csv`, in [`BugRecord`]'s order.
/// `import csv --kind bugs` reads it back unchanged (see its README section).
pub const LIST_CSV_HEADER: [&str; 18] = [
    "number",
    "severity",
    "status",
    "title",
    "assignee",
    "project",
    "priority",
    "is_blocker",
    "created_at",
    "age_hours",
    "sla_hours",
    "sla_due_at",
    "sla_state",
    "sla_breached",
    "version",
    "id",
    "assignee_email",
    "project_id",
];

impl<'a> BugRecord<'a> {
    pub fn new(r: &'a BugRow, keys: Option<&'a ExportKeys>, now: DateTime<Utc>) -> Self {
        let sla = sla_state(r.status, r.created_at, r.sla_hours, now);
        BugRecord {
            number: &r.number,
            severity: r.severity,
            status: r.status,
            title: &r.title,
            assignee: r.assignee.as_deref(),
            project: r.project.as_deref(),
            priority: r.priority,
            is_blocker: r.is_blocker,
            created_at: iso(r.created_at),
            age_hours: (now - r.created_at).num_hours().max(0),
            sla_hours: r.sla_hours,
            sla_due_at: iso(r.created_at + TimeDelta::hours(i64::from(r.sla_hours))),
            sla_state: sla.label(),
            sla_breached: sla.is_overdue(),
            version: r.version,
            id: r.id,
            assignee_email: keys.and_then(|k| k.assignee_email.as_deref()),
            project_id: keys.and_then(|k| k.project_id),
        }
    }
}

/// The bug table's columns; the title takes what the others leave of `width`.
pub fn list_columns(number_width: usize, width: Option<usize>) -> Vec<Column> {
    let mut cols = vec![
        Column::left("Bug", number_width.max(8)),
        Column::left("Severity", 8),
        Column::left("Status", 11),
        Column::left("Title", 0),
        Column::left("Assignee", 16),
        Column::left("Project", 16),
        Column::right("Age", 7),
        Column::left("SLA", 18),
        Column::right("Pri", 3),
    ];
    let fixed: usize =
        cols.iter().map(|c| c.width).sum::<usize>() + output::GAP.len() * (cols.len() - 1);
    cols[3].width = match width {
        Some(w) => w.saturating_sub(fixed).max(MIN_TITLE_WIDTH),
        None => PIPED_TITLE_WIDTH,
    };
    cols
}

/// One line of the bug table, as the dashboard draws it (without colour:
/// "■" marks a blocker, "!" a breached SLA).
pub fn list_cells(r: &BugRow, now: DateTime<Utc>) -> Vec<String> {
    let sla = sla_state(r.status, r.created_at, r.sla_hours, now);
    let dash = || "—".to_owned();
    vec![
        r.number.clone(),
        r.severity.as_str().to_owned(),
        r.status.as_str().to_owned(),
        if r.is_blocker {
            format!("{BLOCKER_MARK}{}", r.title)
        } else {
            r.title.clone()
        },
        r.assignee.clone().unwrap_or_else(dash),
        r.project.clone().unwrap_or_else(dash),
        format_duration_short(now - r.created_at),
        format!(
            "{}{}",
            if sla.is_overdue() { BREACH_MARK } else { "  " },
            sla.short_label()
        ),
        r.priority.to_string(),
    ]
}

enum Sink<W: Write> {
    Table {
        out: W,
        width: Option<usize>,
        columns: Option<Vec<Column>>,
    },
    Json(JsonArray<W>),
    Csv(Box<csv::Writer<W>>),
}

impl<W: Write> Sink<W> {
    fn begin(format: DataFormat, out: W, width: Option<usize>) -> io::Result<Self> {
        Ok(match format {
            DataFormat::Table => Sink::Table {
                out,
                width,
                columns: None,
            },
            DataFormat::Json => Sink::Json(JsonArray::begin(out)?),
            DataFormat::Csv => Sink::Csv(Box::new(csv_writer(out, &LIST_CSV_HEADER)?)),
        })
    }

    fn page(
        &mut self,
        rows: &[BugRow],
        keys: &HashMap<Uuid, ExportKeys>,
        now: DateTime<Utc>,
    ) -> io::Result<()> {
        match self {
            Sink::Table {
                out,
                width,
                columns,
            } => {
                if columns.is_none() {
                    let number_w = rows
                        .iter()
                        .map(|r| r.number.chars().count())
                        .max()
                        .unwrap_or(0);
                    let cols = list_columns(number_w, *width);
                    writeln!(out, "{}", output::header(&cols))?;
                    *columns = Some(cols);
                }
                let cols = columns.as_deref().unwrap_or_default();
                for r in rows {
                    writeln!(out, "{}", output::line(cols, &list_cells(r, now)))?;
                }
            }
            Sink::Json(a) => {
                for r in rows {
                    a.push(&BugRecord::new(r, keys.get(&r.id), now))?;
                }
            }
            Sink::Csv(w) => {
                for r in rows {
                    csv_row(w, &BugRecord::new(r, keys.get(&r.id), now))?;
                }
            }
        }
        Ok(())
    }

    fn end(self, summary: Option<&str>) -> io::Result<()> {
        match self {
            Sink::Table {
                mut out,
                width,
                columns,
            } => {
                if columns.is_none() {
                    writeln!(out, "{}", output::header(&list_columns(8, width)))?;
                }
                if let Some(s) = summary {
                    // It quotes the search text and filter values.
                    writeln!(out, "{}", crate::text_safety::one_line(s))?;
                }
                out.flush()
            }
            Sink::Json(a) => a.end()?.flush(),
            Sink::Csv(mut w) => w.flush(),
        }
    }
}

/// "50 of 450 bugs (open · critical; sorted by priority ↓)".
pub fn list_summary(shown: u64, total: &str, q: &BugQuery, more: bool) -> String {
    let arrow = if q.sort.descending() { "↓" } else { "↑" };
    let mut s = format!(
        "{} of {total} bugs ({}; sorted by {} {arrow})",
        crate::format::count(i64::try_from(shown).unwrap_or(i64::MAX)),
        q.filter.summary(),
        q.sort.key.label()
    );
    if more {
        s.push_str("; --limit 0 lists them all");
    }
    s
}

/// Streams the bugs matching `q` to `out` in `opts.format`; returns how many
/// rows were written. Stops quietly if the reader goes away.
pub async fn list<W: Write>(
    conn: &mut PgConnection,
    q: &BugQuery,
    opts: &ListOptions,
    now: DateTime<Utc>,
    out: W,
) -> Result<u64> {
    let mut tx = conn.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let total = match opts.format {
        DataFormat::Table => Some(db::bugs::count(&mut tx, q, now).await?),
        _ => None,
    };
    let mut sink = match Sink::begin(opts.format, out, opts.width) {
        Ok(s) => s,
        Err(e) => return output::finish(Err(e)).map(|()| 0),
    };
    let mut written: u64 = 0;
    let mut anchor = PageAnchor::Top;
    let mut more = false;
    loop {
        let want = match opts.limit {
            0 => PAGE_SIZE,
            limit => usize::try_from(limit - written)
                .unwrap_or(usize::MAX)
                .min(PAGE_SIZE),
        };
        if want == 0 {
            break;
        }
        let page = db::bugs::page(&mut tx, q, &anchor, want, now)
            .await
            .wrap_err("reading a page of bugs failed")?;
        let keys = match opts.format {
            DataFormat::Table => HashMap::new(),
            _ => {
                let ids: Vec<Uuid> = page.rows.iter().map(|r| r.id).collect();
                db::bugs::export_keys(&mut tx, &ids)
                    .await
                    .wrap_err("reading the assignees' emails failed")?
            }
        };
        if let Err(e) = sink.page(&page.rows, &keys, now) {
            return output::finish(Err(e)).map(|()| written);
        }
        written += page.rows.len() as u64;
        more = page.more_after;
        match page.rows.last() {
            Some(last) if page.more_after => {
                anchor = PageAnchor::After(db::bugs::cursor_of(last, q.sort.key));
            }
            _ => break,
        }
    }
    tx.commit().await.ok();
    let summary = total.map(|t| list_summary(written, &count_label(t), q, more));
    output::finish(sink.end(summary.as_deref()))?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::bugs::fixtures::{now, row};
    use crate::commands::output::csv_header_of;

    #[test]
    fn csv_header_matches_the_record() {
        assert_eq!(
            csv_header_of(&BugRecord::new(&row(), None, now())),
            LIST_CSV_HEADER
        );
    }

    #[test]
    fn table_line_marks_blockers_and_breaches() {
        let cols = list_columns(8, None);
        let line = output::line(&cols, &list_cells(&row(), now()));
        assert!(line.starts_with("BUG-1001  high      in_progress  ■ Login hangs"));
        assert!(line.contains("! 1d over"), "{line}");
        assert!(line.contains("—"), "{line}");
        let wide = list_columns(8, Some(200));
        assert_eq!(
            wide.iter().map(|c| c.width).sum::<usize>() + 2 * (wide.len() - 1),
            200
        );
        assert_eq!(list_columns(8, Some(10))[3].width, MIN_TITLE_WIDTH);
    }
}
