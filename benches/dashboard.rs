//! `cargo bench` — the performance table in BENCHMARKS.md.
//!
//! Options (after `--`): `--scales 10000,100000,1000000`, `--iterations 100`,
//! `--reseed`, `--output BENCHMARKS.md`, `--db-prefix ctodash_bench`
//! (databases are `<prefix>_<bugs>`), `--quick` (small scales, few
//! iterations, no idle-cost minute), `--only import` (just the CSV import
//! figures: rate and the reader's worst wait; no dashboard process), `--only kpi`
//! (just the KPI refresh figure), `--only team` (just the team section: many
//! headless dashboards on one private server). The database server is found like the
//! tests find it (DATABASE_URL, else the local server or a private cluster).

#[path = "../tests/common/pty.rs"]
mod pty;

use ctodash::bench::{self, BenchOptions, Figure, Measure, ScaleReport, Target, report};
use sqlx::postgres::PgConnectOptions;
use std::time::{Duration, Instant};

struct Args {
    opts: BenchOptions,
    output: String,
    idle_seconds: u64,
}

fn parse_args() -> Args {
    let mut opts = BenchOptions {
        scales: vec![10_000, 100_000, 1_000_000],
        iterations: 100,
        reseed: false,
        db_prefix: "ctodash_bench".into(),
        only_import: false,
        only_kpi: false,
    };
    let mut output = "BENCHMARKS.md".to_string();
    let mut idle_seconds = 60;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--scales" => {
                let v = it.next().unwrap_or_default();
                opts.scales = v
                    .split(',')
                    .filter_map(|s| s.trim().replace('_', "").parse().ok())
                    .collect();
            }
            "--iterations" => {
                opts.iterations = it.next().and_then(|v| v.parse().ok()).unwrap_or(100)
            }
            "--reseed" => opts.reseed = true,
            "--only" => match it.next().as_deref() {
                Some("import") => opts.only_import = true,
                Some("kpi") => opts.only_kpi = true,
                _ => {}
            },
            // Keeps a branch's schema off databases other checkouts bench on.
            "--db-prefix" => opts.db_prefix = it.next().unwrap_or(opts.db_prefix),
            "--output" => output = it.next().unwrap_or(output),
            "--quick" => {
                opts.scales = vec![10_000];
                opts.iterations = 20;
                idle_seconds = 20;
            }
            _ => {} // cargo passes --bench; ignore what is not ours
        }
    }
    Args {
        opts,
        output,
        idle_seconds,
    }
}

/// `--only team`: the team section alone (src/bench/team.rs), spliced into
/// BENCHMARKS.md.
async fn team(quick: bool) {
    let mut opts = bench::team::TeamOptions::full();
    if quick {
        opts.viewers = vec![10, 50];
        opts.idle = Duration::from_secs(20);
        opts.replica_viewers = 5;
    }
    let report = bench::team::run(&opts).await.expect("team benchmark");
    let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let section = bench::team::markdown(&report, &date);
    println!("{section}");
    let doc = std::fs::read_to_string("BENCHMARKS.md").unwrap_or_default();
    std::fs::write("BENCHMARKS.md", bench::team::splice(&doc, &section))
        .expect("write BENCHMARKS.md");
    eprintln!("[bench] wrote the team section of BENCHMARKS.md");
}

fn url(o: &PgConnectOptions) -> String {
    let user = o.get_username();
    let db = o.get_database().unwrap_or("postgres");
    match o.get_socket() {
        Some(dir) => format!(
            "postgres://{user}@localhost:{}/{db}?host={}",
            o.get_port(),
            dir.display()
        ),
        None => format!("postgres://{user}@{}:{}/{db}", o.get_host(), o.get_port()),
    }
}

fn dashboard(o: &PgConnectOptions, envs: &[(&str, &str)]) -> pty::Screen {
    let dir = std::env::temp_dir().join(format!("ctodash-bench-{}", std::process::id()));
    let args = vec![
        "--database-url".to_string(),
        url(o),
        "--read-only".into(),
        "--data-dir".into(),
        dir.display().to_string(),
    ];
    pty::Screen::spawn(&args, envs, 200, 60)
}

fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Peak resident memory of the real dashboard after a tour of the table.
fn memory(o: &PgConnectOptions) -> Figure {
    let mut s = dashboard(o, &[]);
    s.wait_for("BUG-", 60);
    for keys in ["G", "g", "/checkout\r", "x", "a", "G", "\t", "\t", "\t"] {
        s.send(keys);
        std::thread::sleep(Duration::from_millis(700));
    }
    for _ in 0..200 {
        s.send("j");
    }
    std::thread::sleep(Duration::from_secs(2));
    let rss = s.pid().and_then(peak_rss_mb);
    s.send("q");
    let _ = s.wait_exit(10);
    Figure {
        name: "memory",
        how: "peak RSS (VmHWM) of the dashboard after G, g, search, all bugs, 200 × j".into(),
        ours: rss.map_or(Measure::Absent("no /proc"), |v| Measure::Value {
            value: v,
            unit: "MB",
        }),
        baseline: None,
        target: Target::AtMost(50.0),
    }
}

