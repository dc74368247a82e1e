//! Read-your-writes by WAL position: after a write commits on the primary, its
//! position (`pg_current_wal_lsn()`) is read there, and the replica is waited
//! for until it has replayed that far (`pg_last_wal_replay_lsn()`).

use sqlx::PgConnection;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;
use tokio::time::{Instant, sleep, timeout};

/// How often `wait_for_replay` asks the replica.
const POLL_EVERY: Duration = Duration::from_millis(20);

/// A WAL position (`pg_lsn`), written `16/B374D848` like PostgreSQL does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lsn(pub u64);

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

impl FromStr for Lsn {
    type Err = String;

    fn from_str(s: &str) -> Result<Lsn, String> {
        let bad = || format!("`{s}` is not a WAL position (expected e.g. 16/B374D848)");
        let (hi, lo) = s.trim().split_once('/').ok_or_else(bad)?;
        let hi = u32::from_str_radix(hi, 16).map_err(|_| bad())?;
        let lo = u32::from_str_radix(lo, 16).map_err(|_| bad())?;
        Ok(Lsn((u64::from(hi) << 32) | u64::from(lo)))
    }
}

fn parse(text: Option<String>) -> sqlx::Result<Option<Lsn>> {
    text.map(|t| t.parse().map_err(|e: String| sqlx::Error::Decode(e.into())))
        .transpose()
}

/// The primary's WAL write position; read it after a write's COMMIT returned
/// (on any connection to the primary) and every replica that has replayed this
/// far shows the write. With `synchronous_commit = off` on the writing session
/// the commit may not be written yet, so ctodash's writes keep the default (on).
pub async fn primary_lsn_after_commit(conn: &mut PgConnection) -> sqlx::Result<Lsn> {
    let text: Option<String> = sqlx::query_scalar("SELECT pg_current_wal_lsn()::text")
        .fetch_one(conn)
        .await?;
    parse(text)?.ok_or_else(|| sqlx::Error::Decode("pg_current_wal_lsn() returned NULL".into()))
}

/// How far a standby has replayed; `None` on a server not in recovery.
pub async fn replay_lsn(conn: &mut PgConnection) -> sqlx::Result<Option<Lsn>> {
    let text: Option<String> = sqlx::query_scalar("SELECT pg_last_wal_replay_lsn()::text")
        .fetch_one(conn)
        .await?;
    parse(text)
}

/// Waits until the replica has replayed up to `lsn`, asking every 20 ms for at
/// most `limit`. True when it got there (at once on a server that is not in
/// recovery: it is the primary); false when the time ran out, in which case the
/// caller should read the primary instead (or show that the write is on its way).
pub async fn wait_for_replay(
    replica: &mut PgConnection,
    lsn: Lsn,
    limit: Duration,
) -> sqlx::Result<bool> {
    let deadline = Instant::now() + limit;
    let target = lsn.to_string();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ask = sqlx::query_scalar::<_, Option<bool>>(
            "SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= $1::pg_lsn",
        )
        .bind(&target)
        .fetch_one(&mut *replica);
        match timeout(left, ask).await {
            Err(_) => return Ok(false),
            Ok(answer) => {
                if answer? == Some(true) {
                    return Ok(true);
                }
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        sleep(POLL_EVERY.min(left)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsn_text_round_trips_and_orders() {
        let a: Lsn = "16/B374D848".parse().unwrap();
        assert_eq!(a, Lsn(0x16_B374_D848));
        assert_eq!(a.to_string(), "16/B374D848");
        assert_eq!("0/0".parse::<Lsn>().unwrap(), Lsn(0));
        assert!("0/3000060".parse::<Lsn>().unwrap() < "1/0".parse::<Lsn>().unwrap());
        assert!("16B374D848".parse::<Lsn>().is_err());
        assert!("x/1".parse::<Lsn>().is_err());
    }
}
