//! The benchmark's "team" section (issue 11): 10 / 50 / 100 dashboards — the
//! real startup, worker, pool and listener, headless (`runtime::spawn_headless`)
//! — on one private server, beside the behaviour before issue 11 (emulated,
//! see [`Mode::Before`]), and a replica figure: viewers reading a hot standby.
//! `cargo bench -- --only team` runs it and writes its section of
//! BENCHMARKS.md; tests/bench_team_smoke.rs runs a tiny version.

use super::stats::Samples;
use crate::config::Config;
use crate::db::listen::ListenConfig;
use crate::db::testing::replica::ReplicaPair;
use crate::db::testing::server::{DATABASE, PrivateServer};
use crate::runtime::{Headless, spawn_headless, spawn_headless_holding};
use color_eyre::eyre::{Result, eyre};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

mod report;
use report::machine_load;
pub use report::{HEADING, markdown, section_of, splice};

#[derive(Debug, Clone)]
pub struct TeamOptions {
    pub viewers: Vec<usize>,
    pub bugs: u64,
    /// How long the idle figures watch.
    pub idle: Duration,
    /// Wait after loading before the idle window: the pool lets its
    /// connections go within twice `DASHBOARD_IDLE`.
    pub settle: Duration,
    /// Commits whose arrival on every screen is timed.
    pub changes: usize,
    /// Viewers on a hot standby (0: no replica figure).
    pub replica_viewers: usize,
}

