//! `ctodash kpis` as the real binary against a seeded database: the new
//! parity figures in JSON and in the table, and `bugs list --sla-breached`
//! listing exactly the bugs the KPI counts (deferred ones marked so).

#[path = "common/cli.rs"]
mod cli;

use cli::{count, seeded};
use serde_json::Value;

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn kpis_json_and_table_carry_the_parity_figures() {
    let (db, cli) = seeded().await;
    let k = json(&cli.run(&["kpis", "--format", "json"]).await.ok().stdout);
    let by_status = &k["by_status"];
    let all = count(&db, "SELECT count(*) FROM bugs").await;
    let sum: i64 = [
        "pending",
        "in_progress",
        "verified",
        "shipped",
        "closed",
        "deferred",
    ]
    .iter()
    .map(|s| {
        by_status[s]
            .as_i64()
            .unwrap_or_else(|| panic!("{s} in {k}"))
    })
    .sum();
    assert_eq!(sum, all);
    let closed = count(&db, "SELECT count(*) FROM bugs WHERE status = 'closed'").await;
    assert_eq!(by_status["closed"], closed);

    // The source product's compliance, straight from the table.
    let within = count(
        &db,
        "SELECT count(*) FROM bugs WHERE status IN ('shipped', 'closed') \
         AND resolved_at IS NOT NULL AND resolved_at - created_at <= make_interval(hours => sla_hours)",
    )
    .await;
    let resolved = count(
        &db,
        "SELECT count(*) FROM bugs WHERE status IN ('shipped', 'closed') AND resolved_at IS NOT NULL",
    )
    .await;
    assert!(resolved > 0, "the seed has resolved bugs");
    let pct = (within as f64 * 100.0 / resolved as f64 * 100.0).round() / 100.0;
    assert_eq!(
        k["sla_compliance_pct"].as_f64(),
        Some(pct),
        "{within}/{resolved}"
    );
    assert!(k["sla_compliance_pct_30d"].is_f64());
    let arr: String = sqlx::query_scalar(
        "SELECT coalesce(sum(arr), 0)::numeric(20, 2)::text FROM projects \
         WHERE status IN ('active', 'shipped')",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        k["arr_total"],
        arr.as_str(),
        "money as a two-decimal string"
    );
    let mttr: f64 = sqlx::query_scalar(
        "SELECT round((avg(extract(epoch FROM resolved_at - created_at)) / 3600)::numeric, 1)::float8 \
         FROM bugs WHERE resolved_at IS NOT NULL",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(k["mean_time_to_resolve_hours_all"].as_f64(), Some(mttr));
    // Existing keys keep their names.
    for key in [
        "sla_breached",
        "open_total",
        "mean_time_to_resolve_hours",
        "portfolio_valuation",
    ] {
        assert!(k.get(key).is_some(), "{key} in {k}");
    }

    let table = cli.run(&["kpis"]).await.ok().stdout;
    for label in [
        "SLA breached (open)",
        "  of which deferred",
        "SLA compliance (all time)",
        "SLA compliance (30 d)",
        "ARR (active + shipped)",
        "Mean time to resolve (all)",
        "All bugs by status",
        "  in_progress",
    ] {
        assert!(table.contains(label), "{label:?} in\n{table}");
    }
    let line = table
        .lines()
        .find(|l| l.starts_with("SLA compliance (all time)"))
        .unwrap();
    assert!(line.ends_with(&format!("{pct:.2} %")), "{line}");
}

/// Drill-down parity: `bugs list --sla-breached --status open --limit 0`
/// lists exactly `sla_breached` bugs, `sla_breached_deferred` of them deferred.
#[tokio::test(flavor = "multi_thread")]
async fn the_breached_list_is_the_kpi_count() {
    let (_db, cli) = seeded().await;
    let kpis = || async { json(&cli.run(&["kpis", "--format", "json"]).await.ok().stdout) };
    let before = kpis().await;
    let out = cli
        .run(&[
            "bugs",
            "list",
            "--sla-breached",
            "--status",
            "open",
            "--limit",
            "0",
            "--format",
            "json",
        ])
        .await
        .ok()
        .stdout;
    let after = kpis().await;
    let rows = json(&out);
    let rows = rows.as_array().unwrap();
    // Breaches only grow with time: between the count before and the one after.
    let n = rows.len() as i64;
    let (lo, hi) = (
        before["sla_breached"].as_i64().unwrap(),
        after["sla_breached"].as_i64().unwrap(),
    );
    assert!((lo..=hi).contains(&n), "{lo} ≤ {n} ≤ {hi}");
    let deferred: Vec<&Value> = rows.iter().filter(|r| r["status"] == "deferred").collect();
    let (dlo, dhi) = (
        before["sla_breached_deferred"].as_i64().unwrap(),
        after["sla_breached_deferred"].as_i64().unwrap(),
    );
    assert!(dlo > 0, "the seed has deferred bugs past their SLA");
    assert!((dlo..=dhi).contains(&(deferred.len() as i64)));
    for r in rows {
        assert_eq!(r["sla_breached"], true, "{r}");
        let state = r["sla_state"].as_str().unwrap();
        if r["status"] == "deferred" {
            assert!(state.ends_with(" over · deferred"), "{state}");
        } else {
            assert!(state.ends_with(" over"), "{state}");
        }
    }
}
