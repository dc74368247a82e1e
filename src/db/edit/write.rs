//! The body of every audited change, inside a transaction the caller owns:
//! lock the bugs, check each against the version its user saw and against
//! the rules, then write every bug and its audit row in one statement (the
//! triggers add the history rows). Returns the refusals instead when any bug
//! is refused, having written nothing.

use super::locked::{Locked, lock, missing};
use super::outcome::{Applied, AppliedBug, BugEdit, Refusal, RefusalReason, Undo};
use crate::app::model::BugRow;
use crate::db::bugs::{ROW_COLUMNS, decode_row};
use crate::db::detail::history_limited;
use crate::domain::{Field, FieldChange, FieldError, check_transition, normalize_changes};
use chrono::Utc;
use serde_json::{Map, Value, json};
use sqlx::PgConnection;
use std::collections::HashMap;
use std::fmt::Write;
use uuid::Uuid;

/// Who writes, as the audit row records it.
pub(super) struct Actor<'a> {
    pub id: Option<Uuid>,
    pub client_addr: &'a str,
    pub user_agent: &'a str,
}

/// Which rules a change is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rules {
    /// A person's edit: field rules and the status lifecycle.
    People,
    /// An undo: restores the exact old values, so neither the lifecycle
    /// (shipped → verified may be the undo of verified → shipped) nor a
    /// field bound added since applies; references must still exist.
    Revert,
    /// `doctor`'s rolled-back rehearsal: any status move.
    Rehearsal,
}

/// One bug to write: its locked row and the changes that differ from it.
struct Plan<'a> {
    cur: &'a Locked,
    changes: Vec<FieldChange>,
}

pub(super) async fn write(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    edits: &[BugEdit],
    rules: Rules,
) -> sqlx::Result<Result<Applied, Vec<Refusal>>> {
    let ids: Vec<Uuid> = edits.iter().map(|e| e.seen.id).collect();
    let locked = lock(conn, &ids, actor.id).await?;
    let by_id: HashMap<Uuid, &Locked> = locked.iter().map(|l| (l.row.id, l)).collect();
    let now = Utc::now();

    let mut refusals: Vec<(usize, Refusal)> = Vec::new();
    let mut plans: Vec<Option<Plan>> = Vec::with_capacity(edits.len());
    for (i, edit) in edits.iter().enumerate() {
        let refuse = |reason| {
            (
                i,
                Refusal {
                    id: edit.seen.id,
                    bug: edit.seen.number.clone(),
                    reason,
                },
            )
        };
        let Some(cur) = by_id.get(&edit.seen.id).copied() else {
            refusals.push(refuse(RefusalReason::Gone));
            plans.push(None);
            continue;
        };
        if cur.row.version != edit.seen.version {
            let recent = history_limited(conn, cur.row.id, Some(20)).await?;
            let changes = super::describe_changes(&edit.seen, &cur.row, &recent, now);
            refusals.push(refuse(RefusalReason::Conflict {
                mine: Box::new(edit.seen.clone()),
                theirs: Box::new(cur.row.clone()),
                changes,
            }));
            plans.push(None);
            continue;
        }
        match plan(cur, &edit.changes, rules) {
            Ok(p) => plans.push(Some(p)),
            Err(reason) => {
                refusals.push(refuse(reason));
                plans.push(None);
            }
        }
    }
    check_references(conn, edits, &plans, &mut refusals).await?;
    if !refusals.is_empty() {
        refusals.sort_by_key(|(i, _)| *i);
        return Ok(Err(refusals.into_iter().map(|(_, r)| r).collect()));
    }

    let plans: Vec<Plan> = plans.into_iter().flatten().collect();
    let written = update(conn, actor, rules, &plans).await?;
    let mut bugs = Vec::with_capacity(plans.len());
    let mut undo = Undo::default();
    for p in &plans {
        let after = written
            .get(&p.cur.row.id)
            .cloned()
            .unwrap_or_else(|| p.cur.row.clone());
        if !p.changes.is_empty() {
            let old = p.changes.iter().map(|c| p.cur.value(c.field())).collect();
            undo.edits.push(BugEdit::new(after.clone(), old));
        }
        bugs.push(AppliedBug {
            before: p.cur.row.clone(),
            after,
            changed: p.changes.iter().map(FieldChange::field).collect(),
        });
    }
    Ok(Ok(Applied { bugs, undo }))
}

