//! Carries out the commands `update` returns, on background tasks. Results come
//! back as messages; the UI loop never awaits the database.

use crate::app::model::KpiData;
use crate::app::{Command, Loaded, Msg, Part, SaveOutcome};
use crate::db;
use crate::db::edit::EditContext;
use crate::query::PageAnchor;
use chrono::Utc;
use sqlx::PgPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

pub struct Worker {
    /// Reads; read-only at the database level when the session is.
    pub pool: PgPool,
    /// Present only when the session may write.
    pub edit: Option<EditContext>,
    pub tx: UnboundedSender<Msg>,
    page: Option<JoinHandle<()>>,
    detail: Option<JoinHandle<()>>,
    probe: Option<JoinHandle<()>>,
    /// The newest page / count generation asked for, read by waiting tasks.
    latest_page: Arc<AtomicU64>,
    latest_count: Arc<AtomicU64>,
}

/// Queries that replace the table wait this long first and give up if a newer
/// one was asked for meanwhile: typing "checkout" or pressing `o` five times
/// runs one query, not a pile of them that the server would finish regardless.
const SETTLE: Duration = Duration::from_millis(60);

/// Whether generation `mine` is still the newest after the settle delay.
async fn still_wanted(latest: &AtomicU64, mine: u64, wait: Duration) -> bool {
    tokio::time::sleep(wait).await;
    latest.load(Ordering::Relaxed) == mine
}

/// Whether an error means "the database is not there" rather than "this query
/// failed": the former switches the header to reconnecting.
pub fn is_connection_error(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Protocol(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed
    ) || e
        .as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| c.starts_with("08") || c == "57P01" || c == "57P02" || c == "57P03")
}

impl Worker {
    pub fn new(pool: PgPool, edit: Option<EditContext>, tx: UnboundedSender<Msg>) -> Worker {
        Worker {
            pool,
            edit,
            tx,
            page: None,
            detail: None,
            probe: None,
            latest_page: Arc::new(AtomicU64::new(0)),
            latest_count: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn run(&mut self, cmd: Command) {
        let pool = self.pool.clone();
        let tx = self.tx.clone();
        match cmd {
            Command::LoadKpis => {
                tokio::spawn(report(tx, Part::Kpis, async move {
                    let mut conn = pool.acquire().await?;
                    let kpis = db::kpis::load(&mut conn, Utc::now()).await?;
                    let trend = db::kpis::trend(&mut conn).await?;
                    Ok(Some(Loaded::Kpis(KpiData { kpis, trend })))
                }));
            }
            Command::LoadPage {
                generation,
                query,
                anchor,
                limit,
            } => {
                // A newer page request supersedes the one in flight.
                if let Some(old) = self.page.take() {
                    old.abort();
                }
                self.latest_page.store(generation, Ordering::Relaxed);
                let latest = self.latest_page.clone();
                // Scrolling extends the window at once; jumps and new queries settle.
                let settle = match anchor {
                    PageAnchor::After(_) | PageAnchor::Before(_) => Duration::ZERO,
                    _ => SETTLE,
                };
                self.page = Some(tokio::spawn(report(tx, Part::Page, async move {
                    if !still_wanted(&latest, generation, settle).await {
                        return Ok(None);
                    }
                    let mut conn = pool.acquire().await?;
                    let page =
                        db::bugs::page(&mut conn, &query, &anchor, limit, Utc::now()).await?;
                    Ok(Some(Loaded::Page { generation, page }))
                })));
            }
            Command::LoadCount { generation, query } => {
                self.latest_count.store(generation, Ordering::Relaxed);
                let latest = self.latest_count.clone();
                tokio::spawn(report(tx, Part::Count, async move {
                    if !still_wanted(&latest, generation, SETTLE * 3).await {
                        return Ok(None);
                    }
                    let mut conn = pool.acquire().await?;
                    let count = db::bugs::count(&mut conn, &query, Utc::now()).await?;
                    Ok(Some(Loaded::Count { generation, count }))
                }));
            }
            Command::LoadDetail { id } => {
                if let Some(old) = self.detail.take() {
                    old.abort();
                }
                self.detail = Some(tokio::spawn(report(tx, Part::Detail, async move {
                    // Holding `j` moves through many bugs: each new request
                    // aborts this one while it settles, so only the bug the
                    // selection rests on is read.
                    tokio::time::sleep(SETTLE).await;
                    let mut conn = pool.acquire().await?;
                    match db::detail::detail(&mut conn, id).await? {
                        Some(d) => Ok(Some(Loaded::Detail(Box::new(d)))),
                        None => Err(sqlx::Error::RowNotFound),
                    }
                })));
            }
            Command::LoadPortfolio => {
                tokio::spawn(report(tx, Part::Portfolio, async move {
                    let mut conn = pool.acquire().await?;
                    let projects = db::portfolio::projects(&mut conn, Utc::now()).await?;
                    Ok(Some(Loaded::Portfolio(projects)))
                }));
            }
            Command::SaveStatus { bug, to } => {
                let Some(ctx) = self.edit.clone() else {
                    let error = "this session is read-only: nothing was written".to_string();
                    let _ = tx.send(Msg::Saved(SaveOutcome::Failed {
                        bug: bug.number,
                        error,
                    }));
                    return;
                };
                tokio::spawn(async move {
                    let outcome = match db::edit::change_status(&pool, &ctx, &bug, to).await {
                        Ok(outcome) => outcome,
                        Err(e) => {
                            if is_connection_error(&e) {
                                let _ = tx.send(Msg::ConnectionDown {
                                    error: e.to_string(),
                                });
                            }
                            SaveOutcome::Failed {
                                bug: bug.number.clone(),
                                error: format!("not saved: {e}"),
                            }
                        }
                    };
                    let _ = tx.send(Msg::Saved(outcome));
                });
            }
        }
    }

    /// After a connection error: probe with back-off until the database answers,
    /// then report it up (which makes the app reload everything).
    pub fn start_probe(&mut self) {
        if self.probe.as_ref().is_some_and(|p| !p.is_finished()) {
            return;
        }
        let pool = self.pool.clone();
        let tx = self.tx.clone();
        self.probe = Some(tokio::spawn(async move {
            let mut wait = Duration::from_millis(500);
            loop {
                tokio::time::sleep(wait).await;
                match sqlx::query("SELECT 1").execute(&pool).await {
                    Ok(_) => {
                        let _ = tx.send(Msg::ConnectionUp);
                        return;
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "database still unreachable");
                        wait = (wait * 2).min(Duration::from_secs(10));
                    }
                }
            }
        }));
    }
}

/// Runs a load and turns its outcome into a message.
async fn report(
    tx: UnboundedSender<Msg>,
    part: Part,
    load: impl Future<Output = sqlx::Result<Option<Loaded>>>,
) {
    let msg = match load.await {
        Ok(None) => return,
        Ok(Some(loaded)) => Msg::Loaded(loaded),
        Err(e) if is_connection_error(&e) => Msg::ConnectionDown {
            error: e.to_string(),
        },
        Err(e) => {
            tracing::warn!(error = %e, "load failed");
            Msg::LoadFailed {
                part,
                error: format!("loading failed: {e}"),
            }
        }
    };
    let _ = tx.send(msg);
}
