//! `ctodash bugs list | show | set-status`: the bug table, the detail pane and
//! the status edit of the dashboard, for people and scripts.
//!
//! `list` streams: it reads keyset pages of [`PAGE_SIZE`] rows inside one
//! read-only REPEATABLE READ transaction (so every page comes from the same
//! snapshot and the rows neither skip nor repeat while others write) and
//! writes each page out before it reads the next, so a million-row export
//! holds one page in memory.

use crate::app::model::{BugDetail, BugRow, HistoryEntry};
use crate::app::msg::SaveOutcome;
use crate::cli::{BugsCommand, BugsListArgs, BugsSetStatusArgs, BugsShowArgs, DataFormat};
use crate::commands::output::{
    self, Align, Column, JsonArray, clean, count_label, csv_row, csv_writer, iso, terminal_width,
};
use crate::config::Config;
use crate::db::edit::{EditContext, change_status};
use crate::db::{self, SchemaPolicy};
use crate::domain::{
    BugNumber, BugStatus, DEFAULT_HOURLY_RATE, Severity, bug_cost, format_duration_short, sla_state,
};
use crate::format::money;
use crate::query::{BugFilter, BugQuery, PageAnchor, Sort, SortKey, StatusFilter};
use chrono::{DateTime, TimeDelta, Utc};
use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::{Connection, PgConnection, PgPool};
use std::io::{self, BufWriter, Write};
use uuid::Uuid;

/// Rows per keyset page while streaming `bugs list`.
pub const PAGE_SIZE: usize = 1_000;

/// Title column width when stdout is not a terminal.
const PIPED_TITLE_WIDTH: usize = 50;
const MIN_TITLE_WIDTH: usize = 20;
const BLOCKER_MARK: &str = "■ ";
const BREACH_MARK: &str = "! ";

pub async fn run(cfg: &Config, cmd: &BugsCommand) -> Result<()> {
    match cmd {
        BugsCommand::List(args) => list_command(cfg, args).await,
        BugsCommand::Show(args) => show_command(cfg, args).await,
        BugsCommand::SetStatus(args) => set_status_command(cfg, args).await,
    }
}

fn stdout() -> BufWriter<io::Stdout> {
    BufWriter::with_capacity(1 << 16, io::stdout())
}

// ---------------------------------------------------------------------------
// Parsing the command line

/// The dashboard's query for the `bugs list` flags; every bad value is one
/// paragraph naming the flag, the valid values and an example.
pub fn parse_query(args: &BugsListArgs) -> Result<BugQuery> {
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Ok(BugQuery {
        filter: BugFilter {
            status: parse_status_filter(&args.status)?,
            severities: parse_severities(&args.severity)?,
            project: text(&args.project),
            assignee: text(&args.assignee),
            blocker_only: args.blocker,
            sla_breached_only: args.sla_breached,
            search: text(&args.search).unwrap_or_default(),
            fuzzy: false,
        },
        sort: parse_sort(&args.sort)?,
    })
}

/// `--severity critical,high` (or repeated) → severities, deduplicated.
pub fn parse_severities(values: &[String]) -> Result<Vec<Severity>> {
    let mut out = Vec::new();
    for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let s: Severity = v.parse().map_err(|e| {
            eyre!(
                "--severity: {e}. Pass one or more of them, comma-separated or repeated, \
                 e.g. --severity critical,high"
            )
        })?;
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out)
}

/// `open` (everything not shipped or closed), `all`, or a comma list of statuses.
pub fn parse_status_filter(text: &str) -> Result<StatusFilter> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("open") {
        return Ok(StatusFilter::Open);
    }
    if t.eq_ignore_ascii_case("all") || t.eq_ignore_ascii_case("any") {
        return Ok(StatusFilter::All);
    }
    let mut statuses = Vec::new();
    for v in t.split(',').map(str::trim).filter(|v| !v.is_empty()) {
        let s: BugStatus = v.parse().map_err(|e| {
            eyre!(
                "--status: {e}; or use \"open\" (the default: every status but shipped and \
                 closed) or \"all\". Statuses can be combined with commas, e.g. --status \
                 in_progress,verified"
            )
        })?;
        if !statuses.contains(&s) {
            statuses.push(s);
        }
    }
    Ok(StatusFilter::Only(statuses))
}

