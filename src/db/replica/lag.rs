//! How far behind its primary a standby is, the usual way: nothing when it has
//! replayed all it received while streaming, else the age of the last
//! transaction it replayed.

use super::lsn::Lsn;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use std::time::Duration;

/// What a server says about its replication, in one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandbyStatus {
    /// `pg_is_in_recovery()`: a standby (false: a primary).
    pub in_recovery: bool,
    /// A WAL receiver is running, i.e. it is connected to its primary.
    pub streaming: bool,
    pub receive_lsn: Option<Lsn>,
    pub replay_lsn: Option<Lsn>,
    /// The commit time of the last transaction replayed.
    pub last_replay_at: Option<DateTime<Utc>>,
    /// The server's clock when asked.
    pub now: DateTime<Utc>,
}

impl StandbyStatus {
    pub fn lag(&self) -> Option<Duration> {
        lag_from(self)
    }
}

/// Zero on a primary, and on a standby streaming with everything it received
/// replayed (an idle primary sends nothing new, whatever the age of its last
/// transaction). Otherwise the age of the last replayed transaction: while
/// catching up, or disconnected from the primary, that is how old the data may
/// be. `None` when a standby has replayed no transaction yet.
pub fn lag_from(s: &StandbyStatus) -> Option<Duration> {
    if !s.in_recovery {
        return Some(Duration::ZERO);
    }
    if s.streaming
        && let (Some(received), Some(replayed)) = (s.receive_lsn, s.replay_lsn)
        && received <= replayed
    {
        return Some(Duration::ZERO);
    }
    let at = s.last_replay_at?;
    Some((s.now - at).to_std().unwrap_or(Duration::ZERO))
}

pub async fn standby_status(conn: &mut PgConnection) -> sqlx::Result<StandbyStatus> {
    type Row = (
        bool,
        bool,
        Option<String>,
        Option<String>,
        Option<DateTime<Utc>>,
        DateTime<Utc>,
    );
    // pg_stat_wal_receiver shows its row (pid at least) to every role.
    let (in_recovery, streaming, receive, replay, last_replay_at, now): Row = sqlx::query_as(
        "SELECT pg_is_in_recovery(), EXISTS (SELECT 1 FROM pg_stat_wal_receiver), \
                pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text, \
                pg_last_xact_replay_timestamp(), clock_timestamp()",
    )
    .fetch_one(conn)
    .await?;
    let lsn = |t: Option<String>| t.and_then(|t| t.parse::<Lsn>().ok());
    Ok(StandbyStatus {
        in_recovery,
        streaming,
        receive_lsn: lsn(receive),
        replay_lsn: lsn(replay),
        last_replay_at,
        now,
    })
}

/// [`lag_from`] of the server behind `conn`.
pub async fn replica_lag(conn: &mut PgConnection) -> sqlx::Result<Option<Duration>> {
    Ok(standby_status(conn).await?.lag())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn standby(streaming: bool, receive: u64, replay: u64, age_s: i64) -> StandbyStatus {
        let now = DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
            .unwrap()
            .to_utc();
        StandbyStatus {
            in_recovery: true,
            streaming,
            receive_lsn: Some(Lsn(receive)),
            replay_lsn: Some(Lsn(replay)),
            last_replay_at: Some(now - TimeDelta::seconds(age_s)),
            now,
        }
    }

    #[test]
    fn lag_is_zero_only_when_streaming_and_caught_up() {
        // Idle primary: the last transaction is an hour old, but nothing is missing.
        assert_eq!(
            lag_from(&standby(true, 100, 100, 3600)),
            Some(Duration::ZERO)
        );
        // The receiver restarts at a segment boundary behind the replay point.
        assert_eq!(
            lag_from(&standby(true, 90, 100, 3600)),
            Some(Duration::ZERO)
        );
        // Catching up: as old as the last transaction replayed.
        assert_eq!(
            lag_from(&standby(true, 200, 100, 7)),
            Some(Duration::from_secs(7))
        );
        // Cut off from the primary: it cannot know what it misses.
        assert_eq!(
            lag_from(&standby(false, 100, 100, 60)),
            Some(Duration::from_secs(60))
        );
        // A clock a little behind the commit time is not negative lag.
        assert_eq!(lag_from(&standby(true, 200, 100, -2)), Some(Duration::ZERO));
        let mut fresh = standby(true, 200, 100, 0);
        fresh.last_replay_at = None;
        assert_eq!(lag_from(&fresh), None);
        let primary = StandbyStatus {
            in_recovery: false,
            streaming: false,
            receive_lsn: None,
            replay_lsn: None,
            last_replay_at: None,
            now: fresh.now,
        };
        assert_eq!(lag_from(&primary), Some(Duration::ZERO));
    }
}