async fn transactions(admin: &sqlx::PgPool, db: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT (xact_commit + xact_rollback)::bigint FROM pg_stat_database WHERE datname = $1",
    )
    .bind(db)
    .fetch_one(admin)
    .await
    .unwrap_or(0)
}

/// Statements per minute an open, idle dashboard costs the database, from the
/// server's own transaction counters (each autocommit statement is one).
async fn idle_cost(o: &PgConnectOptions, seconds: u64) -> Figure {
    let admin = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(o.clone().database("postgres"))
        .await
        .expect("admin connection");
    let db = o.get_database().unwrap_or("postgres").to_string();
    let mut per_minute = Vec::new();
    for envs in [vec![], vec![("CTODASH_NO_PUSH", "1")]] {
        let mut s = dashboard(o, &envs);
        s.wait_for("BUG-", 60);
        // Let start-up finish and its statistics reach the server.
        tokio::time::sleep(Duration::from_secs(12)).await;
        let before = transactions(&admin, &db).await;
        let started = Instant::now();
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        // Idle backends report their counters within ~10 s.
        tokio::time::sleep(Duration::from_secs(11)).await;
        let after = transactions(&admin, &db).await;
        let minutes = (started.elapsed().as_secs_f64() - 11.0) / 60.0;
        per_minute.push((after - before) as f64 / minutes);
        s.send("q");
        let _ = s.wait_exit(10);
    }
    admin.close().await;
    Figure {
        name: "idle cost",
        how: format!("statements/min of an idle dashboard over {seconds} s (pg_stat_database)"),
        ours: Measure::Value {
            value: per_minute[0],
            unit: "/min",
        },
        baseline: Some((
            format!(
                "the same dashboard polling every 2 s without push: {:.0}/min",
                per_minute[1]
            ),
            Measure::Value {
                value: per_minute[1],
                unit: "/min",
            },
        )),
        target: Target::Report,
    }
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map_or("?".to_string(), |kb| {
            format!("{:.1} GiB", kb / 1024.0 / 1024.0)
        });
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    format!("{cores} cores ({cpu}), {mem} memory")
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "team") {
        return team(std::env::args().any(|a| a == "--quick")).await;
    }
    let args = parse_args();
    let started = Instant::now();
    let mut results: Vec<(ScaleReport, PgConnectOptions)> =
        bench::run(&args.opts).await.expect("benchmark");
    let largest = results.len().saturating_sub(1);
    for (i, (scale, options)) in results.iter_mut().enumerate() {
        if args.opts.only_import || args.opts.only_kpi {
            break;
        }
        eprintln!("[bench] dashboard process at {} bugs…", scale.bugs);
        scale.figures.push(memory(options));
        if i == largest {
            scale
                .figures
                .push(idle_cost(options, args.idle_seconds).await);
        }
    }
    let server = results.first().map(|(_, o)| o.clone());
    let version = match server {
        Some(o) => {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect_with(o)
                .await
                .expect("connect");
            sqlx::query_scalar::<_, String>("SHOW server_version")
                .fetch_one(&pool)
                .await
                .unwrap_or_default()
        }
        None => "?".into(),
    };
    let scales: Vec<ScaleReport> = results.into_iter().map(|(s, _)| s).collect();
    let table = report::markdown(&scales);
    println!("{table}");

    let mut doc = String::from("# Benchmarks\n\n");
    doc.push_str(&format!(
        "Measured by `cargo bench` ({}) on {}, PostgreSQL {version}, {} timed iterations per latency \
         figure after a warm-up (warm cache: every figure runs its query several times first). \
         p50 / p95 in milliseconds unless stated. The baseline is the simple approach a newcomer \
         would write, measured in the same run on the same database. Total run time {:.0} s.\n",
        chrono::Utc::now().format("%Y-%m-%d"),
        machine(),
        args.opts.iterations,
        started.elapsed().as_secs_f64()
    ));
    doc.push_str(&table);
    if let Some(first) = scales.first() {
        doc.push_str("\n## What each figure measures\n");
        doc.push_str(&report::legend(first));
    }
    let missed: Vec<String> = scales
        .iter()
        .flat_map(|s| {
            s.figures
                .iter()
                .filter(|f| report::verdict(f) == "**MISSED**")
                .map(move |f| format!("- {} at {} bugs", f.name, s.bugs))
        })
        .collect();
    doc.push_str("\n## Missed targets\n\n");
    doc.push_str(&if missed.is_empty() {
        "None.\n".to_string()
    } else {
        missed.join("\n") + "\n"
    });
    if let Ok(notes) = std::fs::read_to_string("benches/notes.md") {
        doc.push('\n');
        doc.push_str(&notes);
    }
    if let Some(team) = std::fs::read_to_string(&args.output)
        .ok()
        .and_then(|old| bench::team::section_of(&old).map(str::to_string))
    {
        doc = bench::team::splice(&doc, &team);
    }
    std::fs::write(&args.output, doc).expect("write the report");
    eprintln!("[bench] wrote {}", args.output);
}