/// A sort column label, optionally prefixed with `-` to reverse its natural
/// order (priority: highest first; everything else ascending).
pub fn parse_sort(text: &str) -> Result<Sort> {
    let t = text.trim();
    let (reversed, name) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let key: SortKey = name.parse().map_err(|e| {
        eyre!("--sort: {e}. Prefix a column with - to reverse it, e.g. --sort -age for the newest bugs first")
    })?;
    Ok(Sort { key, reversed })
}

/// `BUG-1001` or `1001`.
pub fn parse_bug_number(text: &str) -> Result<BugNumber> {
    text.parse::<BugNumber>().map_err(|e| {
        eyre!(
            "{e} (or just the number, e.g. 1001). `ctodash bugs list --status all --search WORD` \
             finds a bug's number"
        )
    })
}

pub fn parse_new_status(text: &str) -> Result<BugStatus> {
    text.parse::<BugStatus>().map_err(|e| {
        eyre!(
            "{e}. Give one of them as the new status, e.g. `ctodash bugs set-status BUG-1001 \
             verified`"
        )
    })
}

/// A project or assignee that names nothing would silently list no bugs;
/// say so instead.
pub async fn check_filter_names(conn: &mut PgConnection, f: &BugFilter) -> Result<()> {
    if let Some(project) = &f.project {
        let found: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM projects WHERE lower(name) = lower($1))",
        )
        .bind(project)
        .fetch_one(&mut *conn)
        .await?;
        if !found {
            bail!(
                "--project: there is no project named \"{project}\" (names are matched whole, \
                 ignoring case). `ctodash projects list` shows every project's name"
            );
        }
    }
    if let Some(who) = f
        .assignee
        .as_deref()
        .filter(|a| !a.eq_ignore_ascii_case("none"))
    {
        let found: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM users \
             WHERE lower(email) = lower($1) OR lower(name) = lower($1))",
        )
        .bind(who)
        .fetch_one(&mut *conn)
        .await?;
        if !found {
            bail!(
                "--assignee: no user has the email or name \"{who}\". Use an email or full \
                 name from the users table (ignoring case), or \"none\" for unassigned bugs"
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// bugs list

async fn list_command(cfg: &Config, args: &BugsListArgs) -> Result<()> {
    let query = parse_query(args)?;
    let db = db::open(cfg, SchemaPolicy::MigrateOwned).await?;
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
}

/// The CSV header of `bugs list --format csv`, in [`BugRecord`]'s order.
pub const LIST_CSV_HEADER: [&str; 16] = [
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
];

impl<'a> BugRecord<'a> {
    pub fn new(r: &'a BugRow, now: DateTime<Utc>) -> Self {
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
        Column::left("SLA", 14),
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
            sla.label()
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

    fn page(&mut self, rows: &[BugRow], now: DateTime<Utc>) -> io::Result<()> {
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
                    a.push(&BugRecord::new(r, now))?;
                }
            }
            Sink::Csv(w) => {
                for r in rows {
                    csv_row(w, &BugRecord::new(r, now))?;
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
                    writeln!(out, "{s}")?;
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
        if let Err(e) = sink.page(&page.rows, now) {
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

// ---------------------------------------------------------------------------
// bugs show

/// The id of the bug with this number, if any.
pub async fn find_bug(conn: &mut PgConnection, number: BugNumber) -> sqlx::Result<Option<Uuid>> {
    let exact: Option<Uuid> = sqlx::query_scalar("SELECT id FROM bugs WHERE bug_number = $1")
        .bind(number.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    if exact.is_some() {
        return Ok(exact);
    }
    // "BUG-0042" is bug 42 too (numbers are checked to be BUG-<digits>).
    sqlx::query_scalar(
        "SELECT id FROM bugs WHERE (substr(bug_number, 5)::bigint) = $1 ORDER BY bug_number LIMIT 1",
    )
    .bind(i64::from(number.0))
    .fetch_optional(&mut *conn)
    .await
}

/// The detail pane's content for a bug number, or an error naming the
/// database when there is no such bug.
pub async fn load_detail(
    conn: &mut PgConnection,
    number: BugNumber,
    database: &str,
) -> Result<BugDetail> {
    let not_found = || {
        eyre!(
            "there is no bug {number} in {database}. Check the number; `ctodash bugs list \
             --status all --search WORD` finds bugs by title"
        )
    };
    let id = find_bug(conn, number).await?.ok_or_else(not_found)?;
    db::detail::detail(conn, id).await?.ok_or_else(not_found)
}

async fn show_command(cfg: &Config, args: &BugsShowArgs) -> Result<()> {
    let number = parse_bug_number(&args.bug)?;
    let db = db::open(cfg, SchemaPolicy::MigrateOwned).await?;
    let mut conn = db.pool.acquire().await?;
    let detail = load_detail(&mut conn, number, &db.found.display).await?;
    output::finish(write_show(&detail, args.format, Utc::now(), stdout()))
}

/// Every field of `bugs show`, for JSON and (without history) CSV.
#[derive(Debug, Serialize)]
pub struct BugDetailRecord<'a> {
    pub number: &'a str,
    pub title: &'a str,
    pub severity: Severity,
    pub status: BugStatus,
    pub priority: i32,
    pub is_blocker: bool,
    pub sla_hours: i32,
    pub sla_due_at: String,
    pub sla_state: String,
    pub sla_breached: bool,
    pub assignee: Option<&'a str>,
    pub assignee_email: Option<&'a str>,
    pub reported_by: Option<&'a str>,
    pub project: Option<&'a str>,
    pub created_at: String,
    pub updated_at: String,
    pub resolved_at: Option<String>,
    pub revenue_impact_daily: Option<Decimal>,
    pub estimated_hours: Option<Decimal>,
    pub actual_hours: Option<Decimal>,
    pub engineering_cost: Decimal,
    pub business_impact: Option<&'a str>,
    pub description: Option<&'a str>,
    pub version: i64,
    pub id: Uuid,
}

pub const SHOW_CSV_HEADER: [&str; 25] = [
    "number",
    "title",
    "severity",
    "status",
    "priority",
    "is_blocker",
    "sla_hours",
    "sla_due_at",
    "sla_state",
    "sla_breached",
    "assignee",
    "assignee_email",
    "reported_by",
    "project",
    "created_at",
    "updated_at",
    "resolved_at",
    "revenue_impact_daily",
    "estimated_hours",
    "actual_hours",
    "engineering_cost",
    "business_impact",
    "description",
    "version",
    "id",
];

#[derive(Debug, Serialize)]
pub struct HistoryRecord<'a> {
    pub at: String,
    pub who: Option<&'a str>,
    pub field: &'a str,
    pub old: Option<&'a str>,
    pub new: Option<&'a str>,
}

/// `bugs show --format json`: the fields plus the history, newest first.
#[derive(Debug, Serialize)]
pub struct BugShowJson<'a> {
    #[serde(flatten)]
    pub bug: BugDetailRecord<'a>,
    pub history: Vec<HistoryRecord<'a>>,
}

impl<'a> BugDetailRecord<'a> {
    pub fn new(d: &'a BugDetail, now: DateTime<Utc>) -> Self {
        let r = &d.row;
        let sla = sla_state(r.status, r.created_at, r.sla_hours, now);
        BugDetailRecord {
            number: &r.number,
            title: &r.title,
            severity: r.severity,
            status: r.status,
            priority: r.priority,
            is_blocker: r.is_blocker,
            sla_hours: r.sla_hours,
            sla_due_at: iso(r.created_at + TimeDelta::hours(i64::from(r.sla_hours))),
            sla_state: sla.label(),
            sla_breached: sla.is_overdue(),
            assignee: r.assignee.as_deref(),
            assignee_email: d.assignee_email.as_deref(),
            reported_by: d.creator.as_deref(),
            project: r.project.as_deref(),
            created_at: iso(r.created_at),
            updated_at: iso(d.updated_at),
            resolved_at: d.resolved_at.map(iso),
            revenue_impact_daily: d.revenue_impact_daily,
            estimated_hours: d.estimated_hours,
            actual_hours: d.actual_hours,
            engineering_cost: money_2dp(bug_cost(d.actual_hours, r.severity, DEFAULT_HOURLY_RATE)),
            business_impact: d.business_impact.as_deref(),
            description: d.description.as_deref(),
            version: r.version,
            id: r.id,
        }
    }
}

/// Money as the other JSON outputs write it: two decimal places.
fn money_2dp(d: Decimal) -> Decimal {
    let mut d = d.round_dp(2);
    d.rescale(2);
    d
}

impl<'a> HistoryRecord<'a> {
    pub fn new(h: &'a HistoryEntry) -> Self {
        HistoryRecord {
            at: iso(h.at),
            who: h.who.as_deref(),
            field: &h.field,
            old: h.old.as_deref(),
            new: h.new.as_deref(),
        }
    }
}

pub fn write_show<W: Write>(
    d: &BugDetail,
    format: DataFormat,
    now: DateTime<Utc>,
    mut out: W,
) -> io::Result<()> {
    match format {
        DataFormat::Table => out.write_all(show_text(d, now).as_bytes())?,
        DataFormat::Json => {
            let json = BugShowJson {
                bug: BugDetailRecord::new(d, now),
                history: d.history.iter().map(HistoryRecord::new).collect(),
            };
            serde_json::to_writer_pretty(&mut out, &json)?;
            out.write_all(b"\n")?;
        }
        DataFormat::Csv => {
            let mut w = csv_writer(&mut out, &SHOW_CSV_HEADER)?;
            csv_row(&mut w, &BugDetailRecord::new(d, now))?;
            w.flush()?;
        }
    }
    out.flush()
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn ago(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let d = (now - t).max(TimeDelta::zero());
    if d < TimeDelta::minutes(1) {
        format!("{}s ago", d.num_seconds())
    } else {
        format!("{} ago", format_duration_short(d))
    }
}

fn hours(h: Option<Decimal>) -> String {
    h.map_or_else(|| "—".into(), |h| format!("{}h", h.normalize()))
}

/// The detail pane as plain text: fields, description, history table.
pub fn show_text(d: &BugDetail, now: DateTime<Utc>) -> String {
    let r = &d.row;
    let dash = || "—".to_owned();
    let sla = sla_state(r.status, r.created_at, r.sla_hours, now);
    let due = r.created_at + TimeDelta::hours(i64::from(r.sla_hours));
    let when = |t: DateTime<Utc>| format!("{} · {}", utc(t), ago(t, now));
    let fields: Vec<(&str, String)> = vec![
        ("Severity", r.severity.as_str().to_owned()),
        ("Status", r.status.as_str().to_owned()),
        ("Priority", r.priority.to_string()),
        (
            "Blocker",
            if r.is_blocker { "yes" } else { "no" }.to_owned(),
        ),
        (
            "SLA",
            format!(
                "{}{} · {}h for {} · due {}",
                if sla.is_overdue() { BREACH_MARK } else { "" },
                sla.label(),
                r.sla_hours,
                r.severity,
                utc(due)
            ),
        ),
        (
            "Assignee",
            match (&r.assignee, &d.assignee_email) {
                (Some(name), Some(email)) => format!("{} <{email}>", clean(name)),
                (Some(name), None) => clean(name).into_owned(),
                (None, _) => "unassigned".to_owned(),
            },
        ),
        (
            "Reported by",
            d.creator
                .as_deref()
                .map_or_else(dash, |c| clean(c).into_owned()),
        ),
        (
            "Project",
            r.project
                .as_deref()
                .map_or_else(dash, |p| clean(p).into_owned()),
        ),
        ("Created", when(r.created_at)),
        ("Updated", when(d.updated_at)),
        ("Resolved", d.resolved_at.map_or_else(dash, when)),
        (
            "Revenue",
            d.revenue_impact_daily
                .map_or_else(dash, |v| format!("{} / day", money(v))),
        ),
        (
            "Hours",
            format!(
                "{} estimated · {} actual",
                hours(d.estimated_hours),
                hours(d.actual_hours)
            ),
        ),
        (
            "Eng. cost",
            format!(
                "{} ({} × {}/h × {} for {})",
                money(bug_cost(d.actual_hours, r.severity, DEFAULT_HOURLY_RATE)),
                hours(d.actual_hours),
                money(DEFAULT_HOURLY_RATE),
                r.severity.cost_multiplier().normalize(),
                r.severity
            ),
        ),
        (
            "Impact",
            d.business_impact
                .as_deref()
                .map_or_else(dash, |s| clean(s).into_owned()),
        ),
        ("Version", r.version.to_string()),
        ("Id", r.id.to_string()),
    ];
    let mut out = format!("{}  {}\n\n", r.number, clean(&r.title));
    for (label, value) in fields {
        out.push_str(&format!("{label:<13}{value}\n"));
    }
    out.push_str("\nDescription\n");
    match d.description.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(text) => {
            for l in text.lines() {
                out.push_str(&format!("  {}\n", l.replace('\t', "    ")));
            }
        }
        None => out.push_str("  no description\n"),
    }
    out.push_str(&format!(
        "\nHistory · {} change{}, newest first\n",
        d.history.len(),
        if d.history.len() == 1 { "" } else { "s" }
    ));
    if d.history.is_empty() {
        out.push_str("  no changes recorded\n");
        return out;
    }
    let value = |v: &Option<String>| v.as_deref().map_or_else(dash, |s| clean(s).into_owned());
    let rows: Vec<Vec<String>> = d
        .history
        .iter()
        .map(|h| {
            vec![
                h.at.format("%Y-%m-%d %H:%M").to_string(),
                h.who
                    .as_deref()
                    .map_or_else(|| "someone (unknown)".to_owned(), |w| w.to_owned()),
                h.field.clone(),
                format!("{} → {}", value(&h.old), value(&h.new)),
            ]
        })
        .collect();
    let headers = [
        ("When (UTC)", Align::Left),
        ("Who", Align::Left),
        ("Field", Align::Left),
        ("Change", Align::Left),
    ];
    for l in output::auto_table(&headers, &rows, 60) {
        out.push_str(&format!("  {l}\n"));
    }
    out
}

// ---------------------------------------------------------------------------
// bugs set-status

async fn set_status_command(cfg: &Config, args: &BugsSetStatusArgs) -> Result<()> {
    let number = parse_bug_number(&args.bug)?;
    let to = parse_new_status(&args.status)?;
    if cfg.read_only {
        bail!(
            "refusing to change {number}: this session is read-only (--read-only, or \
             read_only = true in the config file), so nothing was written. Run the command \
             without --read-only (and without read_only = true in the config) to change bugs"
        );
    }
    let Some(email) = cfg.user.as_deref().map(str::trim).filter(|e| !e.is_empty()) else {
        bail!(
            "refusing to change {number}: ctodash does not know who you are, and every change \
             is recorded with its author, so nothing was written. Pass --user EMAIL, set \
             CTODASH_USER, or put user = \"EMAIL\" in the config file; the email must be a row \
             in the users table"
        );
    };
    let db = db::open(cfg, SchemaPolicy::MigrateOwned).await?;
    let mut conn = db.pool.acquire().await?;
    let Some(me) = db::users::find_by_email(&mut conn, email).await? else {
        bail!(
            "refusing to change {number}: there is no user with the email {email} in {}, so \
             nothing was written. Use the email of an existing user (see `SELECT email FROM \
             users`), or add yourself to the users table first",
            db.found.display
        );
    };
    let detail = load_detail(&mut conn, number, &db.found.display).await?;
    drop(conn);
    let ctx = EditContext::new(me);
    let done = apply_status(&db.pool, &ctx, &detail.row, to).await?;
    println!("{done}");
    Ok(())
}

/// Writes `to` over `seen` (the row as it was read) with the dashboard's
/// transaction; the line to print, or the refusal / conflict as an error.
pub async fn apply_status(
    pool: &PgPool,
    ctx: &EditContext,
    seen: &BugRow,
    to: BugStatus,
) -> Result<String> {
    let outcome = change_status(pool, ctx, seen, to).await?;
    outcome_report(&outcome)
}

/// What `set-status` prints for an outcome: "BUG-1001: in_progress → verified
/// (version 7)", or an error paragraph saying that nothing was written and
/// why — for a conflict, what changed and that re-running applies the
/// change to the current row.
pub fn outcome_report(outcome: &SaveOutcome) -> Result<String> {
    match outcome {
        SaveOutcome::Saved { before, after } => Ok(format!(
            "{}: {} → {} (version {})",
            after.number, before.status, after.status, after.version
        )),
        SaveOutcome::Conflict {
            wanted,
            mine,
            theirs,
            changes,
        } => Err(eyre!(
            "{} changed while this command was changing it (version {} → {}): {}. Nothing was \
             written. Run the same command again to apply {wanted} to the bug as it is now; it \
             will be checked against its current status ({})",
            theirs.number,
            mine.version,
            theirs.version,
            changes.join("; "),
            theirs.status
        )),
        SaveOutcome::Failed { bug, error } => Err(eyre!("{bug}: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::output::csv_header_of;
    use chrono::TimeZone;

    fn row() -> BugRow {
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

    fn detail() -> BugDetail {
        BugDetail {
            row: row(),
            description: Some("line one\nline two".into()),
            business_impact: None,
            revenue_impact_daily: Some(Decimal::new(150_000, 2)),
            estimated_hours: None,
            actual_hours: Some(Decimal::new(3, 0)),
            assignee_email: Some("cto@example.com".into()),
            creator: None,
            updated_at: Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap(),
            resolved_at: None,
            history: vec![HistoryEntry {
                at: Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap(),
                who: None,
                field: "status".into(),
                old: Some("pending".into()),
                new: Some("in_progress".into()),
            }],
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
    }

    #[test]
    fn csv_headers_match_the_records() {
        assert_eq!(
            csv_header_of(&BugRecord::new(&row(), now())),
            LIST_CSV_HEADER
        );
        let d = detail();
        assert_eq!(
            csv_header_of(&BugDetailRecord::new(&d, now())),
            SHOW_CSV_HEADER
        );
    }

    #[test]
    fn parses_flags_and_explains_bad_ones() {
        assert_eq!(parse_status_filter("open").unwrap(), StatusFilter::Open);
        assert_eq!(parse_status_filter("ALL").unwrap(), StatusFilter::All);
        assert_eq!(
            parse_status_filter("in-progress, verified").unwrap(),
            StatusFilter::Only(vec![BugStatus::InProgress, BugStatus::Verified])
        );
        let e = parse_status_filter("done").unwrap_err().to_string();
        assert!(e.contains("--status") && e.contains("in_progress") && e.contains("\"all\""));

        assert_eq!(
            parse_severities(&["critical".into(), "high".into(), "critical".into()]).unwrap(),
            [Severity::Critical, Severity::High]
        );
        let e = parse_severities(&["urgent".into()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("critical, high, medium, low"), "{e}");

        let s = parse_sort("-age").unwrap();
        assert_eq!((s.key, s.reversed), (SortKey::Age, true));
        assert!(parse_sort("priority").unwrap().descending());
        let e = parse_sort("colour").unwrap_err().to_string();
        assert!(e.contains("priority, number") && e.contains("-age"), "{e}");

        assert_eq!(parse_bug_number("bug-7").unwrap(), BugNumber(7));
        assert!(parse_bug_number("BUG-x").is_err());
        assert!(
            parse_new_status("done")
                .unwrap_err()
                .to_string()
                .contains("verified")
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

    #[test]
    fn show_text_has_every_field_and_history() {
        let text = show_text(&detail(), now());
        for needle in [
            "BUG-1001  Login hangs",
            "Severity     high",
            "Assignee     Ada Lovelace <cto@example.com>",
            "Revenue      $1,500 / day",
            "Eng. cost    $900",
            "line two",
            "History · 1 change, newest first",
            "someone (unknown)",
            "pending → in_progress",
        ] {
            assert!(text.contains(needle), "{needle:?} in\n{text}");
        }
    }

    #[test]
    fn outcomes_are_reported() {
        let before = row();
        let after = BugRow {
            status: BugStatus::Verified,
            version: 3,
            ..row()
        };
        let ok = outcome_report(&SaveOutcome::Saved {
            before,
            after: after.clone(),
        })
        .unwrap();
        assert_eq!(ok, "BUG-1001: in_progress → verified (version 3)");
        let e = outcome_report(&SaveOutcome::Conflict {
            wanted: BugStatus::Shipped,
            mine: row(),
            theirs: after,
            changes: vec!["status: in_progress → verified by Grace Hopper 2m ago".into()],
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("version 2 → 3"), "{e}");
        assert!(e.contains("by Grace Hopper"), "{e}");
        assert!(e.contains("Nothing was written"), "{e}");
        assert!(
            e.contains("Run the same command again to apply shipped"),
            "{e}"
        );
        let e = outcome_report(&SaveOutcome::Failed {
            bug: "BUG-1001".into(),
            error: "this session is read-only: nothing was written".into(),
        })
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "BUG-1001: this session is read-only: nothing was written"
        );
    }
}
