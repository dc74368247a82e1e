//! Demo data: complete, consistent with the schema's rules, and deterministic.

use ctodash::db::testing::TestDb;
use ctodash::seed::{self, SeedError, SeedOptions};
use sqlx::PgPool;

fn opts(bugs: u64, seed: u64) -> SeedOptions {
    SeedOptions {
        bugs,
        projects: Some(15),
        users: Some(20),
        seed,
        reset: false,
    }
}

async fn scalar(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn fingerprint(pool: &PgPool) -> String {
    sqlx::query_scalar(
        "SELECT md5(string_agg(id::text || bug_number || title || severity || coalesce(assigned_to::text, ''), \
         ',' ORDER BY bug_number)) FROM bugs",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn index_count(pool: &PgPool) -> i64 {
    scalar(
        pool,
        "SELECT count(*) FROM pg_indexes WHERE tablename IN ('bugs', 'bug_history')",
    )
    .await
}

#[tokio::test]
async fn seed_loads_consistent_data_and_refuses_to_overwrite() {
    let db = TestDb::new().await;
    let p = &db.pool;
    let indexes_before = index_count(p).await;
    let foreign_keys = "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated \
         AND conrelid IN ('bugs'::regclass, 'bug_history'::regclass)";
    let keys_before = scalar(p, foreign_keys).await;
    assert_eq!(keys_before, 5);
    let report = seed::run(p, &opts(60_000, 5)).await.unwrap();
    assert_eq!(report.bugs, 60_000);
    assert_eq!(scalar(p, "SELECT count(*) FROM bugs").await, 60_000);
    assert_eq!(scalar(p, "SELECT count(*) FROM users").await, 20);
    assert_eq!(scalar(p, "SELECT count(*) FROM projects").await, 15);
    assert_eq!(
        scalar(p, "SELECT count(*) FROM bug_history").await,
        report.history_rows as i64
    );
    assert_eq!(
        index_count(p).await,
        indexes_before,
        "every dropped index is rebuilt"
    );

    // Realistic shape: mostly resolved, a tail of open bugs, some breaches and blockers.
    let open = scalar(
        p,
        "SELECT count(*) FROM bugs WHERE status NOT IN ('shipped','closed')",
    )
    .await;
    assert!((600..15_000).contains(&open), "open bugs: {open}");
    assert!(scalar(p, "SELECT count(*) FROM bugs WHERE status IN ('pending','in_progress','verified') AND sla_due_at < now()").await > 0);
    assert!(
        scalar(
            p,
            "SELECT count(*) FROM bugs WHERE is_blocker AND status NOT IN ('shipped','closed')"
        )
        .await
            > 0
    );
    assert!(
        scalar(p, "SELECT count(*) FROM bugs WHERE title ~ '[^[:ascii:]]'").await > 0,
        "unicode titles"
    );

    // The schema's own rules hold for generated rows.
    assert_eq!(scalar(p, "SELECT count(*) FROM bugs WHERE (resolved_at IS NULL) = (status IN ('shipped','closed'))").await, 0);
    assert_eq!(
        scalar(
            p,
            "SELECT count(*) FROM bugs WHERE sla_hours <> sla_hours_for(severity)"
        )
        .await,
        0
    );
    assert_eq!(scalar(p, "SELECT count(*) FROM bugs WHERE sla_due_at <> created_at + make_interval(hours => sla_hours)").await, 0);
    // History agrees with each bug's current status.
    assert_eq!(
        scalar(
            p,
            "SELECT count(*) FROM bugs b LEFT JOIN LATERAL ( \
               SELECT new_value FROM bug_history h WHERE h.bug_id = b.id \
               ORDER BY changed_at DESC, CASE new_value WHEN 'closed' THEN 0 ELSE 1 END LIMIT 1) last ON true \
             WHERE coalesce(last.new_value, 'pending') <> b.status::text"
        )
        .await,
        0
    );
    // The summary table matches the rows.
    assert_eq!(
        scalar(
            p,
            "SELECT count(*) FROM (SELECT severity, status, is_blocker, count(*)::bigint FROM bugs GROUP BY 1,2,3 \
             EXCEPT SELECT severity, status, is_blocker, bug_count FROM bug_stats) d"
        )
        .await,
        0
    );
    assert_eq!(scalar(p, "SELECT count(*) FROM monthly_metrics").await, 12);
    assert!(scalar(p, "SELECT count(*) FROM portfolio_metrics").await >= 12);
    assert_eq!(
        scalar(p, "SELECT count(*) FROM project_metrics").await,
        15 * 12
    );
    assert_eq!(
        scalar(
            p,
            "SELECT count(*) FROM project_metrics WHERE health_score NOT BETWEEN 0 AND 100"
        )
        .await,
        0
    );

    // Foreign keys and triggers are back on after the load.
    assert_eq!(
        scalar(p, foreign_keys).await,
        keys_before,
        "foreign keys restored"
    );
    let orphan = sqlx::query("UPDATE bugs SET assigned_to = gen_random_uuid() WHERE bug_number = (SELECT min(bug_number) FROM bugs)")
        .execute(p)
        .await
        .expect_err("a bug assigned to no user");
    assert!(orphan.to_string().contains("foreign key"), "{orphan}");
    let changed = sqlx::query(
        "UPDATE bugs SET status = 'deferred' WHERE bug_number = \
         (SELECT min(bug_number) FROM bugs WHERE status <> 'deferred')",
    )
    .execute(p)
    .await
    .unwrap()
    .rows_affected();
    assert_eq!(changed, 1);
    let history_after = scalar(p, "SELECT count(*) FROM bug_history").await;
    assert_eq!(
        history_after,
        report.history_rows as i64 + 1,
        "the history trigger fired"
    );
    let stats_total = scalar(
        p,
        "SELECT sum(bug_count)::bigint FROM bug_stats WHERE status = 'deferred'",
    )
    .await;
    let deferred = scalar(p, "SELECT count(*) FROM bugs WHERE status = 'deferred'").await;
    assert_eq!(stats_total, deferred, "the summary trigger fired");

    match seed::run(p, &opts(10, 5)).await {
        Err(e @ SeedError::NotEmpty { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("--reset"), "{msg}");
            assert!(msg.contains("60000 bugs"), "{msg}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(
        scalar(p, "SELECT count(*) FROM bugs").await,
        60_000,
        "refusal writes nothing"
    );
}

#[tokio::test]
async fn same_seed_gives_same_rows_and_reset_replaces() {
    let a = TestDb::new().await;
    let b = TestDb::new().await;
    seed::run(&a.pool, &opts(3_000, 42)).await.unwrap();
    seed::run(&b.pool, &opts(3_000, 42)).await.unwrap();
    assert_eq!(fingerprint(&a.pool).await, fingerprint(&b.pool).await);

    let mut other = opts(2_000, 43);
    other.reset = true;
    seed::run(&b.pool, &other).await.unwrap();
    assert_eq!(scalar(&b.pool, "SELECT count(*) FROM bugs").await, 2_000);
    assert_ne!(fingerprint(&a.pool).await, fingerprint(&b.pool).await);
}
