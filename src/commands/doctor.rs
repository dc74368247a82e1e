//! `ctodash doctor`: a health check that only looks. One line per check,
//! `ok`, `warn` or `fail`, with the fix on the same line; exit code 1 when
//! anything failed.
//!
//! It finds the database the way every command does, but never migrates it,
//! never rebuilds anything and runs nothing but reads.

pub mod sql_scan;

use crate::config::Config;
use crate::db::migrate::{self, MIGRATOR, SchemaState};
use crate::db::{self, discover};
use chrono::{DateTime, Utc};
use color_eyre::eyre::{Result, eyre};
use sql_scan::{ExpectedIndex, expected_indexes, required_extensions};
use sqlx::PgPool;
use std::fmt;
use std::time::Instant;

/// Below this server version ctodash is untested.
pub const MIN_SERVER_VERSION: i32 = 130_000;
/// Clock skew above this many seconds is worth a warning.
pub const MAX_SKEW_SECONDS: f64 = 2.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Fail => "fail",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub level: Level,
    pub name: &'static str,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Check {
            level: Level::Ok,
            name,
            detail: detail.into(),
            fix: None,
        }
    }

    fn warn(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Check {
            level: Level::Warn,
            name,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    fn fail(name: &'static str, detail: impl Into<String>, fix: Option<String>) -> Self {
        Check {
            level: Level::Fail,
            name,
            detail: detail.into(),
            fix,
        }
    }
}

impl fmt::Display for Check {
    /// "ok    schema          version 4 (this program's: 4)"
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<4}  {:<14}  {}", self.level, self.name, self.detail)?;
        if let Some(fix) = &self.fix {
            write!(f, "  fix: {fix}")?;
        }
        Ok(())
    }
}

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

    // Connectivity: the same discovery as every other command.
    let found = match discover::discover(&db::discover_options(cfg)).await {
        Ok(found) => found,
        Err(e) => {
            push(Check::fail("connection", e.to_string(), None));
            return checks;
        }
    };
    let pool = match db::connect(&found, 2).await {
        Ok(pool) => pool,
        Err(e) => {
            push(Check::fail(
                "connection",
                format!("{} was found but connecting failed: {e}", found.display),
                Some("check that the server accepts connections and try again".into()),
            ));
            return checks;
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
            return checks;
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
    push(write_access(&pool, cfg, schema_ok).await);
    pool.close().await;
    checks
}

fn query_failed(name: &'static str, e: &sqlx::Error) -> Check {
    Check::fail(
        name,
        format!("could not check: {e}"),
        Some("check the connection and the role's rights to read the catalog".into()),
    )
}

async fn server_version(pool: &PgPool) -> Check {
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

fn schema(state: &sqlx::Result<SchemaState>) -> Check {
    let name = "schema";
    let latest = migrate::latest_version();
    let state = match state {
        Ok(s) => s,
        Err(e) => return query_failed(name, e),
    };
    match state {
        SchemaState::Current => {
            Check::ok(name, format!("version {latest} (this program's: {latest})"))
        }
        SchemaState::Behind { applied, latest } => Check::fail(
            name,
            format!("version {applied}, behind this program's {latest}"),
            Some("run `ctodash migrate`".into()),
        ),
        SchemaState::Ahead { applied, latest } => Check::fail(
            name,
            format!("version {applied}, newer than this program's {latest}"),
            Some("upgrade ctodash to the version that migrated this database".into()),
        ),
        SchemaState::Empty => Check::fail(
            name,
            format!("no ctodash tables (this program's schema is version {latest})"),
            Some("run `ctodash migrate`".into()),
        ),
        SchemaState::Foreign => Check::fail(
            name,
            "this database has a `bugs` table but no ctodash migration record: not a ctodash \
             database",
            Some("point ctodash at its own database (--database-url / DATABASE_URL)".into()),
        ),
        SchemaState::Dirty { version } => Check::fail(
            name,
            format!("migration {version} started but did not finish"),
            Some(format!(
                "inspect migration {version}'s objects and the `_sqlx_migrations` row with psql, \
                 fix or drop them, delete that row, then run `ctodash migrate`"
            )),
        ),
    }
}

async fn extensions(pool: &PgPool) -> Check {
    let name = "extensions";
    let wanted = required_extensions(MIGRATOR.iter().map(|m| m.sql.as_str()));
    let rows: Result<Vec<(String, Option<String>, bool)>, _> = sqlx::query_as(
        "SELECT w.name, e.extversion, a.name IS NOT NULL \
         FROM unnest($1::text[]) AS w(name) \
         LEFT JOIN pg_available_extensions a ON a.name = w.name \
         LEFT JOIN pg_extension e ON e.extname = w.name",
    )
    .bind(&wanted)
    .fetch_all(pool)
    .await;
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return query_failed(name, &e),
    };
    let mut installed = Vec::new();
    let mut missing = Vec::new();
    let mut unavailable = Vec::new();
    for (w, version, available) in rows {
        match version {
            Some(v) => installed.push(format!("{w} {v}")),
            None if available => missing.push(w),
            None => unavailable.push(w),
        }
    }
    if !unavailable.is_empty() {
        return Check::fail(
            name,
            format!("{} not available on the server", unavailable.join(", ")),
            Some(format!(
                "install PostgreSQL's contrib package on the server (e.g. `apt-get install \
                 postgresql-contrib`), then `CREATE EXTENSION {};` in this database",
                unavailable[0]
            )),
        );
    }
    if !missing.is_empty() {
        return Check::fail(
            name,
            format!("{} not installed in this database", missing.join(", ")),
            Some(format!(
                "run `CREATE EXTENSION {};` as a superuser in this database (or `ctodash \
                 migrate` on a new database)",
                missing[0]
            )),
        );
    }
    Check::ok(name, installed.join(", "))
}

/// The indexes of every applied migration, from their SQL.
fn expected_for(applied: &[i64]) -> Vec<ExpectedIndex> {
    expected_indexes(
        MIGRATOR
            .iter()
            .filter(|m| m.migration_type.is_up_migration() && applied.contains(&m.version))
            .map(|m| (m.version, m.description.as_ref(), m.sql.as_str())),
    )
}

/// The missing-index line's fix: the statements to run, at most three.
pub fn missing_fix(missing: &[&ExpectedIndex]) -> String {
    let mut fix = String::from("recreate with psql: ");
    let shown: Vec<&str> = missing
        .iter()
        .take(3)
        .map(|e| e.statement.as_str())
        .collect();
    fix.push_str(&shown.join(" "));
    if missing.len() > 3 {
        fix.push_str(&format!(
            " … and {} more, as written in migrations/ (migration {})",
            missing.len() - 3,
            missing[3].migration
        ));
    }
    fix
}

async fn indexes(pool: &PgPool) -> Check {
    let name = "indexes";
    let applied: Result<Vec<i64>, _> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await;
    let applied = match applied {
        Ok(a) => a,
        Err(e) => return query_failed(name, &e),
    };
    let expected = expected_for(&applied);
    let present: Result<Vec<(String, bool)>, _> = sqlx::query_as(
        "SELECT c.relname::text, i.indisvalid \
         FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = ANY (current_schemas(false))",
    )
    .fetch_all(pool)
    .await;
    let present = match present {
        Ok(p) => p,
        Err(e) => return query_failed(name, &e),
    };
    let missing: Vec<&ExpectedIndex> = expected
        .iter()
        .filter(|e| !present.iter().any(|(n, _)| *n == e.name))
        .collect();
    let invalid: Vec<&str> = expected
        .iter()
        .filter(|e| present.iter().any(|(n, valid)| *n == e.name && !valid))
        .map(|e| e.name.as_str())
        .collect();
    if !missing.is_empty() {
        let names: Vec<String> = missing
            .iter()
            .map(|e| format!("{} on {} (migration {})", e.name, e.table, e.migration))
            .collect();
        return Check::fail(
            name,
            format!(
                "{} of {} missing: {}",
                missing.len(),
                expected.len(),
                names.join(", ")
            ),
            Some(missing_fix(&missing)),
        );
    }
    if !invalid.is_empty() {
        return Check::fail(
            name,
            format!(
                "{} invalid (a failed concurrent build): {}",
                invalid.len(),
                invalid.join(", ")
            ),
            Some(format!(
                "run `REINDEX INDEX {};` in psql",
                invalid.join(", ")
            )),
        );
    }
    Check::ok(
        name,
        format!(
            "all {} indexes the migrations create are present",
            expected.len()
        ),
    )
}

const BUG_STATS_AGREE: &str = "\
    WITH actual AS ( \
        SELECT severity, status, is_blocker, count(*) AS n, \
               coalesce(sum(revenue_impact_daily), 0) AS r, coalesce(sum(actual_hours), 0) AS h \
        FROM bugs GROUP BY 1, 2, 3 \
    ), summary AS ( \
        SELECT severity, status, is_blocker, bug_count AS n, revenue_impact_daily AS r, \
               actual_hours AS h \
        FROM bug_stats WHERE bug_count <> 0 OR revenue_impact_daily <> 0 OR actual_hours <> 0 \
    ) \
    SELECT count(*) FILTER (WHERE a.n IS DISTINCT FROM s.n OR a.r IS DISTINCT FROM s.r \
                              OR a.h IS DISTINCT FROM s.h), \
           count(*), \
           coalesce(sum(a.n), 0)::bigint, \
           coalesce(sum(s.n), 0)::bigint \
    FROM actual a FULL JOIN summary s USING (severity, status, is_blocker)";

async fn bug_stats(pool: &PgPool) -> Check {
    let name = "bug_stats";
    let row: Result<(i64, i64, i64, i64), _> =
        sqlx::query_as(BUG_STATS_AGREE).fetch_one(pool).await;
    match row {
        Err(e) => query_failed(name, &e),
        Ok((0, buckets, bugs, _)) => Check::ok(
            name,
            format!(
                "summary agrees with bugs ({} bugs in {buckets} buckets)",
                crate::format::count(bugs)
            ),
        ),
        Ok((wrong, buckets, bugs, counted)) => Check::warn(
            name,
            format!(
                "{wrong} of {buckets} summary buckets disagree with bugs (bug_stats counts {}, \
                 bugs has {}): the KPIs are off",
                crate::format::count(counted),
                crate::format::count(bugs)
            ),
            "run `SELECT bug_stats_rebuild();` in psql",
        ),
    }
}

/// Server clock minus client clock, measured at the middle of the round trip.
pub fn skew_seconds(sent: DateTime<Utc>, server: DateTime<Utc>, received: DateTime<Utc>) -> f64 {
    let mid = sent + (received - sent) / 2;
    (server - mid).as_seconds_f64()
}

async fn clock(pool: &PgPool) -> Check {
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

async fn write_access(pool: &PgPool, cfg: &Config, schema_ok: bool) -> Check {
    let name = "write access";
    let session: Result<(String, bool, String), _> = sqlx::query_as(
        "SELECT current_setting('transaction_read_only'), pg_is_in_recovery(), current_user::text",
    )
    .fetch_one(pool)
    .await;
    let (read_only, standby, role) = match session {
        Ok(s) => s,
        Err(e) => return query_failed(name, &e),
    };
    if standby {
        return Check::fail(
            name,
            "the server is a read-only standby",
            Some("point ctodash at the primary server to edit".into()),
        );
    }
    if read_only == "on" {
        return Check::fail(
            name,
            format!("sessions of role {role} are read-only (default_transaction_read_only)"),
            Some(format!(
                "`ALTER ROLE {role} SET default_transaction_read_only = off;` (or on the \
                 database), or connect as another role"
            )),
        );
    }
    if !schema_ok {
        return Check::warn(
            name,
            "not checked: the database has no usable ctodash schema",
            "fix the schema first (see the schema line)",
        );
    }
    let grants: Result<(bool, bool, bool), _> = sqlx::query_as(
        "SELECT has_table_privilege('bugs', 'UPDATE'), \
                has_table_privilege('bug_history', 'INSERT'), \
                has_table_privilege('audit_log', 'INSERT')",
    )
    .fetch_one(pool)
    .await;
    let grants = match grants {
        Ok(g) => g,
        Err(e) => return query_failed(name, &e),
    };
    let lacking: Vec<&str> = [
        (grants.0, "UPDATE ON bugs"),
        (grants.1, "INSERT ON bug_history"),
        (grants.2, "INSERT ON audit_log"),
    ]
    .into_iter()
    .filter(|(has, _)| !has)
    .map(|(_, what)| what)
    .collect();
    if !lacking.is_empty() {
        let grants: Vec<String> = lacking
            .iter()
            .map(|p| format!("GRANT {p} TO {role};"))
            .collect();
        return Check::fail(
            name,
            format!("role {role} lacks {}", lacking.join(", ")),
            Some(format!("as the tables' owner: {}", grants.join(" "))),
        );
    }
    let who = cfg.user.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let Some(email) = who else {
        return Check::warn(
            name,
            format!("role {role} can write, but no user is set, so ctodash opens read-only"),
            "pass --user EMAIL, set CTODASH_USER, or put user = \"EMAIL\" in the config file",
        );
    };
    let mut conn = match pool.acquire().await {
        Ok(c) => c,
        Err(e) => return query_failed(name, &e),
    };
    match db::users::find_by_email(&mut conn, email).await {
        Err(e) => query_failed(name, &e),
        Ok(None) => Check::fail(
            name,
            format!("the configured user {email} is not in the users table"),
            Some(
                "use the email of an existing user (`SELECT email FROM users`) or add the user"
                    .into(),
            ),
        ),
        Ok(Some(me)) if cfg.read_only => Check::warn(
            name,
            format!(
                "{} <{}> could edit, but read-only is set, so nothing will be written",
                me.name, me.email
            ),
            "drop --read-only (and read_only = true in the config file) to edit",
        ),
        Ok(Some(me)) => Check::ok(
            name,
            format!(
                "as {} <{}>; role {role} can update bugs and write history and audit rows",
                me.name, me.email
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};

    #[test]
    fn lines_read_well() {
        let c = Check::ok("schema", "version 4 (this program's: 4)");
        assert_eq!(
            c.to_string(),
            "ok    schema          version 4 (this program's: 4)"
        );
        let c = Check::warn("bug_stats", "2 of 9 disagree", "run x");
        assert_eq!(
            c.to_string(),
            "warn  bug_stats       2 of 9 disagree  fix: run x"
        );
    }

    #[test]
    fn skew_uses_the_middle_of_the_round_trip() {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let s = skew_seconds(t, t + TimeDelta::seconds(5), t + TimeDelta::seconds(2));
        assert!((s - 4.0).abs() < 1e-9);
        let s = skew_seconds(t, t, t + TimeDelta::seconds(2));
        assert!((s + 1.0).abs() < 1e-9);
    }

    #[test]
    fn migrations_name_the_indexes_doctor_expects() {
        let all: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
        let expected = expected_for(&all);
        let names: Vec<&str> = expected.iter().map(|e| e.name.as_str()).collect();
        assert!(names.contains(&"bugs_severity_idx"), "{names:?}");
        assert!(names.contains(&"bugs_title_trgm_idx"), "{names:?}");
        let fix = missing_fix(&expected.iter().collect::<Vec<_>>());
        assert!(fix.starts_with("recreate with psql: CREATE INDEX"), "{fix}");
        assert!(
            required_extensions(MIGRATOR.iter().map(|m| m.sql.as_str()))
                .contains(&"pg_trgm".to_owned())
        );
    }
}
