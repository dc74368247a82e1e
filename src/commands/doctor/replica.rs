//! The replica's lines, when one is configured: reachable, a standby that
//! streams from its primary, its lag, its schema, and the change signal that
//! replica readers poll instead of LISTEN.

use super::check::{Check, query_failed};
use crate::db::migrate::{self, SchemaState};
use crate::db::replica::{self, StandbyStatus};
use sqlx::PgPool;
use std::time::{Duration, Instant};

/// Lag above which readers are told their data is old.
pub const MAX_LAG: Duration = Duration::from_secs(5);

pub(super) async fn checks(url: &str, push: &mut impl FnMut(Check)) {
    let (pool, _, display) = match replica::connect_pool(url, 1).await {
        Ok(connected) => connected,
        Err(e) => {
            push(Check::fail("replica", e.to_string(), None));
            return;
        }
    };
    let started = Instant::now();
    match sqlx::query("SELECT 1").execute(&pool).await {
        Ok(_) => push(Check::ok(
            "replica",
            format!(
                "{display} (round trip {:.1} ms)",
                started.elapsed().as_secs_f64() * 1000.0
            ),
        )),
        Err(e) => {
            push(Check::fail(
                "replica",
                format!("{display}: {e}"),
                Some("check that the standby is up and try again".into()),
            ));
            return;
        }
    }
    let status = match pool.acquire().await {
        Ok(mut conn) => replica::standby_status(&mut conn).await,
        Err(e) => Err(e),
    };
    match status {
        Ok(status) => {
            push(role(&status, &display));
            push(lag(&status));
        }
        Err(e) => push(query_failed("replica role", &e)),
    }
    let state = migrate::state(&pool).await;
    push(schema(&state, &display));
    if matches!(state, Ok(SchemaState::Current)) {
        push(signal(&pool).await);
    }
    pool.close().await;
}

fn role(s: &StandbyStatus, display: &str) -> Check {
    let name = "replica role";
    match (s.in_recovery, s.streaming) {
        (true, true) => Check::ok(
            name,
            format!(
                "hot standby, streaming from its primary (replayed up to {})",
                s.replay_lsn
                    .map_or_else(|| "—".to_string(), |l| l.to_string())
            ),
        ),
        (true, false) => Check::warn(
            name,
            "a standby, but not connected to its primary (no WAL receiver), so it falls behind",
            "check primary_conninfo in the standby's postgresql.auto.conf, its log, and that the \
             primary's pg_hba.conf allows its replication connection",
        ),
        (false, _) => Check::warn(
            name,
            "not a standby (it is not in recovery, so it is a primary): reads work but take no \
             load off the primary",
            format!(
                "point --replica-url / CTODASH_REPLICA_URL / replica_url at a hot standby of \
                 the primary, or unset it (now {display})"
            ),
        ),
    }
}

fn lag(s: &StandbyStatus) -> Check {
    let name = "replica lag";
    if !s.in_recovery {
        return Check::ok(name, "none: the server is not a standby");
    }
    match s.lag() {
        Some(lag) if lag <= MAX_LAG => Check::ok(
            name,
            format!("{:.1} s behind its primary", lag.as_secs_f64()),
        ),
        Some(lag) => Check::warn(
            name,
            format!(
                "{:.1} s: replica readers see data that old",
                lag.as_secs_f64()
            ),
            "check the standby's load and network, and on the primary \
             `SELECT * FROM pg_stat_replication`",
        ),
        None => Check::warn(
            name,
            "unknown: the standby has not replayed a transaction since it started",
            "commit any change on the primary, or wait for one",
        ),
    }
}

fn schema(state: &sqlx::Result<SchemaState>, display: &str) -> Check {
    let name = "replica schema";
    let latest = migrate::latest_version();
    match state {
        Err(e) => query_failed(name, e),
        Ok(SchemaState::Current) => {
            Check::ok(name, format!("version {latest} (this program's: {latest})"))
        }
        Ok(other) => match replica::check_schema(other.clone(), display) {
            Ok(()) => Check::ok(name, format!("version {latest}")),
            Err(e) => Check::fail(name, e.to_string(), None),
        },
    }
}

async fn signal(pool: &PgPool) -> Check {
    let name = "replica signal";
    let read = match pool.acquire().await {
        Ok(mut conn) => replica::read_signal(&mut conn).await,
        Err(e) => Err(e),
    };
    match read {
        Ok(_) => Check::ok(
            name,
            "change counters readable: replica readers see changes without LISTEN",
        ),
        Err(e) => Check::fail(
            name,
            format!("cannot read change_counters: {e}"),
            Some(
                "GRANT SELECT ON change_counters to the role reading the replica, on the primary"
                    .into(),
            ),
        ),
    }
}
