//! Push updates: LISTEN for the schema's change notifications and turn bursts of
//! them into one `DataChanged` message. Notifications sent while the listening
//! connection was down are lost, so after any reconnect everything is reloaded.
//!
//! The listening connection is also the dashboard's heartbeat: when nothing
//! has come over it for `ping_every` it sends `SELECT 1`, and gives the
//! connection up for dead if no answer comes within `ping_timeout`. That is
//! how a half-open connection (the server or the network vanished without
//! closing the socket, which TCP alone would notice only after many minutes)
//! is noticed within `ping_every + ping_timeout` (35 s): the app is told the
//! connection is down, and the header stops saying "live". A notification
//! proves the connection as well as a ping does, so a busy connection is not
//! pinged at all; an idle one costs two statements a minute. (sqlx offers no
//! TCP keepalive setting, and a server-side keepalive would only tell the
//! server about us.)

use crate::app::Msg;
use crate::app::msg::Changes;
use crate::backoff::Backoff;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::{Instant, timeout};

pub const CHANNEL: &str = "ctodash_changes";

#[derive(Debug, Clone, Copy)]
pub struct ListenConfig {
    /// Send once no notification has arrived for this long...
    pub quiet: Duration,
    /// ...or this long after the first one of a burst, whichever comes first.
    pub max_delay: Duration,
    /// A cheap `SELECT 1` on the listening connection once nothing has come
    /// over it for this long, to notice a half-open connection that would
    /// otherwise wait forever…
    pub ping_every: Duration,
    /// …which is given up for dead when the answer takes longer than this.
    pub ping_timeout: Duration,
}

impl ListenConfig {
    /// The longest a dead connection can go unnoticed while idle.
    pub fn detection_bound(&self) -> Duration {
        self.ping_every + self.ping_timeout
    }
}

impl Default for ListenConfig {
    fn default() -> Self {
        ListenConfig {
            quiet: Duration::from_millis(60),
            max_delay: Duration::from_millis(250),
            ping_every: Duration::from_secs(30),
            ping_timeout: Duration::from_secs(5),
        }
    }
}

/// Which tables a notification payload names (`{"table":"bugs","op":"update"}`).
pub fn parse_payload(payload: &str) -> Changes {
    let table = serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v.get("table").and_then(|t| t.as_str()).map(str::to_string))
        .unwrap_or_default();
    match table.as_str() {
        // A comment changes what its bug's detail shows.
        "bugs" | "bug_comments" => Changes {
            bugs: true,
            ..Changes::default()
        },
        "projects" | "project_metrics" => Changes {
            projects: true,
            ..Changes::default()
        },
        "users" => Changes {
            users: true,
            ..Changes::default()
        },
        _ => Changes::everything(),
    }
}

