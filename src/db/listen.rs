//! Push updates: LISTEN for the schema's change notifications and turn bursts of
//! them into one `DataChanged` message. Notifications sent while the listening
//! connection was down are lost, so after any reconnect everything is reloaded.

use crate::app::Msg;
use crate::app::msg::Changes;
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
    /// A cheap `SELECT 1` on the listening connection this often when idle, to
    /// notice a half-open connection that would otherwise wait forever.
    pub ping_every: Duration,
}

impl Default for ListenConfig {
    fn default() -> Self {
        ListenConfig {
            quiet: Duration::from_millis(60),
            max_delay: Duration::from_millis(250),
            ping_every: Duration::from_secs(20),
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
        "bugs" => Changes {
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

/// Runs until the receiving side hangs up.
pub async fn run(pool: PgPool, tx: UnboundedSender<Msg>, cfg: ListenConfig) {
    let mut backoff = Duration::from_millis(250);
    let mut first = true;
    loop {
        let mut listener = match connect(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::debug!(error = %e, "listener cannot connect");
                first = false;
                if tx.send(Msg::Push { live: false }).is_err() {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        backoff = Duration::from_millis(250);
        // Anything could have changed while we were not listening (the caller
        // loads everything once at start, so the first connect needs no reload).
        let reload = !std::mem::take(&mut first);
        if tx.send(Msg::Push { live: true }).is_err()
            || (reload && tx.send(Msg::DataChanged(Changes::everything())).is_err())
        {
            return;
        }
        match listen(&mut listener, &tx, cfg).await {
            Stop::HungUp => return,
            Stop::Lost(e) => {
                tracing::info!(error = %e, "listener lost its connection; reconnecting");
                if tx.send(Msg::Push { live: false }).is_err() {
                    return;
                }
            }
        }
    }
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
}

async fn listen(listener: &mut PgListener, tx: &UnboundedSender<Msg>, cfg: ListenConfig) -> Stop {
    let mut pending: Option<(Changes, Instant)> = None;
    loop {
        let wait = match &pending {
            Some((_, first)) => cfg.quiet.min(cfg.max_delay.saturating_sub(first.elapsed())),
            None => cfg.ping_every,
        };
        match timeout(wait, listener.try_recv()).await {
            Ok(Ok(Some(n))) => {
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
                    if let Err(e) = sqlx::query("SELECT 1").execute(&mut *listener).await {
                        return Stop::Lost(e.to_string());
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
