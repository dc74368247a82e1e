//! Bulk loading for `ctodash seed`: one transaction, COPY instead of INSERT,
//! secondary indexes rebuilt once at the end instead of maintained per row,
//! row triggers off (the generator writes history, SLA deadlines and resolved_at
//! itself, and the summary table is rebuilt afterwards) and foreign keys checked
//! once in bulk. Nothing here needs a superuser: the tables' owner can do it all.

use sqlx::{PgConnection, Postgres, Transaction};
use std::collections::VecDeque;
use std::sync::Mutex;

pub const USERS_COPY: &str =
    "COPY users (id, email, name, role, created_at, updated_at) FROM STDIN";
pub const PROJECTS_COPY: &str = "COPY projects (id, name, description, github_url, demo_url, \
     language, tags, stars, forks, last_commit, status, arr, year1_revenue, year3_revenue, \
     roi_score, dcf_valuation, tam, sam, som_year3, traction_mrr, margin_percent, complexity, \
     client_appeal, current_milestone, total_milestones, monthly_infra_cost, created_at, \
     updated_at) FROM STDIN";
pub const PROJECT_METRICS_COPY: &str = "COPY project_metrics (id, project_id, commits_count, \
     contributors, lines_of_code, tech_stack, health_score, date, created_at) FROM STDIN";
pub const BUGS_COPY: &str = "COPY bugs (id, bug_number, title, description, severity, status, \
     assigned_to, project_id, sla_hours, business_impact, revenue_impact_daily, is_blocker, \
     priority_score, estimated_hours, actual_hours, created_at, updated_at, resolved_at, \
     created_by, version, sla_due_at) FROM STDIN";
pub const HISTORY_COPY: &str = "COPY bug_history (id, bug_id, field_changed, old_value, \
     new_value, changed_by, changed_at) FROM STDIN";

const ALL_TABLES: &str = "users, projects, bugs, bug_history, project_metrics, \
     monthly_metrics, portfolio_metrics, import_logs, audit_log, bug_stats, \
     bug_resolutions_daily, kpi_hourly, kpi_open_due_hourly";

/// Tables whose secondary indexes are dropped during the load.
const BULK_TABLES: [&str; 2] = ["bugs", "bug_history"];

/// Row counts of the tables a seed would overwrite.
pub async fn existing_rows(conn: &mut PgConnection) -> sqlx::Result<(i64, i64, i64)> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM projects), \
         (SELECT count(*) FROM bugs)",
    )
    .fetch_one(conn)
    .await
}

pub async fn truncate_all(tx: &mut Transaction<'_, Postgres>) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "TRUNCATE {ALL_TABLES} CASCADE"
    )))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A foreign key of a bulk table, dropped for the load and added back after.
#[derive(Debug, Clone)]
pub struct ForeignKey {
    table: String,
    name: String,
    definition: String,
}

/// Suspends, for this transaction, the checks the generator makes redundant:
/// the user triggers of the bulk tables (the generator writes history, SLA
/// deadlines and resolved_at itself; the summaries are rebuilt afterwards)
/// and their foreign keys (checked once, in bulk, by [`restore_checks`]). An
/// ordinary role that owns the tables can do both, unlike
/// `session_replication_role`, which needs a superuser; both take an ACCESS
/// EXCLUSIVE lock, as the seed's TRUNCATE does anyway.
pub async fn suspend_checks(tx: &mut Transaction<'_, Postgres>) -> sqlx::Result<Vec<ForeignKey>> {
    let keys: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) \
         FROM pg_constraint \
         WHERE contype = 'f' \
           AND conrelid = ANY (ARRAY['bugs'::regclass, 'bug_history'::regclass]) \
         ORDER BY conrelid::regclass::text, conname",
    )
    .fetch_all(&mut **tx)
    .await?;
    let keys: Vec<ForeignKey> = keys
        .into_iter()
        .map(|(table, name, definition)| ForeignKey {
            table,
            name,
            definition,
        })
        .collect();
    for table in BULK_TABLES {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE {table} DISABLE TRIGGER USER"
        )))
        .execute(&mut **tx)
        .await?;
    }
    for key in &keys {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            key.table, key.name
        )))
        .execute(&mut **tx)
        .await?;
    }
    Ok(keys)
}