/// Runs until the receiving side hangs up. Listens on a connection of its own
/// (a one-connection pool with `pool`'s settings), so that a connection it
/// gives up for dead never blocks the dashboard's reads.
pub async fn run(pool: PgPool, tx: UnboundedSender<Msg>, cfg: ListenConfig) {
    let mut backoff = Backoff::default();
    let mut own = own_pool(&pool);
    let mut first = true;
    loop {
        let mut listener = match connect(&own).await {
            Ok(l) => l,
            Err(e) => {
                tracing::debug!(error = %e, "listener cannot connect");
                first = false;
                if tx.send(Msg::Push { live: false }).is_err() {
                    return;
                }
                tokio::time::sleep(backoff.next_delay()).await;
                continue;
            }
        };
        // Anything could have changed while we were not listening (the caller
        // loads everything once at start, so the first connect needs no reload).
        let reload = !std::mem::take(&mut first);
        if tx.send(Msg::Push { live: true }).is_err()
            || (reload && tx.send(Msg::DataChanged(Changes::everything())).is_err())
        {
            return;
        }
        let stop = listen(&mut listener, &tx, cfg, &mut backoff).await;
        drop(listener);
        match stop {
            Stop::HungUp => return,
            Stop::Lost(e) => {
                tracing::info!(error = %e, "listener lost its connection; reconnecting");
                if tx.send(Msg::Push { live: false }).is_err() {
                    return;
                }
            }
            Stop::NoAnswer => {
                let error = format!(
                    "the database stopped answering (no reply within {} s)",
                    cfg.ping_timeout.as_secs_f64()
                );
                tracing::warn!("{error}; reconnecting");
                // The socket may never report anything: leave it, and its pool,
                // behind rather than wait on them.
                own = own_pool(&pool);
                if tx.send(Msg::Push { live: false }).is_err()
                    || tx.send(Msg::ConnectionDown { error }).is_err()
                {
                    return;
                }
            }
        }
        // Never straight back: a server that accepts and at once drops us
        // must not be hammered in a tight loop.
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

fn own_pool(pool: &PgPool) -> PgPool {
    pool.options()
        .clone()
        .max_connections(1)
        .min_connections(0)
        .connect_lazy_with((*pool.connect_options()).clone())
}

async fn connect(pool: &PgPool) -> sqlx::Result<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.ignore_pool_close_event(true);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

enum Stop {
    HungUp,
    Lost(String),
    /// The heartbeat got no answer in time: a half-open connection.
    NoAnswer,
}

async fn listen(
    listener: &mut PgListener,
    tx: &UnboundedSender<Msg>,
    cfg: ListenConfig,
    backoff: &mut Backoff,
) -> Stop {
    let mut pending: Option<(Changes, Instant)> = None;
    // When the connection last proved itself (a notification or a ping's answer).
    let mut proven = Instant::now();
    loop {
        let wait = match &pending {
            Some((_, first)) => cfg.quiet.min(cfg.max_delay.saturating_sub(first.elapsed())),
            None => cfg.ping_every.saturating_sub(proven.elapsed()),
        };
        match timeout(wait, listener.try_recv()).await {
            Ok(Ok(Some(n))) => {
                backoff.reset();
                proven = Instant::now();
                let changes = parse_payload(n.payload());
                match &mut pending {
                    Some((acc, _)) => acc.merge(changes),
                    None => pending = Some((changes, Instant::now())),
                }
            }
            Ok(Ok(None)) => return Stop::Lost("connection closed".into()),
            Ok(Err(e)) => return Stop::Lost(e.to_string()),
            Err(_) => match pending.take() {
                Some((changes, _)) => {
                    if tx.send(Msg::DataChanged(changes)).is_err() {
                        return Stop::HungUp;
                    }
                }
                None => {
                    if tx.is_closed() {
                        return Stop::HungUp;
                    }
                    let ping = sqlx::query("SELECT 1").execute(&mut *listener);
                    match timeout(cfg.ping_timeout, ping).await {
                        // A round trip proves the connection: later losses
                        // start the back-off afresh.
                        Ok(Ok(_)) => {
                            backoff.reset();
                            proven = Instant::now();
                        }
                        Ok(Err(e)) => return Stop::Lost(e.to_string()),
                        Err(_) => return Stop::NoAnswer,
                    }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_connection_is_noticed_within_thirty_five_seconds() {
        assert!(ListenConfig::default().detection_bound() <= Duration::from_secs(35));
    }

    /// Issue 11: an idle dashboard runs at most two statements a minute,
    /// keepalives included.
    #[test]
    fn an_idle_listener_pings_at_most_twice_a_minute() {
        assert!(ListenConfig::default().ping_every >= Duration::from_secs(30));
    }

    #[test]
    fn payloads_name_what_changed() {
        assert_eq!(
            parse_payload(r#"{"table":"bugs","op":"update"}"#),
            Changes {
                bugs: true,
                ..Default::default()
            }
        );
        assert!(parse_payload(r#"{"table":"project_metrics","op":"insert"}"#).projects);
        assert_eq!(parse_payload("garbage"), Changes::everything());
        assert_eq!(
            parse_payload(r#"{"table":"*","op":"reload"}"#),
            Changes::everything()
        );
    }
}
