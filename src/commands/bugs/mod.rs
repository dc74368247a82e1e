//! `ctodash bugs list | show | set-status | set | new | comment`: the bug
//! table, the detail pane and the dashboard's edits, for people and scripts.
//! Every write goes through `db::edit` (one audited, conflict-checked change).
//!
//! `list` streams: it reads keyset pages of [`PAGE_SIZE`] rows inside one
//! read-only REPEATABLE READ transaction (so every page comes from the same
//! snapshot and the rows neither skip nor repeat while others write) and
//! writes each page out before it reads the next, so a million-row export
//! holds one page in memory.

mod comment;
mod list;
mod new;
mod set;
mod set_status;
mod show;
mod timeline;
mod writer;

pub use list::{
    BugRecord, LIST_CSV_HEADER, ListOptions, PAGE_SIZE, list, list_cells, list_columns,
    list_summary,
};
pub use set::change_report;
pub use set_status::{apply_status, outcome_report};
pub use show::{
    BugDetailRecord, BugShowJson, HistoryRecord, SHOW_CSV_HEADER, find_bug, load_detail, show_text,
    write_show,
};

use crate::cli::{BugsCommand, BugsListArgs};
use crate::config::Config;
use crate::domain::{BugNumber, BugStatus, Severity};
use crate::query::{BugFilter, BugQuery, Sort, SortKey, StatusFilter};
use color_eyre::eyre::{Result, bail, eyre};
use sqlx::PgConnection;
use std::io::{self, BufWriter};

/// Marks a breached SLA, in the bug table and in the detail pane alike.
const BREACH_MARK: &str = "! ";

pub async fn run(cfg: &Config, cmd: &BugsCommand) -> Result<()> {
    match cmd {
        BugsCommand::List(args) => list::list_command(cfg, args).await,
        BugsCommand::Show(args) => show::show_command(cfg, args).await,
        BugsCommand::SetStatus(args) => set_status::set_status_command(cfg, args).await,
        BugsCommand::Set(args) => set::set_command(cfg, args).await,
        BugsCommand::New(args) => new::new_command(cfg, args).await,
        BugsCommand::Comment(args) => comment::comment_command(cfg, args).await,
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

#[cfg(test)]
mod fixtures;

#[cfg(test)]
mod tests {
    use super::*;

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

        assert_eq!(parse_bug_number("bug-7").unwrap().as_str(), "BUG-7");
        assert_eq!(
            parse_bug_number("BUG-202511-0001").unwrap().as_str(),
            "BUG-202511-0001"
        );
        assert!(parse_bug_number("BUG-x").is_err());
        assert!(
            parse_new_status("done")
                .unwrap_err()
                .to_string()
                .contains("verified")
        );
    }
}
