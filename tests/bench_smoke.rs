//! A tiny run of the shipped benchmark, so it cannot rot between full runs.

use ctodash::bench::{self, BenchOptions, Measure, report};
use sqlx::Connection;

#[tokio::test(flavor = "multi_thread")]
async fn the_benchmark_measures_every_figure_at_a_small_scale() {
    let prefix = format!("ctodash_smoke_{}", uuid::Uuid::new_v4().simple());
    let opts = BenchOptions {
        scales: vec![1_500],
        iterations: 3,
        reseed: false,
        db_prefix: prefix.clone(),
        only_import: false,
        only_kpi: false,
    };
    let results = bench::run(&opts).await.expect("benchmark run");
    let (scale, options) = &results[0];
    let names: Vec<&str> = scale.figures.iter().map(|f| f.name).collect();
    for expected in [
        "seed",
        "KPI refresh",
        "first page",
        "first page, 2 filters",
        "first page, by age",
        "last page (G)",
        "deep page",
        "search, common word",
        "search, rare word",
        "search, typo",
        "view tab counts",
        "status edit",
        "frame render",
        "push latency",
        "CSV import, new bugs",
        "CSV import, edited",
        "reader's worst wait during import",
    ] {
        assert!(names.contains(&expected), "missing {expected} in {names:?}");
    }
    for f in &scale.figures {
        match &f.ours {
            Measure::Latency(s) => assert!(!s.is_empty(), "{} took no samples", f.name),
            Measure::Value { value, .. } => assert!(*value > 0.0, "{}", f.name),
            Measure::Absent(why) => panic!("{} not measured: {why}", f.name),
        }
    }
    let table = report::markdown(std::slice::from_ref(scale));
    assert!(table.contains("| KPI refresh |"), "{table}");

    // The import figures delete what they added, so a reused database keeps its size.
    let mut db = sqlx::PgConnection::connect_with(options).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM bugs")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(left, 1_500, "the benchmark left imported bugs behind");
    db.close().await.unwrap();

    let mut admin = sqlx::PgConnection::connect_with(&options.clone().database("postgres"))
        .await
        .unwrap();
    let drop = format!("DROP DATABASE IF EXISTS {prefix}_1500 WITH (FORCE)");
    sqlx::query(sqlx::AssertSqlSafe(drop))
        .execute(&mut admin)
        .await
        .unwrap();
}
