//! `bugs set`: any field of one or more bugs, through the dashboard's one
//! audited change; and how a change's outcome reads on the command line
//! (shared with `bugs set-status` on several bugs).

use super::writer::{Writer, assignee_id, is_none, open_writer, project_id};
use super::{parse_bug_number, parse_severities};
use crate::cli::BugsSetArgs;
use crate::config::Config;
use crate::db::edit::{AppliedBug, BugEdit, ChangeOutcome, apply_changes};
use crate::domain::{BugNumber, Field, FieldChange};
use crate::text_safety::one_line;
use color_eyre::eyre::{Result, bail, eyre};
use rust_decimal::Decimal;
use std::str::FromStr;

pub(super) async fn set_command(cfg: &Config, args: &BugsSetArgs) -> Result<()> {
    let numbers = parse_numbers(&args.bugs)?;
    let what = bugs_phrase(&numbers);
    let mut changes = parse_plain_changes(args)?;
    if changes.is_empty() && args.assignee.is_none() && args.project.is_none() {
        bail!(
            "nothing to change: give at least one of --severity, --assignee, --blocker, \
             --title, --project, --estimated-hours, --actual-hours, --description, e.g. \
             `ctodash bugs set {} --severity critical`",
            numbers[0]
        );
    }
    let w = open_writer(cfg, &format!("change {what}"), "ctodash bugs set").await?;
    let mut conn = w.db.pool.acquire().await?;
    let database = &w.db.found.display;
    if let Some(a) = &args.assignee {
        changes.push(FieldChange::Assignee(
            assignee_id(&mut conn, a, database).await?,
        ));
    }
    if let Some(p) = &args.project {
        changes.push(FieldChange::Project(
            project_id(&mut conn, p, database).await?,
        ));
    }
    drop(conn);
    let lines = apply(&w, &numbers, &changes).await?;
    for l in lines {
        println!("{}", one_line(&l));
    }
    Ok(())
}

/// Applies `changes` to the bugs as they are now; the lines to print, or the
/// refusal as an error.
pub(super) async fn apply(
    w: &Writer,
    numbers: &[BugNumber],
    changes: &[FieldChange],
) -> Result<Vec<String>> {
    let rows = w.rows(numbers).await?;
    let edits = BugEdit::same_for(&rows, changes);
    let outcome = apply_changes(&w.db.pool, &w.ctx, &edits).await?;
    change_report(&outcome)
}

/// "BUG-1001", or "3 bugs (BUG-1, BUG-2, BUG-3)".
pub(super) fn bugs_phrase(numbers: &[BugNumber]) -> String {
    match numbers {
        [one] => one.to_string(),
        many => format!(
            "{} bugs ({})",
            many.len(),
            many.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub(super) fn parse_numbers(texts: &[String]) -> Result<Vec<BugNumber>> {
    let mut out: Vec<BugNumber> = Vec::with_capacity(texts.len());
    for t in texts {
        let n = parse_bug_number(t)?;
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Ok(out)
}

/// The changes that need no database to parse.
fn parse_plain_changes(args: &BugsSetArgs) -> Result<Vec<FieldChange>> {
    let mut out = Vec::new();
    if let Some(s) = &args.severity {
        match parse_severities(std::slice::from_ref(s))?.as_slice() {
            [one] => out.push(FieldChange::Severity(*one)),
            _ => bail!("--severity: give one severity: critical, high, medium or low"),
        }
    }
    if let Some(b) = &args.blocker {
        out.push(FieldChange::Blocker(parse_flag("--blocker", b)?));
    }
    if let Some(t) = &args.title {
        out.push(FieldChange::Title(t.clone()));
    }
    if let Some(h) = &args.estimated_hours {
        out.push(FieldChange::EstimatedHours(parse_hours(
            "--estimated-hours",
            h,
        )?));
    }
    if let Some(h) = &args.actual_hours {
        out.push(FieldChange::ActualHours(parse_hours("--actual-hours", h)?));
    }
    if let Some(d) = &args.description {
        out.push(FieldChange::Description(Some(d.clone())));
    }
    // Rules (title length, hours bounds…) are checked with one message each.
    for c in &out {
        c.normalized()
            .map_err(|e| eyre!("{e}; nothing was written"))?;
    }
    Ok(out)
}

pub(super) fn parse_flag(flag: &str, v: &str) -> Result<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "on" => Ok(true),
        "false" | "no" | "n" | "0" | "off" => Ok(false),
        _ => bail!("{flag}: \"{v}\" is not true or false; e.g. {flag} true"),
    }
}

fn parse_hours(flag: &str, v: &str) -> Result<Option<Decimal>> {
    if is_none(v) {
        return Ok(None);
    }
    Decimal::from_str(v.trim()).map(Some).map_err(|_| {
        eyre!(
            "{flag}: \"{v}\" is not a number of hours; e.g. {flag} 6.5, or {flag} none to clear it"
        )
    })
}

/// What a change prints: one line per bug ("BUG-1001: severity high →
/// critical, blocker no → yes (version 8)"), or an error paragraph saying
/// that nothing was written, naming each refused bug and why.
pub fn change_report(outcome: &ChangeOutcome) -> Result<Vec<String>> {
    match outcome {
        ChangeOutcome::Applied(a) => Ok(a.bugs.iter().map(applied_line).collect()),
        ChangeOutcome::Refused(refusals) => {
            let reasons: Vec<String> = refusals.iter().map(ToString::to_string).collect();
            Err(eyre!(
                "nothing was written: {} refused, and a change of several bugs is all or \
                 nothing. {}. Run the command again to apply it to the bugs as they are now \
                 (it is checked against them again), or leave the refused bugs out",
                if refusals.len() == 1 {
                    "1 bug was".to_owned()
                } else {
                    format!("{} bugs were", refusals.len())
                },
                reasons.join("; ")
            ))
        }
        ChangeOutcome::Failed { error } => Err(eyre!("{error}")),
    }
}

fn applied_line(b: &AppliedBug) -> String {
    if b.changed.is_empty() {
        return format!(
            "{}: already had these values, nothing to change (version {})",
            b.after.number, b.after.version
        );
    }
    let parts: Vec<String> = b
        .changed
        .iter()
        .map(|f| describe(*f, &b.before, &b.after))
        .collect();
    format!(
        "{}: {} (version {})",
        b.after.number,
        parts.join(", "),
        b.after.version
    )
}

/// "severity high → critical", or just "description" for the fields the
/// table row does not hold.
fn describe(
    f: Field,
    before: &crate::app::model::BugRow,
    after: &crate::app::model::BugRow,
) -> String {
    let name = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_owned());
    let yn = |b: bool| if b { "yes" } else { "no" };
    let change = match f {
        Field::Status => Some((before.status.to_string(), after.status.to_string())),
        Field::Severity => Some((before.severity.to_string(), after.severity.to_string())),
        Field::Assignee => Some((name(&before.assignee), name(&after.assignee))),
        Field::Blocker => Some((yn(before.is_blocker).into(), yn(after.is_blocker).into())),
        Field::Title => Some((format!("“{}”", before.title), format!("“{}”", after.title))),
        Field::Project => Some((name(&before.project), name(&after.project))),
        Field::EstimatedHours | Field::ActualHours | Field::Description => None,
    };
    match change {
        Some((from, to)) if f == Field::Severity => format!(
            "{} {from} → {to} (SLA {}h → {}h)",
            f.label(),
            before.sla_hours,
            after.sla_hours
        ),
        Some((from, to)) => format!("{} {from} → {to}", f.label()),
        None => format!("{} changed", f.label()),
    }
}
