//! The view tabs' counts: one round over the built-in views (what every
//! full refresh asks for), beside the same filters counted exactly.

use crate::bench::stats::time_async;
use crate::bench::{Figure, Measure, Target};
use crate::db::bugs;
use crate::query::BugQuery;
use chrono::Utc;
use sqlx::PgPool;

pub(super) async fn view_counts(pool: &PgPool, n: usize) -> sqlx::Result<Figure> {
    // Mine as the busiest assignee sees it: the largest of its counts.
    let me: Option<String> = sqlx::query_scalar(
        "SELECT u.email FROM bugs b JOIN users u ON u.id = b.assigned_to \
         GROUP BY u.email ORDER BY count(*) DESC, u.email LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    let queries: Vec<BugQuery> = crate::views::builtins()
        .iter()
        .filter_map(|v| v.query_for(me.as_deref()))
        .collect();
    // The plain statements: the same filters, always counted exactly.
    const OPEN: &str = "status IN ('pending', 'in_progress', 'verified', 'deferred')";
    let plain = [
        format!("SELECT count(*) FROM bugs WHERE {OPEN}"),
        format!(
            "SELECT count(*) FROM bugs WHERE {OPEN} AND assigned_to = \
             (SELECT id FROM users WHERE email = '{}')",
            me.clone().unwrap_or_default().replace('\'', "''")
        ),
        format!("SELECT count(*) FROM bugs WHERE {OPEN} AND sla_due_at < now()"),
        format!("SELECT count(*) FROM bugs WHERE {OPEN} AND is_blocker"),
    ];
    let ours = time_async(3, n, |_| {
        let queries = queries.clone();
        async move {
            let mut conn = pool.acquire().await.expect("connection");
            let now = Utc::now();
            for q in &queries {
                bugs::count(&mut conn, q, now).await.expect("count");
            }
        }
    })
    .await;
    let baseline = time_async(3, n, |_| {
        let plain = plain.clone();
        async move {
            let mut conn = pool.acquire().await.expect("connection");
            for sql in plain {
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&mut *conn)
                    .await
                    .expect("count");
            }
        }
    })
    .await;
    Ok(Figure {
        name: "view tab counts",
        how: format!(
            "the {} built-in views counted as the tabs do (exact below 100,000, else the \
             planner's estimate), one connection",
            queries.len()
        ),
        ours: Measure::Latency(ours),
        baseline: Some((
            "the same filters, 4 × SELECT count(*)".into(),
            Measure::Latency(baseline),
        )),
        target: Target::Report,
    })
}
