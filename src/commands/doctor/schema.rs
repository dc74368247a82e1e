//! The schema against what the migrations create: version, extensions, indexes, bug_stats.

use super::check::{Check, query_failed};
use super::sql_scan::{ExpectedIndex, expected_indexes, required_extensions};
use crate::db::migrate::{self, MIGRATOR, SchemaState};
use sqlx::PgPool;

pub(super) fn schema(state: &sqlx::Result<SchemaState>) -> Check {
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

pub(super) async fn extensions(pool: &PgPool) -> Check {
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

pub(super) async fn indexes(pool: &PgPool) -> Check {
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

pub(super) async fn bug_stats(pool: &PgPool) -> Check {
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

#[cfg(test)]
mod tests {
    use super::*;

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
