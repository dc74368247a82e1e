//! Deterministic demo data. For a given `--seed` the rows are identical (ids,
//! names, numbers); timestamps are placed relative to the moment of seeding so the
//! demo always looks current.

mod bugs;
mod people;
pub mod rng;
mod words;

pub use people::DEMO_CTO_EMAIL;

use crate::db::{bulk, rollups};
use crate::domain::portfolio_totals;
use chrono::{DateTime, Utc};
use rng::Rng;
use sqlx::{PgConnection, PgPool};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub bugs: u64,
    pub projects: Option<u32>,
    pub users: Option<u32>,
    pub seed: u64,
    pub reset: bool,
}

impl SeedOptions {
    pub fn demo() -> Self {
        Self {
            bugs: 20_000,
            projects: None,
            users: None,
            seed: 1,
            reset: false,
        }
    }

    /// Defaults scale with the bug count: 1,000 projects at a million bugs.
    pub fn project_count(&self) -> u32 {
        self.projects
            .unwrap_or_else(|| (self.bugs / 1000).clamp(12, 1000) as u32)
    }

    pub fn user_count(&self) -> u32 {
        self.users
            .unwrap_or_else(|| (self.bugs / 2000).clamp(12, 400) as u32)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(
        "the database already holds data ({users} users, {projects} projects, {bugs} bugs), \
         and seeding would replace it. Run `ctodash seed --reset ...` to wipe it and load \
         demo data, or point ctodash at an empty database with --database-url."
    )]
    NotEmpty {
        users: i64,
        projects: i64,
        bugs: i64,
    },
    #[error(
        "seeding needs at least one user and one project (got --users {users} --projects \
         {projects}); pass values of 1 or more."
    )]
    TooSmall { users: u32, projects: u32 },
    #[error("the database rejected the demo data: {0}. Nothing was written.")]
    Database(#[from] sqlx::Error),
}

