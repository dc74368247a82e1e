//! Push on a replica: LISTEN is refused on a standby and NOTIFY is not
//! replicated, so the dashboard reads the replicated change signal (see
//! `signal`) on a connection of its own every `every` (1 s) and reports what
//! moved, as `listen::run` does for notifications; every `lag_every` it also
//! reports the replica's lag for the header. The reading doubles as the
//! heartbeat: one that gets no answer within `answer` gives the connection
//! up for dead.

use super::{read_signal, replica_lag};
use crate::app::Msg;
use crate::app::msg::Changes;
use crate::backoff::Backoff;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::{Instant, timeout};

#[derive(Debug, Clone, Copy)]
pub struct PollConfig {
    pub every: Duration,
    pub lag_every: Duration,
    pub answer: Duration,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            every: Duration::from_secs(1),
            lag_every: Duration::from_secs(5),
            answer: Duration::from_secs(5),
        }
    }
}

/// Runs until the receiving side hangs up. `usage` rung: says how full the
/// replica is (`Msg::ServerUsage`) on this connection, which is still open
/// when the query pool was refused one (see `listen::run_answering`).
pub async fn run(pool: PgPool, tx: UnboundedSender<Msg>, cfg: PollConfig, usage: Arc<Notify>) {
    let mut backoff = Backoff::default();
    let mut first = true;
    loop {
        let own = pool
            .options()
            .clone()
            .max_connections(1)
            .min_connections(0)
            .connect_lazy_with((*pool.connect_options()).clone());
        let error = watch(&own, &tx, cfg, &mut backoff, &mut first, &usage).await;
        own.close().await;
        let Some(error) = error else { return };
        tracing::info!(%error, "replica change signal lost; reconnecting");
        if tx.send(Msg::Push { live: false }).is_err() {
            return;
        }
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

/// Reads the signal until it fails (the reason) or the app is gone (`None`).
async fn watch(
    pool: &PgPool,
    tx: &UnboundedSender<Msg>,
    cfg: PollConfig,
    backoff: &mut Backoff,
    first: &mut bool,
    usage: &Notify,
) -> Option<String> {
    let mut conn = match timeout(cfg.answer, pool.acquire()).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return Some(e.to_string()),
        Err(_) => return Some("no answer".into()),
    };
    let mut seen = match timeout(cfg.answer, read_signal(&mut conn)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Some(e.to_string()),
        Err(_) => return Some("no answer".into()),
    };
    backoff.reset();
    // Anything could have changed while we were not watching (the first
    // time, the caller loads everything anyway).
    let reload = !std::mem::take(first);
    if tx.send(Msg::Push { live: true }).is_err()
        || (reload && tx.send(Msg::DataChanged(Changes::everything())).is_err())
    {
        return None;
    }
    let mut lag_at = Instant::now();
    loop {
        tokio::select! {
            () = tokio::time::sleep(cfg.every) => {}
            () = usage.notified() => {
                if let Ok(Ok((in_use, max))) =
                    timeout(cfg.answer, crate::db::capacity::usage(&mut *conn)).await
                    && tx.send(Msg::ServerUsage { in_use, max }).is_err()
                {
                    return None;
                }
            }
        }
        if tx.is_closed() {
            return None;
        }
        let now = match timeout(cfg.answer, read_signal(&mut conn)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Some(e.to_string()),
            Err(_) => {
                let error = format!(
                    "the replica stopped answering (no reply within {} s)",
                    cfg.answer.as_secs_f64()
                );
                let _ = tx.send(Msg::ConnectionDown {
                    error: error.clone(),
                });
                return Some(error);
            }
        };
        let changes = now.changes_since(&seen);
        seen = now;
        if changes != Changes::default() && tx.send(Msg::DataChanged(changes)).is_err() {
            return None;
        }
        if lag_at.elapsed() >= cfg.lag_every {
            lag_at = Instant::now();
            if let Ok(Ok(lag)) = timeout(cfg.answer, replica_lag(&mut conn)).await
                && tx.send(Msg::ReplicaLag { lag }).is_err()
            {
                return None;
            }
        }
    }
}
