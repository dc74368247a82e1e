//! The triage figures alone (a 100-bug bulk change and a create, beside their
//! baselines) at one scale, printed as BENCHMARKS.md rows; `cargo bench` runs
//! them with every other figure. E.g.
//! `cargo run --release --example bench_triage -- 1000000 50 ctodash_bench_triage`
//! (scale, iterations, database prefix; drop `<prefix>_<scale>` afterwards).

use ctodash::bench::{self, ScaleReport, report};

#[tokio::main]
async fn main() -> sqlx::Result<()> {
    let mut args = std::env::args().skip(1);
    let bugs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    let prefix = args
        .next()
        .unwrap_or_else(|| "ctodash_bench_triage".to_owned());
    let server = ctodash::db::testing::server().await;
    let (pool, _, seeded) = bench::prepare(&server, &prefix, bugs, false).await?;
    if let Some(d) = seeded {
        eprintln!("seeded {bugs} bugs in {:.1} s", d.as_secs_f64());
    }
    let figures = bench::figures::triage(&pool, n).await?;
    let scale = ScaleReport {
        bugs,
        projects: 0,
        figures,
    };
    println!("{}", report::markdown(std::slice::from_ref(&scale)));
    println!("{}", report::legend(&scale));
    Ok(())
}
