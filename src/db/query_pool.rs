//! The dashboard's read connections, opened one attempt at a time.
//!
//! sqlx 0.9's pool treats a full server (SQLSTATE 53300) as a passing state
//! and retries inside `acquire` every 10 ms, doubling to a fifth of its
//! acquire timeout, until that timeout: the first load to meet a full server
//! knocked about fifty times, and each refused attempt briefly holds a slot
//! (the superusers' reserved ones included). sqlx 0.9 has no hook to change
//! that (no custom connector; `after_connect` and `before_acquire` run only on
//! connections that exist), so the dashboard's reads borrow from this small
//! pool instead: at most `size` connections, each opened with a single
//! attempt whose refusal goes straight back to the caller — and so to the
//! app's own jittered back-off (`crate::backoff`) — and each closed after
//! [`crate::db::DASHBOARD_IDLE`] unused.

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// A handle to the pool; clones share it.
#[derive(Clone)]
pub struct QueryPool {
    inner: Arc<Inner>,
}

struct Inner {
    options: PgConnectOptions,
    permits: Arc<Semaphore>,
    size: usize,
    /// Connections given back, newest last, with when they were.
    idle: Mutex<Vec<(PgConnection, Instant)>>,
    idle_timeout: Duration,
    /// Idle connections kept open however long unused: 0 in the product;
    /// the benchmark's emulation of the old always-held pool sets it.
    held: AtomicUsize,
}

/// A borrowed connection, given back to the pool when dropped.
pub struct Lease {
    conn: Option<PgConnection>,
    home: Arc<Inner>,
    _permit: OwnedSemaphorePermit,
}

impl QueryPool {
    /// Nothing is connected until the first [`QueryPool::acquire`]; idle
    /// connections are closed by a task that lives as long as the pool.
    pub fn new(options: PgConnectOptions, size: u32, idle_timeout: Duration) -> QueryPool {
        let inner = Arc::new(Inner {
            options,
            permits: Arc::new(Semaphore::new(size.max(1) as usize)),
            size: size.max(1) as usize,
            idle: Mutex::new(Vec::new()),
            idle_timeout,
            held: AtomicUsize::new(0),
        });
        tokio::spawn(reap(Arc::downgrade(&inner)));
        QueryPool { inner }
    }

    /// A connection: an idle one, else one new connection attempt (waiting
    /// first, without knocking, while `size` are borrowed).
    pub async fn acquire(&self) -> sqlx::Result<Lease> {
        let permit = self
            .inner
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let conn = match self.inner.pop() {
            Some(conn) => conn,
            None => PgConnection::connect_with(&self.inner.options).await?,
        };
        Ok(Lease {
            conn: Some(conn),
            home: self.inner.clone(),
            _permit: permit,
        })
    }

    /// Keeps up to `n` idle connections open past the idle timeout (what
    /// `min_connections` did in the pool before issue 11; for the benchmark's
    /// baseline only).
    pub fn hold(&self, n: usize) {
        self.inner.held.store(n, Ordering::Relaxed);
    }

    /// Connections open now, borrowed or idle.
    pub fn size(&self) -> usize {
        let borrowed = self.inner.size - self.inner.permits.available_permits();
        borrowed + self.inner.idle.lock().map(|i| i.len()).unwrap_or(0)
    }

    /// Closes the idle connections and refuses new borrowers.
    pub async fn close(&self) {
        self.inner.permits.close();
        for conn in self.inner.take_idle(0, |_| true) {
            let _ = conn.close().await;
        }
    }
}

impl Inner {
    /// The most recently used idle connection (the reaper closes stale ones).
    fn pop(&self) -> Option<PgConnection> {
        self.idle.lock().ok()?.pop().map(|(conn, _)| conn)
    }

    /// Takes out the idle connections `stale` picks, but for the `keep`
    /// most recently used.
    fn take_idle(&self, keep: usize, stale: impl Fn(Instant) -> bool) -> Vec<PgConnection> {
        let Ok(mut idle) = self.idle.lock() else {
            return Vec::new();
        };
        let candidates = idle.len().saturating_sub(keep);
        let mut gone = vec![];
        let mut kept = vec![];
        for (i, (conn, since)) in idle.drain(..).enumerate() {
            if i < candidates && stale(since) {
                gone.push(conn);
            } else {
                kept.push((conn, since));
            }
        }
        *idle = kept;
        gone
    }
}

/// Closes connections idle longer than the timeout, checking twice per
/// timeout, until the pool is dropped.
async fn reap(pool: Weak<Inner>) {
    let every = match pool.upgrade() {
        Some(p) => p.idle_timeout / 2,
        None => return,
    };
    loop {
        tokio::time::sleep(every).await;
        let Some(inner) = pool.upgrade() else { return };
        let (timeout, keep) = (inner.idle_timeout, inner.held.load(Ordering::Relaxed));
        for conn in inner.take_idle(keep, |since| since.elapsed() >= timeout) {
            let _ = conn.close().await;
        }
    }
}

impl Deref for Lease {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        self.conn
            .as_ref()
            .expect("a lease holds its connection until dropped")
    }
}

impl DerefMut for Lease {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.conn
            .as_mut()
            .expect("a lease holds its connection until dropped")
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if self.home.permits.is_closed() {
            // Said goodbye properly where a runtime is at hand; else dropped.
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(conn.close());
            }
            return;
        }
        // A read cut off mid-way leaves its answer pending; sqlx reads it
        // away before the connection's next statement.
        if let Ok(mut idle) = self.home.idle.lock() {
            idle.push((conn, Instant::now()));
        }
    }
}