/// The changes of one bug that differ from its row, or why it is refused.
fn plan<'a>(
    cur: &'a Locked,
    wanted: &[FieldChange],
    rules: Rules,
) -> Result<Plan<'a>, RefusalReason> {
    let changes = match rules {
        Rules::People => normalize_changes(wanted).map_err(RefusalReason::Field)?,
        // Old values go back exactly as they were stored.
        Rules::Revert | Rules::Rehearsal => {
            let mut c: Vec<FieldChange> = Vec::new();
            for w in wanted {
                c.retain(|o| o.field() != w.field());
                c.push(w.clone());
            }
            c
        }
    };
    if changes.is_empty() {
        return Err(RefusalReason::NothingToChange);
    }
    if rules == Rules::People
        && let Some(FieldChange::Status(to)) = changes.iter().find(|c| c.field() == Field::Status)
    {
        check_transition(cur.row.status, *to).map_err(RefusalReason::Transition)?;
    }
    let changes = changes
        .into_iter()
        .filter(|c| *c != cur.value(c.field()))
        .collect();
    Ok(Plan { cur, changes })
}

/// Refuses bugs whose new assignee or project does not exist.
async fn check_references(
    conn: &mut PgConnection,
    edits: &[BugEdit],
    plans: &[Option<Plan<'_>>],
    refusals: &mut Vec<(usize, Refusal)>,
) -> sqlx::Result<()> {
    let mut users = Vec::new();
    let mut projects = Vec::new();
    for c in plans.iter().flatten().flat_map(|p| &p.changes) {
        match c {
            FieldChange::Assignee(Some(u)) => users.push(*u),
            FieldChange::Project(Some(p)) => projects.push(*p),
            _ => {}
        }
    }
    let no_user = missing(conn, "users", &users).await?;
    let no_project = missing(conn, "projects", &projects).await?;
    for (i, p) in plans.iter().enumerate() {
        let Some(p) = p else { continue };
        let broken = p.changes.iter().find_map(|c| match c {
            FieldChange::Assignee(Some(u)) if no_user.contains(u) => {
                Some(FieldError::UnknownUser(*u))
            }
            FieldChange::Project(Some(id)) if no_project.contains(id) => {
                Some(FieldError::UnknownProject(*id))
            }
            _ => None,
        });
        if let Some(e) = broken {
            refusals.push((
                i,
                Refusal {
                    id: edits[i].seen.id,
                    bug: edits[i].seen.number.clone(),
                    reason: RefusalReason::Field(e),
                },
            ));
        }
    }
    Ok(())
}

/// How SQL reads a field's value sent as text.
fn cast(f: Field) -> &'static str {
    match f {
        Field::Status => "::bug_status",
        Field::Severity => "::bug_severity",
        Field::Assignee | Field::Project => "::uuid",
        Field::Blocker => "::boolean",
        Field::EstimatedHours | Field::ActualHours => "::numeric",
        Field::Title | Field::Description => "",
    }
}

