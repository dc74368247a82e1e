//! `bugs show`: one bug's detail pane, as text for people and as JSON or CSV for scripts.

use super::timeline::{CommentRecord, TimelineRecord};
use super::{BREACH_MARK, parse_bug_number, stdout};
use crate::app::model::{BugDetail, HistoryEntry};
use crate::cli::{BugsShowArgs, DataFormat};
use crate::commands::output::{self, clean, csv_row, csv_writer, iso};
use crate::config::Config;
use crate::db;
use crate::domain::{
    BugNumber, BugStatus, DEFAULT_HOURLY_RATE, Severity, bug_cost, format_duration_short, sla_state,
};
use crate::format::money;
use crate::text_safety;
use chrono::{DateTime, TimeDelta, Utc};
use color_eyre::eyre::{Result, eyre};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::PgConnection;
use std::io::{self, Write};
use uuid::Uuid;

/// The id of the bug with this number, if any.
pub async fn find_bug(conn: &mut PgConnection, number: &BugNumber) -> sqlx::Result<Option<Uuid>> {
    let exact: Option<Uuid> = sqlx::query_scalar("SELECT id FROM bugs WHERE bug_number = $1")
        .bind(number.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(key) = number.sort_key().filter(|_| exact.is_none()) else {
        return Ok(exact);
    };
    // "BUG-0042" is bug 42 too (same sort key, migration 0009).
    sqlx::query_scalar(
        "SELECT id FROM bugs WHERE bug_number_key(bug_number) = $1 ORDER BY bug_number LIMIT 1",
    )
    .bind(key)
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
    let id = find_bug(conn, &number).await?.ok_or_else(not_found)?;
    db::detail::detail(conn, id).await?.ok_or_else(not_found)
}

pub(super) async fn show_command(cfg: &Config, args: &BugsShowArgs) -> Result<()> {
    let number = parse_bug_number(&args.bug)?;
    let db = crate::commands::open_for_reading(cfg).await?;
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

/// `bugs show --format json`: the fields, the history and the comments
/// (each newest first), and both interleaved in `timeline`.
#[derive(Debug, Serialize)]
pub struct BugShowJson<'a> {
    #[serde(flatten)]
    pub bug: BugDetailRecord<'a>,
    pub history: Vec<HistoryRecord<'a>>,
    pub comments: Vec<CommentRecord<'a>>,
    pub timeline: Vec<TimelineRecord<'a>>,
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
                comments: d.comments.iter().map(CommentRecord::new).collect(),
                timeline: d.timeline().into_iter().map(TimelineRecord::new).collect(),
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

/// The detail pane as plain text: fields, description, history table. Every
/// value comes from the database, so the whole text is made terminal-safe
/// (line breaks kept for the description).
pub fn show_text(d: &BugDetail, now: DateTime<Utc>) -> String {
    text_safety::multi_line(&show_text_raw(d, now)).into_owned()
}

fn show_text_raw(d: &BugDetail, now: DateTime<Utc>) -> String {
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
    super::timeline::write_timeline(d, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::bugs::fixtures::{now, row};
    use crate::commands::output::csv_header_of;
    use chrono::TimeZone;

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
            comments: Vec::new(),
        }
    }

    #[test]
    fn csv_header_matches_the_record() {
        let d = detail();
        assert_eq!(
            csv_header_of(&BugDetailRecord::new(&d, now())),
            SHOW_CSV_HEADER
        );
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
}