impl TeamOptions {
    pub fn full() -> TeamOptions {
        TeamOptions {
            viewers: vec![10, 50, 100],
            bugs: 10_000,
            idle: Duration::from_secs(45),
            settle: crate::db::DASHBOARD_IDLE * 2 + Duration::from_secs(2),
            changes: 10,
            replica_viewers: 20,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Ours,
    /// Before issue 11, emulated on today's code: the real headless
    /// dashboard with the old 20 s heartbeat, its read pool holding its 3
    /// connections idle (the old `min_connections = 3`: the held connections
    /// are the ones its reloads use), and the old KPI re-read every minute.
    Before,
}

#[derive(Debug, Clone)]
pub struct TeamRow {
    pub viewers: usize,
    pub mode: Mode,
    pub idle_connections: i64,
    pub peak_connections: i64,
    /// Per idle viewer: transactions (each statement is one) a minute.
    pub statements_per_minute: f64,
    /// Commit → the change on every viewer's screen, all viewers pooled.
    pub push: Samples,
    /// The whole server's CPU while the viewers sat idle.
    pub cpu_ms_per_minute: f64,
}

#[derive(Debug, Clone)]
pub struct ReplicaFigure {
    pub viewers: usize,
    pub propagation: Samples,
    pub primary_connections: i64,
}

#[derive(Debug, Clone)]
pub struct TeamReport {
    pub rows: Vec<TeamRow>,
    pub replica: Option<ReplicaFigure>,
    /// Why the replica figure is missing when it was asked for: the rows
    /// measured before it are kept.
    pub replica_failed: Option<String>,
    pub max_connections: i64,
    /// The machine's load average (1, 5, 15 min) at the end of the run, and
    /// its CPUs: the figures are only as quiet as the machine was.
    pub load: String,
}

const NAME: &str = "ctodash bench";

pub async fn run(opts: &TeamOptions) -> Result<TeamReport> {
    let most = opts.viewers.iter().copied().max().unwrap_or(1) as i64;
    // Room for the old behaviour's four connections a viewer.
    let max_connections = (most * 5 + 20).max(100);
    let server = PrivateServer::start(&format!(
        "max_connections = {max_connections}\nsuperuser_reserved_connections = 3\n"
    ))
    .await?;
    seed(server.options(), opts.bugs).await?;
    let mut rows = vec![];
    for &n in &opts.viewers {
        for mode in [Mode::Ours, Mode::Before] {
            tracing::info!(viewers = n, ?mode, "team bench");
            rows.push(measure(&server, n, mode, opts).await?);
        }
    }
    server.stop().await?;
    let (replica, replica_failed) = if opts.replica_viewers > 0 {
        match replica_figure(opts).await {
            Ok(figure) => (Some(figure), None),
            Err(e) => (None, Some(format!("{e:#}"))),
        }
    } else {
        (None, None)
    };
    Ok(TeamReport {
        rows,
        replica,
        replica_failed,
        max_connections,
        load: machine_load(),
    })
}

async fn seed(options: PgConnectOptions, bugs: u64) -> Result<()> {
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await?;
    let opts = crate::seed::SeedOptions {
        bugs,
        projects: None,
        users: None,
        seed: 1,
        reset: false,
    };
    crate::seed::run(&pool, &opts).await?;
    pool.close().await;
    Ok(())
}

fn viewer(url: String, replica: Option<String>, name: String) -> Config {
    Config {
        replica_url: replica,
        read_only: true,
        ..Config::headless(url, name)
    }
}

fn loaded(a: &crate::app::App) -> bool {
    a.push_live && a.kpis.is_some() && !a.table.rows.is_empty()
}

async fn wait_all_loaded(viewers: &mut [Headless]) -> Result<()> {
    for (i, v) in viewers.iter_mut().enumerate() {
        v.wait_for(Duration::from_secs(180), loaded)
            .await
            .map_err(|a| eyre!("viewer {i} did not load: {:?}", a.connection))?;
    }
    Ok(())
}

async fn measure(
    server: &PrivateServer,
    n: usize,
    mode: Mode,
    opts: &TeamOptions,
) -> Result<TeamRow> {
    let prefix = format!("{NAME} {mode:?} {n} ");
    let watch = Sampler::start(server.cluster.connect_options("postgres"), prefix.clone()).await?;
    let listen = match mode {
        Mode::Ours => ListenConfig::default(),
        Mode::Before => ListenConfig {
            ping_every: Duration::from_secs(20),
            ..ListenConfig::default()
        },
    };
    let held = match mode {
        Mode::Ours => 0,
        Mode::Before => OLD_POOL_HELD,
    };
    let mut viewers: Vec<Headless> = (0..n)
        .map(|i| {
            let cfg = viewer(server.url(), None, format!("{prefix}{i}"));
            spawn_headless_holding(&cfg, listen, held)
        })
        .collect();
    wait_all_loaded(&mut viewers).await?;
    // Today's pools let go of their connections; the old one keeps them.
    tokio::time::sleep(opts.settle).await;
    let old_kpi_reads: Vec<JoinHandle<()>> = match mode {
        Mode::Ours => vec![],
        Mode::Before => viewers.iter().map(old_kpi_reread).collect(),
    };

    let mut admin = PgConnection::connect_with(&server.cluster.connect_options("postgres")).await?;
    let idle_connections = count_named(&mut admin, &prefix).await?;
    let (tx0, cpu0) = (transactions(&mut admin).await?, server_cpu_ms(server));
    let started = Instant::now();
    tokio::time::sleep(opts.idle).await;
    let (tx1, cpu1) = (transactions(&mut admin).await?, server_cpu_ms(server));
    let minutes = started.elapsed().as_secs_f64() / 60.0;
    let statements_per_minute = (tx1 - tx0) as f64 / minutes / n as f64;
    let cpu_ms_per_minute = cpu1.zip(cpu0).map_or(0.0, |(b, a)| (b - a) / minutes);

    let push = push_latency(&server.options(), &mut viewers, opts.changes).await?;
    let peak_connections = watch.stop().await;
    for h in old_kpi_reads {
        h.abort();
    }
    for v in viewers {
        v.stop().await?;
    }
    admin.close().await?;
    Ok(TeamRow {
        viewers: n,
        mode,
        idle_connections,
        peak_connections,
        statements_per_minute,
        push,
        cpu_ms_per_minute,
    })
}

/// The connections the pool before issue 11 held idle (`min_connections`).
const OLD_POOL_HELD: usize = 3;

/// The old KPI re-read once a minute, asked of the viewer as its clock
/// asked (at a random phase, as dashboards open at different times); it
/// runs on the viewer's own held connections.
fn old_kpi_reread(v: &Headless) -> JoinHandle<()> {
    let tx = v.tx.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60).mul_f64(fastrand::f64())).await;
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            if tx.send(crate::app::Msg::ClockDue).is_err() {
                return;
            }
        }
    })
}