/// One statement for every bug with something to write: the update (only the
/// columns some bug changes, so an editor needs UPDATE on no other column)
/// and one audit row per bug. Returns the rows as stored.
async fn update(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    rules: Rules,
    plans: &[Plan<'_>],
) -> sqlx::Result<HashMap<Uuid, BugRow>> {
    let plans: Vec<&Plan> = plans.iter().filter(|p| !p.changes.is_empty()).collect();
    if plans.is_empty() {
        return Ok(HashMap::new());
    }
    let mut fields: Vec<Field> = plans
        .iter()
        .flat_map(|p| p.changes.iter().map(FieldChange::field))
        .collect();
    fields.sort();
    fields.dedup();

    let mut columns = String::from("$1::uuid[], $2::bigint[], $3::text[], $4::text[]");
    let mut names = String::from("id, version, action, details");
    let mut sets = Vec::new();
    for (k, f) in fields.iter().enumerate() {
        let p = 8 + 2 * k;
        let _ = write!(columns, ", ${p}::boolean[], ${}::text[]", p + 1);
        let _ = write!(names, ", s{k}, v{k}");
        let col = f.column();
        sets.push(format!(
            "{col} = CASE WHEN v.s{k} THEN (v.v{k}){} ELSE b.{col} END",
            cast(*f)
        ));
    }
    let sql = format!(
        "WITH v AS (SELECT * FROM unnest({columns}) AS v({names})), \
         upd AS (UPDATE bugs b SET {} FROM v WHERE b.id = v.id AND b.version = v.version \
                 RETURNING b.*), \
         aud AS (INSERT INTO audit_log \
                     (user_id, action, entity_type, entity_id, details, ip_address, user_agent) \
                 SELECT $5, v.action, 'bug', upd.id, \
                     v.details::jsonb || jsonb_build_object('version_after', upd.version), $6, $7 \
                 FROM upd JOIN v ON v.id = upd.id) \
         SELECT {ROW_COLUMNS} FROM upd b \
         LEFT JOIN users u ON u.id = b.assigned_to \
         LEFT JOIN projects p ON p.id = b.project_id",
        sets.join(", ")
    );

    let ids: Vec<Uuid> = plans.iter().map(|p| p.cur.row.id).collect();
    let versions: Vec<i64> = plans.iter().map(|p| p.cur.row.version).collect();
    let (actions, details): (Vec<String>, Vec<String>) =
        plans.iter().map(|p| audit(p, rules)).unzip();
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ids)
        .bind(versions)
        .bind(actions)
        .bind(details)
        .bind(actor.id)
        .bind(actor.client_addr.to_owned())
        .bind(actor.user_agent.to_owned());
    for f in &fields {
        let values: Vec<Option<&FieldChange>> = plans
            .iter()
            .map(|p| p.changes.iter().find(|c| c.field() == *f))
            .collect();
        let set: Vec<bool> = values.iter().map(Option::is_some).collect();
        let text: Vec<Option<String>> = values
            .iter()
            .map(|v| v.and_then(FieldChange::value_text))
            .collect();
        q = q.bind(set).bind(text);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    if rows.len() != plans.len() {
        // Cannot happen while the rows are locked; say so rather than guess.
        return Err(sqlx::Error::Protocol(format!(
            "{} of {} bugs changed while saving; nothing was written, try again",
            plans.len() - rows.len(),
            plans.len()
        )));
    }
    rows.iter()
        .map(|r| decode_row(r).map(|b| (b.id, b)))
        .collect()
}

/// The audit action and details (without `version_after`, which the
/// statement adds) of one bug's change. A person's status-only change keeps
/// the shape status changes always had; anything else lists each field.
fn audit(p: &Plan<'_>, rules: Rules) -> (String, String) {
    let row = &p.cur.row;
    if rules != Rules::Revert
        && let [FieldChange::Status(to)] = p.changes.as_slice()
    {
        let d = json!({
            "bug_number": row.number, "from": row.status.as_str(), "to": to.as_str(),
            "version_before": row.version,
        });
        return ("bug.status_changed".to_owned(), d.to_string());
    }
    let mut changes = Map::new();
    for c in &p.changes {
        let f = c.field();
        changes.insert(
            f.column().to_owned(),
            json!({ "from": p.cur.value(f).value_text(), "to": c.value_text() }),
        );
    }
    let action = if rules == Rules::Revert {
        "bug.reverted"
    } else {
        "bug.updated"
    };
    let d = json!({
        "bug_number": row.number, "changes": Value::Object(changes),
        "version_before": row.version,
    });
    (action.to_owned(), d.to_string())
}
