//! `bugs set-status`: the dashboard's status edit from the shell, same change
//! and checks; several bugs change all or nothing (`bugs set`'s report).

use super::parse_new_status;
use super::set::{bugs_phrase, parse_numbers};
use super::writer::open_writer;
use crate::app::model::BugRow;
use crate::app::msg::SaveOutcome;
use crate::cli::BugsSetStatusArgs;
use crate::config::Config;
use crate::db::edit::{EditContext, change_status};
use crate::domain::{BugStatus, FieldChange};
use color_eyre::eyre::{Result, bail, eyre};
use sqlx::PgPool;

pub(super) async fn set_status_command(cfg: &Config, args: &BugsSetStatusArgs) -> Result<()> {
    let Some((status, bugs)) = args.args.split_last().filter(|(_, b)| !b.is_empty()) else {
        bail!(
            "give one or more bugs and then the new status, e.g. `ctodash bugs set-status \
             BUG-1001 BUG-1002 verified`"
        );
    };
    let numbers = parse_numbers(bugs)?;
    let to = parse_new_status(status)?;
    let what = bugs_phrase(&numbers);
    let w = open_writer(cfg, &format!("change {what}"), "ctodash bugs set-status").await?;
    if let [number] = numbers.as_slice() {
        let seen = w.rows(std::slice::from_ref(number)).await?.remove(0);
        let done = apply_status(&w.db.pool, &w.ctx, &seen, to).await?;
        println!("{}", crate::text_safety::one_line(&done));
        return Ok(());
    }
    for line in super::set::apply(&w, &numbers, &[FieldChange::Status(to)]).await? {
        println!("{}", crate::text_safety::one_line(&line));
    }
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
    use crate::commands::bugs::fixtures::row;

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