/// Adds the foreign keys back (each validated by one join over the loaded
/// rows, far cheaper than a check per row) and turns the triggers on again.
pub async fn restore_checks(
    tx: &mut Transaction<'_, Postgres>,
    keys: &[ForeignKey],
) -> sqlx::Result<()> {
    for key in keys {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {}",
            key.table, key.name, key.definition
        )))
        .execute(&mut **tx)
        .await?;
    }
    for table in BULK_TABLES {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE {table} ENABLE TRIGGER USER"
        )))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Drops the secondary (non-constraint) indexes of the bulk tables and returns
/// their definitions, read from the catalogue so they always match the migrations.
pub async fn drop_secondary_indexes(
    tx: &mut Transaction<'_, Postgres>,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) \
         FROM pg_index i \
         WHERE i.indrelid = ANY (ARRAY['bugs'::regclass, 'bug_history'::regclass]) \
           AND NOT i.indisprimary \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
    )
    .fetch_all(&mut **tx)
    .await?;
    for (name, _) in &rows {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX {name}")))
            .execute(&mut **tx)
            .await?;
    }
    Ok(rows.into_iter().map(|(_, def)| def).collect())
}

/// Builds indexes taken one at a time from `queue` until it is empty, so two
/// connections sharing the queue finish at about the same time.
async fn create_indexes(
    conn: &mut PgConnection,
    queue: &Mutex<VecDeque<String>>,
) -> sqlx::Result<()> {
    // Each connection keeps one core busy; parallel workers would only make
    // the two builds fight over the same two cores.
    sqlx::query("SET maintenance_work_mem = '1GB'")
        .execute(&mut *conn)
        .await?;
    sqlx::query("SET max_parallel_maintenance_workers = 0")
        .execute(&mut *conn)
        .await?;
    loop {
        let next = queue.lock().ok().and_then(|mut q| q.pop_front());
        let Some(def) = next else { break };
        sqlx::query(sqlx::AssertSqlSafe(def))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("RESET maintenance_work_mem")
        .execute(&mut *conn)
        .await?;
    sqlx::query("RESET max_parallel_maintenance_workers")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Rough build cost, largest first: trigram (GIN) builds are single-threaded
/// and by far the slowest, then the history table (3× the rows of bugs), then
/// whole-table B-trees, then partial ones over open bugs.
fn build_rank(definition: &str) -> u8 {
    if definition.contains("USING gin") {
        0
    } else if definition.contains(" ON public.bug_history ") {
        1
    } else if !definition.contains(" WHERE ") {
        2
    } else {
        3
    }
}

/// Builds the indexes on two connections at once, each taking the next index
/// from one queue ordered largest first (longest-job-first keeps the two sides
/// within one small index of each other).
pub async fn create_indexes_in_parallel(
    a: &mut PgConnection,
    b: &mut PgConnection,
    definitions: &[String],
) -> sqlx::Result<()> {
    let mut ordered = definitions.to_vec();
    ordered.sort_by_key(|d| build_rank(d));
    let queue = Mutex::new(VecDeque::from(ordered));
    let (first, second) = tokio::join!(create_indexes(a, &queue), create_indexes(b, &queue));
    first.and(second)
}

pub async fn rebuild_bug_stats(tx: &mut Transaction<'_, Postgres>) -> sqlx::Result<()> {
    sqlx::query("SELECT bug_stats_rebuild(), bug_resolutions_rebuild(), kpi_buckets_rebuild()")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Refreshes planner statistics and the visibility map, so the KPI engine's
/// index-only scans are index-only from the first refresh.
pub async fn vacuum_analyze(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query(
        "VACUUM (ANALYZE) bugs, bug_history, bug_stats, kpi_hourly, kpi_open_due_hourly, \
         projects, users, project_metrics",
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Tells live dashboards to reload everything: by NOTIFY on the primary, and
/// by the replicated change counters on standbys (the bulk load ran with
/// triggers off, so neither fired).
pub async fn announce_reload(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query(
        "SELECT pg_notify('ctodash_changes', '{\"table\":\"*\",\"op\":\"reload\"}'), \
                change_counters_bump(1, 1, 1)",
    )
    .execute(conn)
    .await?;
    Ok(())
}
