//! The project's benchmark: every performance claim in the spec, measured on a
//! real database at several scales, each beside the simple baseline a newcomer
//! would write, in the same run. `cargo bench` drives it (benches/dashboard.rs);
//! a tiny version runs in the test suite so it cannot rot.

pub mod figures;
mod import;
pub mod report;
pub mod stats;
pub mod team;

use crate::db::testing;
use crate::seed::{self, SeedOptions};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use stats::Samples;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub scales: Vec<u64>,
    /// Timed iterations per latency figure (after a warm-up).
    pub iterations: usize,
    /// Reseed even when a database of the right size exists.
    pub reseed: bool,
    /// Databases are named `<prefix>_<bugs>`.
    pub db_prefix: String,
    /// Only the CSV import figures (`--only import`): a quick check of the
    /// import's rate and of readers during it.
    pub only_import: bool,
    /// Only the KPI refresh figure (`--only kpi`).
    pub only_kpi: bool,
}

/// One measured quantity: latencies (p50/p95) or a single value.
#[derive(Debug, Clone)]
pub enum Measure {
    Latency(Samples),
    Value {
        value: f64,
        unit: &'static str,
    },
    /// Not measured here, with the reason.
    Absent(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// p95 at most this many milliseconds.
    P95Ms(f64),
    /// A single value at most this.
    AtMost(f64),
    /// A single value at least this (a rate).
    AtLeast(f64),
    /// No fixed target: report only.
    Report,
}

#[derive(Debug, Clone)]
pub struct Figure {
    pub name: &'static str,
    pub how: String,
    pub ours: Measure,
    pub baseline: Option<(String, Measure)>,
    pub target: Target,
}

#[derive(Debug, Clone)]
pub struct ScaleReport {
    pub bugs: u64,
    pub projects: u32,
    pub figures: Vec<Figure>,
}

/// A benchmark database of `bugs` bugs, reused when it already has exactly that
/// many; returns the pool and, when it had to seed, how long seeding took.
pub async fn prepare(
    server: &PgConnectOptions,
    prefix: &str,
    bugs: u64,
    reseed: bool,
) -> sqlx::Result<(PgPool, PgConnectOptions, Option<Duration>)> {
    let name = format!("{prefix}_{bugs}");
    let mut admin = PgConnection::connect_with(server).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await?;
    if !exists {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await?;
    }
    let options = server.clone().database(&name);
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .connect_with(options.clone())
        .await?;
    crate::db::migrate::run(&pool)
        .await
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    let have: i64 = sqlx::query_scalar("SELECT count(*) FROM bugs")
        .fetch_one(&pool)
        .await?;
    if have as u64 == bugs && !reseed {
        return Ok((pool, options, None));
    }
    let opts = SeedOptions {
        bugs,
        projects: None,
        users: None,
        seed: 1,
        reset: true,
    };
    let started = Instant::now();
    seed::run(&pool, &opts)
        .await
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    Ok((pool, options, Some(started.elapsed())))
}

/// Runs every in-process figure at every scale.
pub async fn run(opts: &BenchOptions) -> sqlx::Result<Vec<(ScaleReport, PgConnectOptions)>> {
    let server = testing::server().await;
    let mut out = Vec::new();
    for &bugs in &opts.scales {
        eprintln!("[bench] preparing {bugs} bugs…");
        let (pool, options, seeded) = prepare(&server, &opts.db_prefix, bugs, opts.reseed).await?;
        let projects = SeedOptions {
            bugs,
            ..SeedOptions::demo()
        }
        .project_count();
        let mut figures = Vec::new();
        figures.push(Figure {
            name: "seed",
            how: format!("`ctodash seed --bugs {bugs}` (COPY, one transaction, indexes rebuilt)"),
            ours: match seeded {
                Some(d) => Measure::Value {
                    value: d.as_secs_f64(),
                    unit: "s",
                },
                None => Measure::Absent("database reused; run with --reseed"),
            },
            baseline: None,
            target: if bugs >= 1_000_000 {
                Target::AtMost(60.0)
            } else {
                Target::Report
            },
        });
        eprintln!("[bench] measuring at {bugs} bugs…");
        if opts.only_import {
            figures.extend(import::csv_import(&pool, bugs).await?);
        } else if opts.only_kpi {
            figures.extend(figures::kpi(&pool, opts.iterations).await?);
        } else {
            figures.extend(figures::all(&pool, &options, bugs, opts.iterations).await?);
        }
        pool.close().await;
        out.push((
            ScaleReport {
                bugs,
                projects,
                figures,
            },
            options,
        ));
    }
    Ok(out)
}
