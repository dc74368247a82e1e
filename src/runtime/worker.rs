//! Carries out the commands `update` returns, on background tasks. Results come
//! back as messages; the UI loop never awaits the database.

pub use super::guard::{panic_text, spawn_guarded};
use super::writes::save_via_primary;
use crate::app::model::KpiData;
use crate::app::{Command, Loaded, Msg, Part, SaveOutcome};
use crate::backoff::Backoff;
use crate::db;
use crate::db::edit::EditContext;
use crate::db::query_pool::QueryPool;
use crate::db::timeouts::Timeouts;
use crate::query::PageAnchor;
use chrono::Utc;
use sqlx::PgPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

/// How long the client waits for any dashboard read or save before it calls
/// the connection dead: the server's statement timeout plus travel time. A
/// half-open connection (the peer vanished without closing) never answers, and
/// without this the dashboard would wait — and say "live" — forever.
pub const CLIENT_WAIT: Duration = Timeouts::DASHBOARD.client_wait();

/// How long the reconnect probe's `SELECT 1` may take.
const PROBE_WAIT: Duration = Duration::from_secs(5);

pub struct Worker {
    /// Saves (and where reads' connections come from); read-only at the
    /// database level when the session is. Replaced by a fresh pool after a
    /// connection loss (see `start_probe`).
    pub pool: PgPool,
    /// Reads: one connection attempt per borrow, so a full server is met
    /// once and then waited out on the back-off (see `db::query_pool`).
    pub reads: QueryPool,
    /// Idle read connections kept open (0; see [`QueryPool::hold`]).
    held: usize,
    /// Present only when the session may write.
    pub edit: Option<EditContext>,
    /// Where saves go when reads come from a replica (the primary); `None`:
    /// saves use `pool`.
    pub writes: Option<PgPool>,
    pub tx: UnboundedSender<Msg>,
    page: Option<JoinHandle<()>>,
    detail: Option<JoinHandle<()>>,
    probe: Option<JoinHandle<()>>,
    /// The newest page / count generation asked for, read by waiting tasks.
    latest_page: Arc<AtomicU64>,
    latest_count: Arc<AtomicU64>,
    /// The newest view-tab count round asked for.
    latest_views: Arc<AtomicU64>,
    /// How long to wait for any answer: `CLIENT_WAIT` (shorter in tests).
    pub(super) wait: Duration,
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
        .is_some_and(|c| {
            c.starts_with("08")
                || c == "57P01"
                || c == "57P02"
                || c == "57P03"
                || c == db::capacity::TOO_MANY_CONNECTIONS
        })
}

/// The message for a lost connection: a full server is told apart.
pub(super) fn down(e: &sqlx::Error) -> Msg {
    match db::capacity::full_of(e) {
        Some(full) => Msg::ServerFull {
            status: db::capacity::status(&full, None),
        },
        None => Msg::ConnectionDown {
            error: e.to_string(),
        },
    }
}

impl Worker {
    pub fn new(pool: PgPool, edit: Option<EditContext>, tx: UnboundedSender<Msg>) -> Worker {
        Worker {
            reads: reads_of(&pool),
            held: 0,
            pool,
            edit,
            writes: None,
            tx,
            page: None,
            detail: None,
            probe: None,
            latest_page: Arc::new(AtomicU64::new(0)),
            latest_count: Arc::new(AtomicU64::new(0)),
            latest_views: Arc::new(AtomicU64::new(0)),
            wait: CLIENT_WAIT,
        }
    }

    /// Keeps `n` idle read connections open (the benchmark's baseline).
    pub fn hold(&mut self, n: usize) {
        self.held = n;
        self.reads.hold(n);
    }

