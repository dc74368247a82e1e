//! The server's own health: its version and how far its clock is from this machine's.

use super::check::{Check, query_failed};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Below this server version ctodash is untested.
pub const MIN_SERVER_VERSION: i32 = 130_000;
/// Clock skew above this many seconds is worth a warning.
pub const MAX_SKEW_SECONDS: f64 = 2.0;

pub(super) async fn server_version(pool: &PgPool) -> Check {
    let name = "server version";
    let row: Result<(String, String), _> = sqlx::query_as(
        "SELECT current_setting('server_version_num'), current_setting('server_version')",
    )
    .fetch_one(pool)
    .await;
    match row {
        Err(e) => query_failed(name, &e),
        Ok((num, text)) => {
            let num: i32 = num.parse().unwrap_or(0);
            if num >= MIN_SERVER_VERSION {
                Check::ok(name, format!("PostgreSQL {text}"))
            } else {
                Check::warn(
                    name,
                    format!("PostgreSQL {text} is older than 13, which ctodash is not tested on"),
                    "upgrade the server to PostgreSQL 13 or newer",
                )
            }
        }
    }
}

/// Server clock minus client clock, measured at the middle of the round trip.
pub fn skew_seconds(sent: DateTime<Utc>, server: DateTime<Utc>, received: DateTime<Utc>) -> f64 {
    let mid = sent + (received - sent) / 2;
    (server - mid).as_seconds_f64()
}

pub(super) async fn clock(pool: &PgPool) -> Check {
    let name = "clock";
    let sent = Utc::now();
    let server: Result<DateTime<Utc>, _> = sqlx::query_scalar("SELECT clock_timestamp()")
        .fetch_one(pool)
        .await;
    let received = Utc::now();
    let server = match server {
        Ok(s) => s,
        Err(e) => return query_failed(name, &e),
    };
    let skew = skew_seconds(sent, server, received);
    let side = if skew >= 0.0 { "ahead of" } else { "behind" };
    let detail = format!("server is {:.3} s {side} this machine", skew.abs());
    if skew.abs() > MAX_SKEW_SECONDS {
        Check::warn(
            name,
            format!("{detail}: ages and SLA clocks will be off"),
            "synchronise both clocks with NTP (e.g. `timedatectl set-ntp true` or chrony) on \
             this machine and the database server",
        )
    } else {
        Check::ok(name, detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};

    #[test]
    fn skew_uses_the_middle_of_the_round_trip() {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let s = skew_seconds(t, t + TimeDelta::seconds(5), t + TimeDelta::seconds(2));
        assert!((s - 4.0).abs() < 1e-9);
        let s = skew_seconds(t, t, t + TimeDelta::seconds(2));
        assert!((s + 1.0).abs() < 1e-9);
    }
}
