//! KPI drill-down against seeded data: for every figure that counts bugs, the
//! bug table's filter (the one Enter on the figure applies) counts exactly
//! the figure; for every rate, mean or sum, it selects the set the figure is
//! computed over, checked by recomputing the figure from that set in SQL.

use chrono::{DateTime, Utc};
use ctodash::app::drill::{GRID, drill};
use ctodash::db::kpis::{self, Kpis};
use ctodash::db::testing::TestDb;
use ctodash::domain::alert::KpiName;
use ctodash::query::{BugFilter, BugQuery};
use sqlx::PgConnection;

async fn seeded() -> TestDb {
    let db = TestDb::new().await;
    let opts = ctodash::seed::SeedOptions {
        bugs: 3_000,
        projects: Some(12),
        users: Some(15),
        seed: 7,
        reset: false,
    };
    ctodash::seed::run(&db.pool, &opts).await.expect("seed");
    db
}

async fn table_count(conn: &mut PgConnection, filter: &BugFilter, now: DateTime<Utc>) -> i64 {
    let q = BugQuery {
        filter: filter.clone(),
        ..Default::default()
    };
    let c = ctodash::db::bugs::count(conn, &q, now).await.unwrap();
    assert!(!c.estimated, "3,000 bugs are counted exactly");
    c.n as i64
}

/// `expr` over the bugs `filter` selects (the same WHERE the table uses).
async fn over_set(conn: &mut PgConnection, kpi: KpiName, expr: &str, now: DateTime<Utc>) -> f64 {
    let d = drill(kpi).unwrap();
    let window = match d.filter.window {
        Some(ctodash::query::Window::Resolved { days }) => {
            format!("resolved_at > $1 - interval '{days} days' AND resolved_at <= $1")
        }
        Some(ctodash::query::Window::ResolvedEver) => "resolved_at IS NOT NULL".into(),
        other => panic!("{kpi}: unexpected window {other:?}"),
    };
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT ({expr})::float8 FROM bugs WHERE {window} AND $1 IS NOT NULL"
    )))
    .bind(now)
    .fetch_one(conn)
    .await
    .unwrap()
}

fn figure(k: &Kpis, kpi: KpiName) -> i64 {
    let v = kpi.value(k).unwrap();
    assert_eq!(v.fract(), rust_decimal::Decimal::ZERO, "{kpi} is a count");
    v.try_into().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_drillable_figure_shows_exactly_its_bugs() {
    let db = seeded().await;
    let mut conn = db.pool.acquire().await.unwrap();
    let now = Utc::now();
    let k = kpis::load(&mut conn, now).await.unwrap();
    let mut checked = vec![];
    for kpi in GRID.iter().flatten().copied() {
        let Some(d) = drill(kpi) else { continue };
        let n = table_count(&mut conn, &d.filter, now).await;
        if d.countable {
            assert_eq!(n, figure(&k, kpi), "{kpi}: table count vs figure");
            checked.push((kpi, n));
            continue;
        }
        use KpiName::*;
        match kpi {
            SlaCompliancePct | SlaCompliancePct30d => {
                let within = over_set(
                    &mut conn,
                    kpi,
                    "count(*) FILTER (WHERE resolved_at <= sla_due_at)",
                    now,
                )
                .await;
                assert!(n > 0, "{kpi}: the seed resolves bugs");
                let pct = (within * 100.0 / n as f64 * 100.0).round() / 100.0;
                let shown = kpi.value(&k).unwrap().to_string().parse::<f64>().unwrap();
                assert_eq!(shown, pct, "{kpi}: {within} of the {n} bugs shown");
            }
            MeanTimeToResolveHours | MeanTimeToResolveHoursAll => {
                let secs = over_set(
                    &mut conn,
                    kpi,
                    "sum(extract(epoch FROM resolved_at - created_at))",
                    now,
                )
                .await;
                let mean = ((secs / n as f64 / 3600.0) * 10.0).round() / 10.0;
                let shown = kpi.value(&k).unwrap().to_string().parse::<f64>().unwrap();
                assert_eq!(shown, mean, "{kpi}: mean over the {n} bugs shown");
            }
            RevenueAtRiskDaily | RevenueAtRiskMonthly => {
                // The open critical bugs: exactly the "critical" figure.
                assert_eq!(n, k.open_by_severity.critical, "{kpi}");
            }
            EngineeringCost => {
                let all: i64 = ctodash::domain::BugStatus::ALL
                    .iter()
                    .map(|s| k.by_status.get(*s))
                    .sum();
                assert_eq!(n, all, "{kpi}: every bug");
            }
            other => panic!("{other} has no check here: add one"),
        }
        checked.push((kpi, n));
    }
    // Every selectable figure was checked, and the seed gives the main ones
    // something to count (an all-zero run would prove little).
    let selectable = GRID
        .iter()
        .flatten()
        .filter(|k| drill(**k).is_some())
        .count();
    assert_eq!(checked.len(), selectable);
    for kpi in [
        KpiName::OpenTotal,
        KpiName::SlaBreached,
        KpiName::SlaBreachedDeferred,
        KpiName::Blockers,
        KpiName::OpenedLast7d,
        KpiName::ResolvedLast7d,
        KpiName::Deferred,
    ] {
        let n = checked.iter().find(|(k, _)| *k == kpi).map(|c| c.1);
        assert!(n.is_some_and(|n| n > 0), "{kpi}: {n:?}");
    }
}
