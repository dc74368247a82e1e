//! The triage figures: a 100-bug bulk change through the one audited change
//! (`db::edit::apply_changes`) and creating a bug (`db::edit::create_bug`),
//! each beside the statements a newcomer would loop over.

use crate::app::model::{BugRow, Me};
use crate::bench::stats::time_async;
use crate::bench::{Figure, Measure, Target};
use crate::db::detail;
use crate::db::edit::{
    BugEdit, ChangeOutcome, CreateOutcome, EditContext, FieldChange, NewBug, apply_changes,
    create_bug,
};
use crate::domain::Severity;
use sqlx::PgPool;
use std::cell::RefCell;
use uuid::Uuid;

/// Bugs per bulk change.
const BULK: usize = 100;
const WARMUP: usize = 3;

async fn editor(pool: &PgPool) -> sqlx::Result<EditContext> {
    let (id, email, name): (Uuid, String, String) =
        sqlx::query_as("SELECT id, email, name FROM users ORDER BY email LIMIT 1")
            .fetch_one(pool)
            .await?;
    Ok(EditContext::new(Me { id, email, name }))
}

/// The severity of iteration `i`: alternating, so every iteration writes.
fn severity(i: usize) -> Severity {
    if i.is_multiple_of(2) {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// Both figures, in table order.
pub async fn triage(pool: &PgPool, n: usize) -> sqlx::Result<Vec<Figure>> {
    let ctx = editor(pool).await?;
    Ok(vec![
        bulk_change(pool, &ctx, n).await?,
        create(pool, &ctx, n).await?,
    ])
}

async fn bulk_change(pool: &PgPool, ctx: &EditContext, n: usize) -> sqlx::Result<Figure> {
    let ids: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM bugs WHERE status = 'pending' ORDER BY id LIMIT $1")
            .bind((2 * BULK) as i64)
            .fetch_all(pool)
            .await?;
    let (ours_ids, base_ids) = ids.split_at(ids.len() / 2);
    let mut conn = pool.acquire().await?;
    let mut rows: Vec<BugRow> = Vec::with_capacity(ours_ids.len());
    for id in ours_ids {
        rows.push(detail::detail(&mut conn, *id).await?.expect("bug").row);
    }
    drop(conn);
    let rows = RefCell::new(rows);
    let ours = time_async(WARMUP, n, |i| {
        let seen = rows.borrow().clone();
        let rows = &rows;
        async move {
            let edits = BugEdit::same_for(&seen, &[FieldChange::Severity(severity(i))]);
            match apply_changes(pool, ctx, &edits).await.expect("change") {
                ChangeOutcome::Applied(a) => {
                    *rows.borrow_mut() = a.bugs.into_iter().map(|b| b.after).collect();
                }
                other => panic!("bulk change refused: {other:?}"),
            }
        }
    })
    .await;
    let baseline = time_async(WARMUP, n, |i| async move {
        for id in base_ids {
            sqlx::query("UPDATE bugs SET severity = $1::bug_severity WHERE id = $2")
                .bind(severity(i).as_str())
                .bind(id)
                .execute(pool)
                .await
                .expect("update");
            sqlx::query(
                "INSERT INTO audit_log (action, entity_type, entity_id) \
                 VALUES ('bug.updated', 'bug', $1)",
            )
            .bind(id)
            .execute(pool)
            .await
            .expect("audit");
        }
    })
    .await;
    Ok(Figure {
        name: "bulk change, 100 bugs",
        how: "severity of 100 bugs: one transaction, rows locked, versions checked, 100 updates \
              + history (trigger) + 100 audit rows in one statement"
            .into(),
        ours: Measure::Latency(ours),
        baseline: Some((
            "UPDATE + INSERT audit per bug, 200 autocommit statements, no check".into(),
            Measure::Latency(baseline),
        )),
        target: Target::Report,
    })
}

async fn create(pool: &PgPool, ctx: &EditContext, n: usize) -> sqlx::Result<Figure> {
    let created = RefCell::new(Vec::<Uuid>::new());
    let ours = time_async(WARMUP, n, |i| {
        let created = &created;
        async move {
            let new = NewBug {
                title: format!("Benchmark bug {i}"),
                severity: severity(i),
                project: None,
                assignee: Some(ctx.me.id),
                is_blocker: false,
                description: Some("Created by the benchmark, then deleted".into()),
            };
            match create_bug(pool, ctx, &new).await.expect("create") {
                CreateOutcome::Created(row) => created.borrow_mut().push(row.id),
                other => panic!("create refused: {other:?}"),
            }
        }
    })
    .await;
    let baseline = time_async(WARMUP, n, |i| {
        let created = &created;
        async move {
            let id: Uuid = sqlx::query_scalar(
                "INSERT INTO bugs (bug_number, title, severity, created_by) \
                 VALUES ('BUG-' || nextval('bug_number_seq'), $1, 'low', $2) RETURNING id",
            )
            .bind(format!("Baseline bug {i}"))
            .bind(ctx.me.id)
            .fetch_one(pool)
            .await
            .expect("insert");
            sqlx::query(
                "INSERT INTO audit_log (action, entity_type, entity_id) \
                 VALUES ('bug.created', 'bug', $1)",
            )
            .bind(id)
            .execute(pool)
            .await
            .expect("audit");
            created.borrow_mut().push(id);
        }
    })
    .await;
    // The benchmark database keeps its size (it is reused when it has
    // exactly the bugs asked for).
    sqlx::query("DELETE FROM bugs WHERE id = ANY($1)")
        .bind(created.into_inner())
        .execute(pool)
        .await?;
    Ok(Figure {
        name: "create bug",
        how: "one transaction: number from the sequence (checked free), insert, audit row".into(),
        ours: Measure::Latency(ours),
        baseline: Some((
            "INSERT with nextval + INSERT audit, two autocommit statements, no checks".into(),
            Measure::Latency(baseline),
        )),
        target: Target::Report,
    })
}