#[derive(Debug, Clone)]
pub struct SeedReport {
    pub users: u32,
    pub projects: u32,
    pub bugs: u64,
    pub history_rows: u64,
    pub elapsed: std::time::Duration,
    /// Wall time of each phase, in order, for tuning the load.
    pub phases: Vec<(&'static str, std::time::Duration)>,
}

/// Records how long each phase of the load took.
struct Phases(Vec<(&'static str, std::time::Duration)>, Instant);

impl Phases {
    fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        tracing::info!(
            phase = name,
            ms = (now - self.1).as_millis() as u64,
            "seed phase"
        );
        self.0.push((name, now - self.1));
        self.1 = now;
    }
}

/// Loads demo data in one transaction: either everything is there or nothing is.
/// The connections [`run`] uses at once: its indexes are built on two.
pub const CONNECTIONS: u32 = 2;

pub async fn run(pool: &PgPool, opts: &SeedOptions) -> Result<SeedReport, SeedError> {
    let started = Instant::now();
    let now = Utc::now();
    let (n_users, n_projects) = (opts.user_count(), opts.project_count());
    if n_users == 0 || n_projects == 0 {
        return Err(SeedError::TooSmall {
            users: n_users,
            projects: n_projects,
        });
    }
    let mut conn = pool.acquire().await?;
    let (users, projects, bugs) = bulk::existing_rows(&mut conn).await?;
    if !opts.reset && (users > 0 || projects > 0 || bugs > 0) {
        return Err(SeedError::NotEmpty {
            users,
            projects,
            bugs,
        });
    }

    let mut phases = Phases(Vec::new(), Instant::now());
    let mut tx = sqlx::Acquire::begin(&mut *conn).await?;
    if opts.reset {
        bulk::truncate_all(&mut tx).await?;
    }
    let foreign_keys = bulk::suspend_checks(&mut tx).await?;
    let index_defs = bulk::drop_secondary_indexes(&mut tx).await?;
    phases.mark("prepare");

    let mut rng = Rng::new(opts.seed);
    let demo_users = people::users(&mut rng, n_users);
    copy(
        &mut tx,
        bulk::USERS_COPY,
        people::users_copy(&demo_users, now),
    )
    .await?;
    let (demo_projects, projects_text) = people::projects(&mut rng, n_projects, now);
    copy(&mut tx, bulk::PROJECTS_COPY, projects_text).await?;
    let metrics = people::project_metrics_copy(&mut rng, &demo_projects, now);
    copy(&mut tx, bulk::PROJECT_METRICS_COPY, metrics).await?;
    phases.mark("users and projects");

    let ctx = Arc::new(bugs::Context {
        seed: opts.seed,
        now,
        users: demo_users.iter().map(|u| u.id).collect(),
        projects: demo_projects.iter().map(|p| p.id).collect(),
    });
    stream_bugs(&mut tx, &ctx, opts.bugs, Part::Bugs).await?;
    phases.mark("bugs");
    let history_rows = stream_bugs(&mut tx, &ctx, opts.bugs, Part::History).await?;
    phases.mark("history");

    bulk::restore_checks(&mut tx, &foreign_keys).await?;
    bulk::rebuild_bug_stats(&mut tx).await?;
    write_rollups(&mut tx, now).await?;
    phases.mark("rollups");
    tx.commit().await?;
    phases.mark("commit");

    // The rows are committed; the indexes are derived from them, so they are
    // built now on two connections at once (one core each), which halves the
    // longest phase. Should this fail, the data stands and `ctodash doctor`
    // names the missing index.
    let mut second = pool.acquire().await?;
    bulk::create_indexes_in_parallel(&mut conn, &mut second, &index_defs).await?;
    drop(second);
    phases.mark("indexes");
    bulk::vacuum_analyze(&mut conn).await?;
    bulk::announce_reload(&mut conn).await?;
    phases.mark("vacuum");
    Ok(SeedReport {
        users: n_users,
        projects: n_projects,
        bugs: opts.bugs,
        history_rows,
        elapsed: started.elapsed(),
        phases: phases.0,
    })
}

async fn copy(conn: &mut PgConnection, statement: &str, text: String) -> sqlx::Result<u64> {
    let mut copy = conn.copy_in_raw(statement).await?;
    copy.send(text.into_bytes()).await?;
    copy.finish().await
}

#[derive(Clone, Copy)]
enum Part {
    Bugs,
    History,
}

/// Generates chunks on worker threads (one per core) and streams them into one
/// COPY in chunk order. History is a second pass that regenerates the same bugs,
/// which costs a little CPU and saves holding millions of rows in memory.
async fn stream_bugs(
    conn: &mut PgConnection,
    ctx: &Arc<bugs::Context>,
    total: u64,
    part: Part,
) -> sqlx::Result<u64> {
    let chunks = total.div_ceil(bugs::CHUNK);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4) as u64;
    let statement = match part {
        Part::Bugs => bulk::BUGS_COPY,
        Part::History => bulk::HISTORY_COPY,
    };
    let mut receivers = Vec::new();
    for w in 0..workers {
        let (tx, rx) = mpsc::channel::<String>(2);
        receivers.push(rx);
        let ctx = Arc::clone(ctx);
        std::thread::spawn(move || {
            let mut index = w;
            while index < chunks {
                let (bug_text, history_text) = bugs::chunk(&ctx, index, total);
                let text = match part {
                    Part::Bugs => bug_text,
                    Part::History => history_text,
                };
                if tx.blocking_send(text).is_err() {
                    return; // the loader failed and hung up
                }
                index += workers;
            }
        });
    }
    let mut copy = conn.copy_in_raw(statement).await?;
    let mut rows = 0u64;
    for index in 0..chunks {
        let rx = &mut receivers[(index % workers) as usize];
        let Some(text) = rx.recv().await else { break };
        rows += text.bytes().filter(|b| *b == b'\n').count() as u64;
        copy.send(text.into_bytes()).await?;
    }
    copy.finish().await?;
    Ok(rows)
}

/// Twelve months of `monthly_metrics` from the generated bugs, and monthly
/// portfolio snapshots: today's is exact, earlier ones trace a plausible growth
/// curve back from it (the demo has no real history of project finances).
async fn write_rollups(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<()> {
    let months = rollups::recent_months(now, 12);
    rollups::upsert_months(conn, &months, now).await?;
    let totals = portfolio_totals(&rollups::project_financials(conn).await?);
    for (i, month) in months.iter().enumerate() {
        let factor = rust_decimal::Decimal::new(60 + (40 * i as i64) / 11, 2);
        let mut past = totals;
        past.valuation = (totals.valuation * factor).round_dp(2);
        past.year3_revenue_total = (totals.year3_revenue_total * factor).round_dp(2);
        past.monthly_infra_cost = (totals.monthly_infra_cost * factor).round_dp(2);
        rollups::upsert_portfolio(conn, *month, &past).await?;
    }
    rollups::upsert_portfolio(conn, now.date_naive(), &totals).await?;
    Ok(())
}