/// Commits a title change to the first row every viewer shows, `changes`
/// times, and times its arrival on each screen.
async fn push_latency(
    primary: &PgConnectOptions,
    viewers: &mut [Headless],
    changes: usize,
) -> Result<Samples> {
    let mut writer = PgConnection::connect_with(primary).await?;
    let mut samples = Samples::default();
    for k in 0..changes {
        let row = viewers
            .first()
            .and_then(|v| v.snapshot().table.rows.first().cloned())
            .ok_or_else(|| eyre!("no viewer shows a row"))?;
        let title = format!(
            "{} [team bench {k}]",
            row.title.split(" [team bench").next().unwrap_or("")
        );
        sqlx::query("UPDATE bugs SET title = $1 WHERE id = $2")
            .bind(&title)
            .bind(row.id)
            .execute(&mut writer)
            .await?;
        let committed = Instant::now();
        let seen = futures_util::future::join_all(viewers.iter_mut().map(|v| {
            let title = title.clone();
            async move {
                v.wait_for(Duration::from_secs(30), |a| {
                    a.table
                        .rows
                        .iter()
                        .any(|r| r.id == row.id && r.title == title)
                })
                .await
                .map(|_| committed.elapsed())
            }
        }))
        .await;
        for s in seen {
            let took = s.map_err(|_| eyre!("a viewer did not show change {k} within 30 s"))?;
            samples.push(took);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    writer.close().await?;
    Ok(samples)
}

async fn replica_figure(opts: &TeamOptions) -> Result<ReplicaFigure> {
    let pair = ReplicaPair::start().await?;
    seed(pair.primary_options(), opts.bugs).await?;
    if !pair.sync(Duration::from_secs(60)).await? {
        return Err(eyre!("the standby did not catch up with the seed"));
    }
    let n = opts.replica_viewers;
    let prefix = format!("{NAME} replica ");
    let mut viewers: Vec<Headless> = (0..n)
        .map(|i| {
            let cfg = viewer(
                pair.primary_url(),
                Some(pair.standby_url()),
                format!("{prefix}{i}"),
            );
            spawn_headless(&cfg, ListenConfig::default())
        })
        .collect();
    wait_all_loaded(&mut viewers).await?;
    let propagation = push_latency(&pair.primary_options(), &mut viewers, opts.changes).await?;
    let mut p = PgConnection::connect_with(&pair.primary.connect_options("postgres")).await?;
    let primary_connections = count_named(&mut p, &prefix).await?;
    p.close().await?;
    for v in viewers {
        v.stop().await?;
    }
    pair.stop().await?;
    Ok(ReplicaFigure {
        viewers: n,
        propagation,
        primary_connections,
    })
}

async fn count_named(conn: &mut PgConnection, prefix: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE $1 || '%'",
    )
    .bind(prefix)
    .fetch_one(conn)
    .await
}

/// Transactions committed or rolled back in the dashboards' database (every
/// dashboard statement is its own transaction); asked from another database
/// so that asking does not count.
async fn transactions(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query("SELECT pg_stat_clear_snapshot()")
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar(
        "SELECT (xact_commit + xact_rollback)::bigint FROM pg_stat_database WHERE datname = $1",
    )
    .bind(DATABASE)
    .fetch_one(conn)
    .await
}

/// The server's CPU time so far, in ms: the postmaster's own and its reaped
/// children's (`/proc/<pid>/stat` utime, stime, cutime, cstime), plus its
/// live children's (every backend, the checkpointer, …). `None` without /proc.
fn server_cpu_ms(server: &PrivateServer) -> Option<f64> {
    let pid_file = std::fs::read_to_string(server.cluster.pgdata().join("postmaster.pid")).ok()?;
    let postmaster: u32 = pid_file.lines().next()?.trim().parse().ok()?;
    let fields = |pid: u32| -> Option<Vec<u64>> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let rest = stat.rsplit_once(") ")?.1;
        Some(rest.split(' ').filter_map(|f| f.parse().ok()).collect())
    };
    // After "pid (comm) ": state is not a number, so index 0 here is ppid;
    // utime, stime, cutime, cstime are fields 14-17 of the whole line.
    let pm = fields(postmaster)?;
    let mut ticks: u64 = pm.get(10..14)?.iter().sum();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if let Some(f) = fields(pid)
            && f.first() == Some(&u64::from(postmaster))
        {
            ticks += f.get(10..12).map_or(0, |t| t.iter().sum());
        }
    }
    // Linux reports these in USER_HZ, 100 a second on every mainstream build.
    Some(ticks as f64 * 10.0)
}

/// The most connections named `prefix…` seen, sampled every 100 ms.
struct Sampler {
    peak: Arc<AtomicI64>,
    task: JoinHandle<()>,
}

impl Sampler {
    async fn start(options: PgConnectOptions, prefix: String) -> Result<Sampler> {
        let mut conn = PgConnection::connect_with(&options).await?;
        let peak = Arc::new(AtomicI64::new(0));
        let seen = peak.clone();
        let task = tokio::spawn(async move {
            loop {
                if let Ok(n) = count_named(&mut conn, &prefix).await {
                    seen.fetch_max(n, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        Ok(Sampler { peak, task })
    }

    async fn stop(self) -> i64 {
        self.task.abort();
        let _ = self.task.await;
        self.peak.load(Ordering::Relaxed)
    }
}
