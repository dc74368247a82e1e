//! The database enforces the contract for every writer, not just ctodash.

use ctodash::db::migrate::{self, SchemaState};
use ctodash::db::testing::TestDb;
use sqlx::PgPool;
use uuid::Uuid;

async fn user(pool: &PgPool, email: &str) -> Uuid {
    sqlx::query_scalar("INSERT INTO users (email, name) VALUES ($1, 'Test User') RETURNING id")
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn project(pool: &PgPool) -> Uuid {
    sqlx::query_scalar("INSERT INTO projects (name) VALUES ('P') RETURNING id")
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn bug(pool: &PgPool, number: &str, severity: &str) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO bugs (bug_number, title, severity) VALUES ($1, 'A bug', $2::bug_severity) RETURNING id",
    )
    .bind(number)
    .bind(severity)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The constraint a failed statement tripped over.
async fn violated(pool: &PgPool, sql: &'static str) -> String {
    let err = sqlx::query(sql)
        .execute(pool)
        .await
        .expect_err("the row must be rejected");
    err.as_database_error()
        .and_then(|e| e.constraint().map(str::to_string))
        .unwrap_or_else(|| panic!("not a constraint error: {err}"))
}

#[tokio::test]
async fn fresh_schema_is_current_and_migrating_again_does_nothing() {
    let db = TestDb::new().await;
    assert_eq!(
        migrate::state(&db.pool).await.unwrap(),
        SchemaState::Current
    );
    assert_eq!(migrate::run(&db.pool).await.unwrap(), 0);
}

#[tokio::test]
async fn check_and_unique_constraints_reject_bad_rows() {
    let db = TestDb::new().await;
    let p = &db.pool;
    assert_eq!(
        violated(p, "INSERT INTO projects (name, complexity) VALUES ('x', 6)").await,
        "projects_complexity_check"
    );
    assert_eq!(
        violated(
            p,
            "INSERT INTO projects (name, client_appeal) VALUES ('x', 11)"
        )
        .await,
        "projects_client_appeal_check"
    );
    assert_eq!(
        violated(p, "INSERT INTO projects (name, stars) VALUES ('x', -1)").await,
        "projects_stars_check"
    );
    // The insert trigger computes the priority, so a writer can only set it by update.
    bug(p, "BUG-1", "low").await;
    assert_eq!(
        violated(
            p,
            "UPDATE bugs SET priority_score = 101 WHERE bug_number = 'BUG-1'"
        )
        .await,
        "bugs_priority_score_check"
    );
    assert_eq!(
        violated(
            p,
            "INSERT INTO bugs (bug_number, title, severity) VALUES ('1001', 't', 'low')"
        )
        .await,
        "bugs_bug_number_check"
    );
    let pid = project(p).await;
    let err = sqlx::query("INSERT INTO project_metrics (project_id, date, health_score) VALUES ($1, current_date, 101)")
        .bind(pid)
        .execute(p)
        .await
        .unwrap_err();
    assert_eq!(
        err.as_database_error().unwrap().constraint(),
        Some("project_metrics_health_score_check")
    );

    bug(p, "BUG-1001", "high").await;
    assert_eq!(
        violated(
            p,
            "INSERT INTO bugs (bug_number, title, severity) VALUES ('BUG-1001', 'again', 'low')"
        )
        .await,
        "bugs_bug_number_key"
    );
    user(p, "dup@example.com").await;
    assert_eq!(
        violated(
            p,
            "INSERT INTO users (email, name) VALUES ('dup@example.com', 'Other')"
        )
        .await,
        "users_email_key"
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM bugs")
        .fetch_one(p)
        .await
        .unwrap();
    assert_eq!(count, 2, "rejected rows must leave nothing behind");
}

#[tokio::test]
async fn plain_sql_update_logs_exactly_one_history_row_per_changed_field() {
    let db = TestDb::new().await;
    let p = &db.pool;
    let id = bug(p, "BUG-2001", "high").await;
    let u = user(p, "eng@example.com").await;

    sqlx::query("UPDATE bugs SET status = 'in_progress' WHERE id = $1")
        .bind(id)
        .execute(p)
        .await
        .unwrap();
    type Logged = (String, Option<String>, Option<String>, Option<Uuid>);
    let rows: Vec<Logged> = sqlx::query_as(
        "SELECT field_changed, old_value, new_value, changed_by FROM bug_history WHERE bug_id = $1",
    )
    .bind(id)
    .fetch_all(p)
    .await
    .unwrap();
    assert_eq!(
        rows,
        vec![(
            "status".into(),
            Some("pending".into()),
            Some("in_progress".into()),
            None
        )]
    );

    // Setting a field to its current value, or touching columns people do not
    // edit (every edited field has history since migration 0012), logs nothing.
    sqlx::query("UPDATE bugs SET status = 'in_progress', business_impact = 'Churn' WHERE id = $1")
        .bind(id)
        .execute(p)
        .await
        .unwrap();
    // Two fields in one statement: one row each.
    sqlx::query("UPDATE bugs SET severity = 'critical', assigned_to = $2 WHERE id = $1")
        .bind(id)
        .bind(u)
        .execute(p)
        .await
        .unwrap();
    let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT field_changed, old_value, new_value FROM bug_history WHERE bug_id = $1 ORDER BY field_changed",
    )
    .bind(id)
    .fetch_all(p)
    .await
    .unwrap();
    assert_eq!(
        rows,
        vec![
            ("assigned_to".into(), None, Some(u.to_string())),
            (
                "severity".into(),
                Some("high".into()),
                Some("critical".into())
            ),
            (
                "status".into(),
                Some("pending".into()),
                Some("in_progress".into())
            ),
        ]
    );
}

#[tokio::test]
async fn declared_actor_is_recorded_and_is_transaction_local() {
    let db = TestDb::new().await;
    let p = &db.pool;
    let id = bug(p, "BUG-3001", "medium").await;
    let actor = user(p, "actor@example.com").await;

    let mut tx = p.begin().await.unwrap();
    sqlx::query("SELECT set_config('ctodash.actor', $1, true)")
        .bind(actor.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE bugs SET status = 'deferred' WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    sqlx::query("UPDATE bugs SET status = 'pending' WHERE id = $1")
        .bind(id)
        .execute(p)
        .await
        .unwrap();
    let actors: Vec<(Option<String>, Option<Uuid>)> = sqlx::query_as(
        "SELECT new_value, changed_by FROM bug_history WHERE bug_id = $1 ORDER BY changed_at, new_value DESC",
    )
    .bind(id)
    .fetch_all(p)
    .await
    .unwrap();
    assert_eq!(
        actors,
        vec![
            (Some("deferred".into()), Some(actor)),
            (Some("pending".into()), None)
        ]
    );
}

#[tokio::test]
async fn sla_resolved_at_and_version_are_maintained() {
    let db = TestDb::new().await;
    let p = &db.pool;
    let id = bug(p, "BUG-4001", "critical").await;
    let read = || async {
        sqlx::query_as::<_, (i32, bool, i64, f64)>(
            "SELECT sla_hours, resolved_at IS NOT NULL, version, \
             extract(epoch FROM sla_due_at - created_at)::float8 / 3600 FROM bugs WHERE id = $1",
        )
        .bind(id)
        .fetch_one(p)
        .await
        .unwrap()
    };
    assert_eq!(read().await, (4, false, 1, 4.0));
    sqlx::query("UPDATE bugs SET severity = 'low' WHERE id = $1")
        .bind(id)
        .execute(p)
        .await
        .unwrap();
    assert_eq!(read().await, (720, false, 2, 720.0));
    sqlx::query("UPDATE bugs SET status = 'shipped' WHERE id = $1")
        .bind(id)
        .execute(p)
        .await
        .unwrap();
    assert_eq!(read().await, (720, true, 3, 720.0));
    sqlx::query("UPDATE bugs SET status = 'in_progress' WHERE id = $1")
        .bind(id)
        .execute(p)
        .await
        .unwrap();
    assert_eq!(
        read().await,
        (720, false, 4, 720.0),
        "reopening clears resolved_at"
    );
}

#[tokio::test]
async fn summary_table_follows_inserts_updates_deletes_and_truncate() {
    let db = TestDb::new().await;
    let p = &db.pool;
    let a = bug(p, "BUG-5001", "critical").await;
    bug(p, "BUG-5002", "critical").await;
    sqlx::query("UPDATE bugs SET status = 'closed', actual_hours = 3 WHERE id = $1")
        .bind(a)
        .execute(p)
        .await
        .unwrap();
    let check = || async {
        let drift: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM ( \
               SELECT severity, status, is_blocker, count(*)::bigint AS n, \
                      coalesce(sum(actual_hours), 0) AS h FROM bugs GROUP BY 1, 2, 3 \
               EXCEPT SELECT severity, status, is_blocker, bug_count, actual_hours \
                      FROM bug_stats WHERE bug_count <> 0) d",
        )
        .fetch_one(p)
        .await
        .unwrap();
        assert_eq!(drift, 0, "bug_stats disagrees with bugs");
    };
    check().await;
    sqlx::query("DELETE FROM bugs WHERE id = $1")
        .bind(a)
        .execute(p)
        .await
        .unwrap();
    check().await;
    sqlx::query("TRUNCATE bugs CASCADE")
        .execute(p)
        .await
        .unwrap();
    let left: i64 = sqlx::query_scalar("SELECT coalesce(sum(bug_count), 0)::bigint FROM bug_stats")
        .fetch_one(p)
        .await
        .unwrap();
    assert_eq!(left, 0);
}
