//! The status edit figure: the dashboard's checked transaction beside two bare statements.

use crate::app::model::Me;
use crate::bench::stats::time_async;
use crate::bench::{Figure, Measure, Target};
use crate::db::detail;
use crate::db::edit::{EditContext, change_status};
use crate::domain::BugStatus;
use sqlx::PgPool;

/// Edits before timing: at least one per pooled connection, so each has its
/// statements prepared, as in a dashboard that has been open a while.
const EDIT_WARMUP: usize = 12;

pub(super) async fn status_edit(pool: &PgPool, n: usize) -> sqlx::Result<Figure> {
    let me: (uuid::Uuid, String, String) =
        sqlx::query_as("SELECT id, email, name FROM users ORDER BY email LIMIT 1")
            .fetch_one(pool)
            .await?;
    let ctx = EditContext::new(Me {
        id: me.0,
        email: me.1,
        name: me.2,
    });
    let ids: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT id FROM bugs WHERE status = 'pending' ORDER BY id LIMIT $1")
            .bind((2 * (n + EDIT_WARMUP)) as i64)
            .fetch_all(pool)
            .await?;
    let half = ids.len() / 2;
    let (ours_ids, base_ids) = ids.split_at(half);
    let mut rows = Vec::new();
    let mut conn = pool.acquire().await?;
    for id in ours_ids {
        rows.push(detail::detail(&mut conn, *id).await?.expect("bug").row);
    }
    drop(conn);
    let timed = rows.len().saturating_sub(EDIT_WARMUP);
    let ours = time_async(EDIT_WARMUP, timed, |i| {
        let (ctx, bug) = (&ctx, &rows[i]);
        async move {
            change_status(pool, ctx, bug, BugStatus::InProgress)
                .await
                .expect("edit")
        }
    })
    .await;
    let baseline = time_async(EDIT_WARMUP, timed, |i| {
        let id = base_ids[i];
        async move {
            sqlx::query("UPDATE bugs SET status = 'in_progress' WHERE id = $1").bind(id).execute(pool).await.expect("update");
            sqlx::query("INSERT INTO audit_log (action, entity_type, entity_id) VALUES ('bug.status_changed', 'bug', $1)")
                .bind(id)
                .execute(pool)
                .await
                .expect("audit")
        }
    })
    .await;
    Ok(Figure {
        name: "status edit",
        how: "one transaction: lock, version check, update, history (trigger), audit".into(),
        ours: Measure::Latency(ours),
        baseline: Some((
            "UPDATE + INSERT audit as two autocommit statements, no check".into(),
            Measure::Latency(baseline),
        )),
        target: Target::P95Ms(5.0),
    })
}
