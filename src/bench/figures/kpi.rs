//! The KPI refresh figure, beside the seed documents' eight aggregate queries.

use crate::bench::stats::time_async;
use crate::bench::{Figure, Measure, Target};
use crate::db::kpis;
use chrono::Utc;
use sqlx::PgPool;

pub async fn kpi(pool: &PgPool, n: usize) -> sqlx::Result<Vec<Figure>> {
    let ours = time_async(5, n, |_| async {
        let mut conn = pool.acquire().await.expect("connection");
        kpis::load_live(&mut conn, Utc::now()).await.expect("kpis");
        kpis::trend(&mut conn).await.expect("trend")
    })
    .await;
    let baseline = time_async(5, n, |_| seeds_kpis(pool)).await;
    Ok(vec![Figure {
        name: "KPI refresh",
        how: "the dashboard's KPI engine (every figure of `ctodash kpis`, SLA compliance and \
              all-time figures included) and the KPI clock's 15-minute schedule: summary tables \
              (clock-dependent figures from hourly buckets, partial edge hours from indexes) \
              + trend"
            .into(),
        ours: Measure::Latency(ours),
        baseline: Some((
            "the seeds' 8 KPI queries in parallel (count/sum over bugs and projects)".into(),
            Measure::Latency(baseline),
        )),
        target: Target::P95Ms(20.0),
    }])
}

/// The seed documents' approach: eight aggregate queries, run concurrently.
async fn seeds_kpis(pool: &PgPool) -> Vec<i64> {
    const OPEN: &str = "status NOT IN ('shipped', 'closed')";
    let count = |sql: String| async move {
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
            .fetch_one(pool)
            .await
            .expect("baseline")
    };
    let sum = |sql: &'static str| async move {
        let v: Option<rust_decimal::Decimal> = sqlx::query_scalar(sql)
            .fetch_one(pool)
            .await
            .expect("baseline");
        v.map(|d| d.trunc().mantissa() as i64).unwrap_or(0)
    };
    let (a, b, c, d, e, f, g, h) = tokio::join!(
        count(format!(
            "SELECT count(*) FROM bugs WHERE severity = 'critical' AND {OPEN}"
        )),
        count(format!(
            "SELECT count(*) FROM bugs WHERE severity = 'high' AND {OPEN}"
        )),
        count(format!(
            "SELECT count(*) FROM bugs WHERE severity = 'medium' AND {OPEN}"
        )),
        count(format!(
            "SELECT count(*) FROM bugs WHERE severity = 'low' AND {OPEN}"
        )),
        count(format!(
            "SELECT count(*) FROM bugs WHERE is_blocker AND {OPEN}"
        )),
        sum("SELECT sum(dcf_valuation) FROM projects WHERE status <> 'cancelled'"),
        sum("SELECT sum(monthly_infra_cost) FROM projects WHERE status = 'active'"),
        // The source product's `bugs_with_users.sla_breached`: every open
        // bug, deferred included, older than its SLA hours.
        count(format!(
            "SELECT count(*) FROM bugs WHERE {OPEN} \
             AND created_at + make_interval(hours => sla_hours) < now()"
        )),
    );
    vec![a, b, c, d, e, f, g, h]
}
