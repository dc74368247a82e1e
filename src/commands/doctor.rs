//! `ctodash doctor`: a health check that only looks. One line per check,
//! `ok`, `warn` or `fail`, with the fix on the same line; exit code 1 when
//! anything failed.
//!
//! It finds the database the way every command does, but never migrates it,
//! never rebuilds anything and keeps nothing: its one write, a real edit that
//! proves a save goes through, is rolled back.

mod access;
mod check;
mod replica;
mod schema;
mod server;
pub mod sql_scan;

pub use check::{Check, Level};
pub use schema::missing_fix;
pub use server::{MAX_SKEW_SECONDS, MIN_SERVER_VERSION, skew_seconds};

use crate::config::Config;
use crate::db;
use crate::db::migrate::{self, SchemaState};
use access::{role, write_access};
use color_eyre::eyre::{Result, eyre};
use schema::{bug_stats, extensions, indexes, schema};
use server::{clock, server_version};
use std::time::Instant;

pub async fn run(cfg: &Config) -> Result<()> {
    let checks = diagnose(cfg, |c| println!("{c}")).await;
    let count = |l: Level| checks.iter().filter(|c| c.level == l).count();
    let (ok, warn, fail) = (count(Level::Ok), count(Level::Warn), count(Level::Fail));
    println!(
        "{} checks: {ok} ok, {warn} warning{}, {fail} failure{}",
        checks.len(),
        if warn == 1 { "" } else { "s" },
        if fail == 1 { "" } else { "s" }
    );
    if fail == 0 {
        return Ok(());
    }
    let names: Vec<&str> = checks
        .iter()
        .filter(|c| c.level == Level::Fail)
        .map(|c| c.name)
        .collect();
    Err(eyre!(
        "doctor found {fail} problem{} ({}). Apply the fix given on each `fail` line above, \
         then run `ctodash doctor` again",
        if fail == 1 { "" } else { "s" },
        names.join(", ")
    ))
}

/// Runs every check, handing each to `emit` as soon as it is known.
pub async fn diagnose(cfg: &Config, mut emit: impl FnMut(&Check)) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut push = |c: Check| {
        emit(&c);
        checks.push(c);
    };
    primary(cfg, &mut push).await;
    if let Some(url) = cfg.replica_url.as_deref().filter(|u| !u.trim().is_empty()) {
        replica::checks(url, &mut push).await;
    }
    checks
}

/// The database found as every command finds it (the primary).
async fn primary(cfg: &Config, push: &mut impl FnMut(Check)) {
    // Connectivity: the same discovery as every other command.
    let found = match db::find(cfg).await {
        Ok(found) => found,
        Err(e) => {
            push(Check::fail("connection", e.to_string(), None));
            return;
        }
    };
    let pool = match db::connect(&found, db::COMMAND_CONNECTIONS).await {
        Ok(pool) => pool,
        // An explicit URL is first tried here: told as discovery tells it.
        Err(db::OpenError::Discovery(e)) => {
            push(Check::fail("connection", e.to_string(), None));
            return;
        }
        Err(e) => {
            push(Check::fail(
                "connection",
                format!("{} was found but connecting failed: {e}", found.display),
                Some("check that the server accepts connections and try again".into()),
            ));
            return;
        }
    };
    let started = Instant::now();
    match sqlx::query("SELECT 1").execute(&pool).await {
        Ok(_) => push(Check::ok(
            "connection",
            format!(
                "{} (found via {}{}; round trip {:.1} ms)",
                found.display,
                found.source,
                if found.owned {
                    ", created by ctodash"
                } else {
                    ""
                },
                started.elapsed().as_secs_f64() * 1000.0
            ),
        )),
        Err(e) => {
            push(Check::fail(
                "connection",
                format!("{}: {e}", found.display),
                Some("check that the server is up and try again".into()),
            ));
            return;
        }
    }

    push(server_version(&pool).await);

    let state = migrate::state(&pool).await;
    let schema_ok = matches!(
        state,
        Ok(SchemaState::Current | SchemaState::Behind { .. } | SchemaState::Ahead { .. })
    );
    push(schema(&state));
    push(extensions(&pool).await);
    if schema_ok {
        push(indexes(&pool).await);
        push(bug_stats(&pool).await);
    } else {
        for name in ["indexes", "bug_stats"] {
            push(Check::warn(
                name,
                "not checked: the database has no usable ctodash schema",
                "fix the schema first (see the schema line)",
            ));
        }
    }
    push(clock(&pool).await);
    push(role(&pool, schema_ok).await);
    push(write_access(&pool, cfg, schema_ok).await);
    pool.close().await;
}
