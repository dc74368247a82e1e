//! The row count for a filter: exact below `EXACT_COUNT_LIMIT`, else the planner's estimate.

use super::filter::{prepare_search, push_filters};
use crate::app::model::Count;
use crate::query::BugQuery;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

/// Counts are exact while the planner expects fewer rows than this; above it
/// the estimate is returned (and labelled as such by the table).
pub const EXACT_COUNT_LIMIT: u64 = 100_000;

/// How many bugs match `q`'s filter: exact below [`EXACT_COUNT_LIMIT`], else
/// the planner's estimate (instant at any size).
pub async fn count(
    conn: &mut PgConnection,
    q: &BugQuery,
    now: DateTime<Utc>,
) -> sqlx::Result<Count> {
    prepare_search(conn, &q.filter).await?;
    let mut qb =
        QueryBuilder::<Postgres>::new("EXPLAIN (FORMAT JSON) SELECT 1 FROM bugs b WHERE true");
    push_filters(&mut qb, &q.filter, now);
    let plan: sqlx::types::Json<serde_json::Value> = qb
        .build_query_scalar()
        .persistent(false)
        .fetch_one(&mut *conn)
        .await?;
    let estimate = plan.0[0]["Plan"]["Plan Rows"].as_f64().unwrap_or(f64::MAX);
    if estimate >= EXACT_COUNT_LIMIT as f64 {
        return Ok(Count {
            n: estimate.round() as u64,
            estimated: true,
        });
    }
    let mut qb = QueryBuilder::<Postgres>::new("SELECT count(*) FROM bugs b WHERE true");
    push_filters(&mut qb, &q.filter, now);
    let n: i64 = qb
        .build_query_scalar()
        .persistent(false)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Count {
        n: n.max(0) as u64,
        estimated: false,
    })
}