    pub fn run(&mut self, cmd: Command) {
        let pool = self.pool.clone();
        let reads = self.reads.clone();
        let tx = self.tx.clone();
        let wait = self.wait;
        match cmd {
            Command::LoadKpis { ticket } => {
                spawn_guarded(
                    tx.clone(),
                    "KPI",
                    report(tx, Part::Kpis, ticket, wait, async move {
                        let mut conn = reads.acquire().await?;
                        let (kpis, clock) = db::kpis::load_live(&mut conn, Utc::now()).await?;
                        let trend = db::kpis::trend(&mut conn).await?;
                        let kpis = KpiData { kpis, trend, clock };
                        Ok(Some(Loaded::Kpis { ticket, kpis }))
                    }),
                );
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
                let report = report(tx.clone(), Part::Page, generation, wait, async move {
                    if !still_wanted(&latest, generation, settle).await {
                        return Ok(None);
                    }
                    let mut conn = reads.acquire().await?;
                    let page =
                        db::bugs::page(&mut conn, &query, &anchor, limit, Utc::now()).await?;
                    Ok(Some(Loaded::Page { generation, page }))
                });
                self.page = Some(spawn_guarded(tx, "page", report));
            }
            Command::LoadCount { ticket, query } => {
                self.latest_count.store(ticket, Ordering::Relaxed);
                let latest = self.latest_count.clone();
                spawn_guarded(
                    tx.clone(),
                    "count",
                    report(tx, Part::Count, ticket, wait, async move {
                        if !still_wanted(&latest, ticket, SETTLE * 3).await {
                            return Ok(None);
                        }
                        let mut conn = reads.acquire().await?;
                        let count = db::bugs::count(&mut conn, &query, Utc::now()).await?;
                        Ok(Some(Loaded::Count { ticket, count }))
                    }),
                );
            }
            Command::LoadDetail { ticket, id } => {
                if let Some(old) = self.detail.take() {
                    old.abort();
                }
                let report = report(tx.clone(), Part::Detail, ticket, wait, async move {
                    // Holding `j` moves through many bugs: each new request
                    // aborts this one while it settles, so only the bug the
                    // selection rests on is read.
                    tokio::time::sleep(SETTLE).await;
                    let mut conn = reads.acquire().await?;
                    match db::detail::detail(&mut conn, id).await? {
                        Some(d) => Ok(Some(Loaded::Detail {
                            ticket,
                            detail: Box::new(d),
                        })),
                        None => Err(sqlx::Error::RowNotFound),
                    }
                });
                self.detail = Some(spawn_guarded(tx, "detail", report));
            }
            Command::LoadViewCounts { ticket, queries } => {
                self.latest_views.store(ticket, Ordering::Relaxed);
                let latest = self.latest_views.clone();
                // One connection, one count after the other, and a round a
                // newer one replaces stops: the tabs are a background figure
                // and must not crowd out the table's reads in a small pool.
                let report = report(tx.clone(), Part::ViewCounts, ticket, wait, async move {
                    if !still_wanted(&latest, ticket, SETTLE * 3).await {
                        return Ok(None);
                    }
                    let mut conn = reads.acquire().await?;
                    let now = Utc::now();
                    let mut counts = Vec::with_capacity(queries.len());
                    for q in &queries {
                        if latest.load(Ordering::Relaxed) != ticket {
                            return Ok(None);
                        }
                        counts.push(match q {
                            Some(q) => Some(db::bugs::count(&mut conn, q, now).await?),
                            None => None,
                        });
                    }
                    Ok(Some(Loaded::ViewCounts { ticket, counts }))
                });
                spawn_guarded(tx, "view counts", report);
            }
            Command::LoadPortfolio { ticket } => {
                let report = report(tx.clone(), Part::Portfolio, ticket, wait, async move {
                    let mut conn = reads.acquire().await?;
                    let rows = db::portfolio::projects(&mut conn, Utc::now()).await?;
                    Ok(Some(Loaded::Portfolio { ticket, rows }))
                });
                spawn_guarded(tx, "portfolio", report);
            }
            Command::LoadUsers { ticket } => {
                let report = report(tx.clone(), Part::Users, ticket, wait, async move {
                    let mut conn = reads.acquire().await?;
                    let users = db::users::choices(&mut conn).await?;
                    Ok(Some(Loaded::Users { ticket, users }))
                });
                spawn_guarded(tx, "users", report);
            }
            Command::LoadMarks {
                ticket,
                query,
                limit,
            } => {
                let report = report(tx.clone(), Part::Marks, ticket, wait, async move {
                    let mut conn = reads.acquire().await?;
                    let anchor = PageAnchor::Top;
                    let page =
                        db::bugs::page(&mut conn, &query, &anchor, limit, Utc::now()).await?;
                    Ok(Some(Loaded::Marks {
                        ticket,
                        rows: page.rows,
                    }))
                });
                spawn_guarded(tx, "marks", report);
            }
            cmd @ (Command::Apply(_) | Command::CreateBug(_) | Command::AddComment { .. }) => {
                super::writes::run(self, cmd)
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
                let writes = self.writes.clone();
                spawn_guarded(tx.clone(), "save", async move {
                    let save = async {
                        match &writes {
                            None => db::edit::change_status(&pool, &ctx, &bug, to).await,
                            Some(primary) => save_via_primary(primary, &pool, &ctx, &bug, to).await,
                        }
                    };
                    let outcome = match tokio::time::timeout(wait, save).await {
                        Ok(Ok(outcome)) => outcome,
                        Err(_) => {
                            let error = no_answer(wait);
                            let _ = tx.send(Msg::ConnectionDown {
                                error: error.clone(),
                            });
                            SaveOutcome::Failed {
                                bug: bug.number.clone(),
                                error: format!(
                                    "not confirmed: {error}; the change may or may not have \
                                     been saved — check the bug once the database answers"
                                ),
                            }
                        }
                        Ok(Err(e)) => {
                            if is_connection_error(&e) {
                                let _ = tx.send(down(&e));
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
    /// then report it up (which makes the app reload everything). The pool is
    /// replaced first: after a half-open connection its old connections may
    /// never answer again, and every new read would queue behind them.
    pub fn start_probe(&mut self) {
        if self.probe.as_ref().is_some_and(|p| !p.is_finished()) {
            return;
        }
        self.pool = fresh_pool(&self.pool);
        // Reads still running finish on the old one, which closes its
        // connections once the last of them lets go.
        self.reads = reads_of(&self.pool);
        self.reads.hold(self.held);
        let pool = self.pool.clone();
        let tx = self.tx.clone();
        self.probe = Some(spawn_guarded(tx.clone(), "reconnect", async move {
            let mut backoff = Backoff::default();
            loop {
                tokio::time::sleep(backoff.next_delay()).await;
                // One connection attempt per probe: the pool would retry a
                // full server ("too many clients") by itself, many times a
                // second, until its acquire timeout.
                let ping = async {
                    use sqlx::Connection;
                    let mut conn =
                        sqlx::PgConnection::connect_with(&pool.connect_options()).await?;
                    sqlx::query("SELECT 1").execute(&mut conn).await?;
                    conn.close().await
                };
                match tokio::time::timeout(PROBE_WAIT, ping).await {
                    Ok(Ok(())) => {
                        let _ = tx.send(Msg::ConnectionUp);
                        return;
                    }
                    Ok(Err(e)) => {
                        tracing::debug!(error = %e, "database still unreachable");
                        // Still full: said again, so the count is asked again.
                        if db::capacity::full_of(&e).is_some() && tx.send(down(&e)).is_err() {
                            return;
                        }
                    }
                    Err(_) => tracing::debug!("database still not answering"),
                }
            }
        }));
    }
}

/// The read connections for a session whose pool is `pool`: as many, to the
/// same database with the same settings, idle as long.
fn reads_of(pool: &PgPool) -> QueryPool {
    let options = pool.options();
    QueryPool::new(
        (*pool.connect_options()).clone(),
        options.get_max_connections(),
        options.get_idle_timeout().unwrap_or(db::DASHBOARD_IDLE),
    )
}

/// A new, empty pool with the same settings; connections open as needed.
pub fn fresh_pool(pool: &PgPool) -> PgPool {
    pool.options()
        .clone()
        .connect_lazy_with((*pool.connect_options()).clone())
}

pub(super) fn no_answer(wait: Duration) -> String {
    format!(
        "the database did not answer within {} s (the network or the server may be down)",
        wait.as_secs_f64()
    )
}

/// Runs a load and turns its outcome into a message. A load that gets no
/// answer within `wait` counts as a lost connection.
async fn report(
    tx: UnboundedSender<Msg>,
    part: Part,
    ticket: u64,
    wait: Duration,
    load: impl Future<Output = sqlx::Result<Option<Loaded>>>,
) {
    let msg = match tokio::time::timeout(wait, load).await {
        Err(_) => Msg::ConnectionDown {
            error: no_answer(wait),
        },
        Ok(Ok(None)) => return,
        Ok(Ok(Some(loaded))) => Msg::Loaded(loaded),
        Ok(Err(e)) if is_connection_error(&e) => down(&e),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "load failed");
            let cancelled =
                e.as_database_error().and_then(|d| d.code()).as_deref() == Some("57014");
            let error = if cancelled {
                format!(
                    "a read took longer than the {} s statement timeout and was stopped (a lock \
                     held elsewhere, or an overloaded server); the data shown is older — it \
                     is read again on the next refresh",
                    Timeouts::DASHBOARD.statement.as_secs()
                )
            } else {
                format!("loading failed: {e}")
            };
            Msg::LoadFailed {
                part,
                ticket,
                error,
            }
        }
    };
    let _ = tx.send(msg);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A read that gets no answer — here it waits on a lock held elsewhere;
    /// on a half-open connection it would wait forever — reports the
    /// connection down within the client's wait, instead of "live" forever.
    #[tokio::test]
    async fn a_read_without_an_answer_reports_the_connection_down_in_time() {
        let db = crate::db::testing::TestDb::new().await;
        let mut blocker = db.pool.begin().await.unwrap();
        sqlx::query("LOCK TABLE bugs IN ACCESS EXCLUSIVE MODE")
            .execute(&mut *blocker)
            .await
            .unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut worker = Worker::new(db.pool.clone(), None, tx);
        worker.wait = Duration::from_millis(800);
        let started = std::time::Instant::now();
        worker.run(Command::LoadKpis { ticket: 1 });
        let msg = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await;
        match msg {
            Ok(Some(Msg::ConnectionDown { error })) => {
                assert!(error.contains("did not answer within 0.8 s"), "{error}")
            }
            other => panic!("expected ConnectionDown, got {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(3));
        blocker.rollback().await.unwrap();
    }

    #[tokio::test]
    async fn a_panicking_task_is_reported_not_lost() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let handle = spawn_guarded(tx, "KPI", async {
            let v: Vec<u8> = vec![];
            let _ = v[3];
        });
        handle.await.expect("the panic is caught inside the task");
        match rx.recv().await {
            Some(Msg::WorkerFailed { task, error }) => {
                assert_eq!(task, "KPI");
                assert!(error.contains("index out of bounds"), "{error}");
            }
            other => panic!("expected WorkerFailed, got {other:?}"),
        }
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
        spawn_guarded(tx, "fine", async {}).await.unwrap();
        assert!(
            rx.recv().await.is_none(),
            "a task that ends normally says nothing"
        );
    }
}
