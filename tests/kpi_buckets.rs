//! The hourly KPI summaries of migration 0010: after every kind of write they
//! equal a recount from `bugs`, and the KPIs read from them equal the plain
//! definitions — at the windows' exact edges, at an SLA deadline to the
//! microsecond, around midnight UTC, and while the KPI clock advances locally
//! across an hour edge.

use chrono::{DateTime, Duration, TimeZone, Utc};
use ctodash::db::kpis::{self, HORIZON, Kpis};
use ctodash::db::testing::TestDb;
use ctodash::domain::{mean_hours_to_resolve, sla_compliance_pct};
use ctodash::seed::{self, SeedOptions};
use sqlx::PgPool;

fn at(d: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, d, h, m, s).unwrap()
}

async fn insert(
    pool: &PgPool,
    n: u32,
    sev: &str,
    status: &str,
    created: DateTime<Utc>,
    resolved: Option<DateTime<Utc>>,
) {
    sqlx::query(
        "INSERT INTO bugs (bug_number, title, severity, status, created_at, resolved_at) \
         VALUES ($1, 'fixture', $2::bug_severity, $3::bug_status, $4, $5)",
    )
    .bind(format!("BUG-{n}"))
    .bind(sev)
    .bind(status)
    .bind(created)
    .bind(resolved)
    .execute(pool)
    .await
    .unwrap();
}

async fn exec(pool: &PgPool, sql: &'static str) {
    sqlx::query(sql).execute(pool).await.unwrap();
}

/// Rows where a summary and a recount from `bugs` disagree (zero rows in the
/// summary are the same as absent ones).
const DISAGREEMENTS: &str = "\
    WITH hourly AS ( \
        SELECT hour, sum(c) AS c, sum(r) AS r, sum(s) AS s, sum(w) AS w FROM ( \
            SELECT kpi_hour(created_at) AS hour, 1 AS c, 0 AS r, 0::numeric AS s, 0 AS w \
            FROM bugs \
            UNION ALL \
            SELECT kpi_hour(resolved_at), 0, 1, extract(epoch FROM resolved_at - created_at), \
                   (resolved_at <= sla_due_at)::int FROM bugs WHERE resolved_at IS NOT NULL \
        ) d GROUP BY hour \
    ), kept AS ( \
        SELECT * FROM kpi_hourly \
        WHERE created <> 0 OR resolved <> 0 OR resolve_seconds <> 0 OR within_sla <> 0 \
    ), due AS ( \
        SELECT kpi_hour(sla_due_at) AS hour, status = 'deferred' AS deferred, count(*) AS n \
        FROM bugs WHERE status NOT IN ('shipped', 'closed') GROUP BY 1, 2 \
    ), kept_due AS (SELECT * FROM kpi_open_due_hourly WHERE open_count <> 0) \
    SELECT (SELECT count(*) FROM hourly h FULL JOIN kept k USING (hour) \
             WHERE h.c IS DISTINCT FROM k.created OR h.r IS DISTINCT FROM k.resolved \
                OR h.s IS DISTINCT FROM k.resolve_seconds OR h.w IS DISTINCT FROM k.within_sla) \
         + (SELECT count(*) FROM due d FULL JOIN kept_due k USING (hour, deferred) \
             WHERE d.n IS DISTINCT FROM k.open_count)";

async fn assert_buckets_agree(pool: &PgPool, after: &str) {
    let wrong: i64 = sqlx::query_scalar(DISAGREEMENTS)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(wrong, 0, "summaries disagree with bugs after {after}");
}

/// The clock-dependent KPIs by their plain definitions, straight from `bugs`.
const DEFINITIONS: &str = "\
    SELECT \
      count(*) FILTER (WHERE status NOT IN ('shipped', 'closed') AND sla_due_at < $1), \
      count(*) FILTER (WHERE status = 'deferred' AND sla_due_at < $1), \
      count(*) FILTER (WHERE created_at > $1 - interval '7 days' AND created_at <= $1), \
      count(*) FILTER (WHERE resolved_at > $1 - interval '7 days' AND resolved_at <= $1), \
      count(*) FILTER (WHERE resolved_at > $1 - interval '30 days' AND resolved_at <= $1), \
      count(*) FILTER (WHERE resolved_at > $1 - interval '30 days' AND resolved_at <= $1 \
                         AND resolved_at <= sla_due_at), \
      coalesce(sum(extract(epoch FROM resolved_at - created_at)) \
                 FILTER (WHERE resolved_at > $1 - interval '30 days' AND resolved_at <= $1), \
               0)::float8 \
    FROM bugs";

type Clocked = (i64, i64, i64, i64, String, Option<f64>);

fn clocked(k: &Kpis) -> Clocked {
    (
        k.sla_breached,
        k.sla_breached_deferred,
        k.opened_last_7d,
        k.resolved_last_7d,
        format!("{:.2}", k.sla_compliance_pct_30d),
        k.mean_time_to_resolve_hours,
    )
}

async fn defined(pool: &PgPool, now: DateTime<Utc>) -> Clocked {
    let (breached, deferred, opened, resolved, month, within, secs): (
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        f64,
    ) = sqlx::query_as(DEFINITIONS)
        .bind(now)
        .fetch_one(pool)
        .await
        .unwrap();
    (
        breached,
        deferred,
        opened,
        resolved,
        format!("{:.2}", sla_compliance_pct(within, month)),
        mean_hours_to_resolve(secs, month),
    )
}

async fn assert_kpis_defined(pool: &PgPool, now: DateTime<Utc>) {
    let mut conn = pool.acquire().await.unwrap();
    let k = kpis::load(&mut conn, now).await.unwrap();
    assert_eq!(clocked(&k), defined(pool, now).await, "at {now}");
}

#[tokio::test]
async fn buckets_follow_every_kind_of_write() {
    let db = TestDb::new().await;
    let p = &db.pool;
    let now = at(15, 12, 0, 0);
    let (h, d) = (Duration::hours, Duration::days);
    // One statement of many rows, as an import writes them.
    sqlx::query(
        "INSERT INTO bugs (bug_number, title, severity, status, created_at, resolved_at) \
         SELECT 'BUG-' || i, 'bulk ' || i, \
                (ARRAY['critical', 'high', 'medium', 'low'])[1 + i % 4]::bug_severity, \
                (ARRAY['pending', 'in_progress', 'verified', 'shipped', 'closed', \
                       'deferred'])[1 + i % 6]::bug_status, \
                $1 - make_interval(mins => i * 37), \
                CASE WHEN i % 6 IN (3, 4) THEN $1 - make_interval(mins => i * 11) END \
         FROM generate_series(1, 600) i",
    )
    .bind(now)
    .execute(p)
    .await
    .unwrap();
    assert_buckets_agree(p, "a bulk insert").await;
    assert_kpis_defined(p, now).await;

    let rows = |t: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {t}")))
            .fetch_one(p)
            .await
            .unwrap()
    };
    let before = (rows("kpi_hourly").await, rows("kpi_open_due_hourly").await);
    exec(p, "UPDATE bugs SET title = title || ' (edited)'").await;
    assert_eq!(
        (rows("kpi_hourly").await, rows("kpi_open_due_hourly").await),
        before,
        "a title edit moves no bucket"
    );

    let steps: [(&str, &'static str); 7] = [
        (
            "closing open bugs",
            "UPDATE bugs SET status = 'closed' WHERE status = 'pending' AND id IN \
             (SELECT id FROM bugs WHERE status = 'pending' ORDER BY created_at LIMIT 40)",
        ),
        (
            "reopening resolved bugs",
            "UPDATE bugs SET status = 'in_progress' WHERE id IN \
             (SELECT id FROM bugs WHERE status = 'shipped' ORDER BY created_at DESC LIMIT 30)",
        ),
        (
            "severity changes (moving the SLA deadline)",
            "UPDATE bugs SET severity = 'critical' WHERE severity = 'low' AND id IN \
             (SELECT id FROM bugs WHERE severity = 'low' ORDER BY created_at DESC LIMIT 50)",
        ),
        (
            "deferring",
            "UPDATE bugs SET status = 'deferred' WHERE status = 'verified'",
        ),
        (
            "un-deferring",
            "UPDATE bugs SET status = 'pending' WHERE status = 'deferred' AND id IN \
             (SELECT id FROM bugs WHERE status = 'deferred' ORDER BY created_at LIMIT 25)",
        ),
        (
            "moving creation times",
            "UPDATE bugs SET created_at = created_at - interval '90 minutes' \
             WHERE bug_number LIKE 'BUG-1%'",
        ),
        (
            "deleting",
            "DELETE FROM bugs WHERE bug_number LIKE 'BUG-2%'",
        ),
    ];
    for (what, sql) in steps {
        exec(p, sql).await;
        assert_buckets_agree(p, what).await;
        for t in [now, now + h(5), now - d(2), now + d(7) + h(1)] {
            assert_kpis_defined(p, t).await;
        }
    }
    exec(p, "TRUNCATE bugs CASCADE").await;
    assert_eq!(
        (rows("kpi_hourly").await, rows("kpi_open_due_hourly").await),
        (0, 0)
    );
}

#[tokio::test]
async fn a_writer_in_a_half_hour_time_zone_fills_utc_hours() {
    let db = TestDb::new().await;
    let p = &db.pool;
    let now = at(15, 12, 0, 0);
    let mut conn = db.conn().await;
    // UTC+05:45: a session-local date_trunc would cut hours at :15 UTC.
    sqlx::query("SET TIME ZONE 'Asia/Kathmandu'")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO bugs (bug_number, title, severity, status, created_at, resolved_at) \
         SELECT 'BUG-' || i, 't', 'critical', \
                CASE WHEN i % 2 = 0 THEN 'closed' ELSE 'pending' END::bug_status, \
                $1 - make_interval(mins => i * 7), \
                CASE WHEN i % 2 = 0 THEN $1 - make_interval(mins => i * 3) END \
         FROM generate_series(1, 200) i",
    )
    .bind(now)
    .execute(&mut conn)
    .await
    .unwrap();
    assert_buckets_agree(p, "a +05:45 writer").await;
    // The reader's zone does not matter either.
    for t in [
        now,
        now - Duration::minutes(50),
        now + Duration::minutes(20),
    ] {
        let k = kpis::load(&mut conn, t).await.unwrap();
        assert_eq!(clocked(&k), defined(p, t).await, "at {t}");
    }
}

/// Bugs exactly at, and one microsecond either side of, every edge of the
/// windows and of the SLA deadline for each `now`.
async fn edge_fixture(pool: &PgPool, nows: &[DateTime<Utc>]) {
    let us = Duration::microseconds;
    let (h, d) = (Duration::hours, Duration::days);
    let mut n = 0;
    for &now in nows {
        for nudge in [us(-1), us(0), us(1)] {
            // Critical SLA is 4 h: deadlines at now ± 1 µs.
            for status in ["pending", "deferred", "verified"] {
                n += 1;
                insert(pool, n, "critical", status, now - h(4) + nudge, None).await;
            }
            // Created at the 7-day edge, and at now itself.
            n += 1;
            insert(pool, n, "low", "in_progress", now - d(7) + nudge, None).await;
            n += 1;
            insert(pool, n, "low", "pending", now + nudge, None).await;
            // Resolved at the 7-day and 30-day edges and at now, within SLA
            // and not.
            for (edge, age) in [(d(7), h(3)), (d(30), h(30)), (d(0), h(2))] {
                n += 1;
                let r = now - edge + nudge;
                insert(pool, n, "high", "closed", r - age, Some(r)).await;
            }
        }
    }
}

#[tokio::test]
async fn window_and_deadline_edges_match_the_definitions_around_midnight() {
    let db = TestDb::new().await;
    let p = &db.pool;
    let nows = [
        at(15, 23, 59, 59),
        at(16, 0, 0, 0),
        at(16, 12, 0, 0),
        at(16, 13, 27, 41) + Duration::microseconds(123_456),
    ];
    edge_fixture(p, &nows).await;
    assert_buckets_agree(p, "the edge fixture").await;
    let us = Duration::microseconds;
    for now in nows {
        for t in [now - us(1), now, now + us(1)] {
            assert_kpis_defined(p, t).await;
        }
    }
    // The fixture really sits on the edges: at 00:00:00 the bug due exactly
    // then is not yet breached, the one a microsecond earlier is.
    let mut conn = db.conn().await;
    let midnight = at(16, 0, 0, 0);
    let k0 = kpis::load(&mut conn, midnight).await.unwrap();
    let k1 = kpis::load(&mut conn, midnight + us(1)).await.unwrap();
    assert_eq!(
        k1.sla_breached,
        k0.sla_breached + 3,
        "three deadlines at 00:00:00"
    );
    assert_eq!(k1.sla_breached_deferred, k0.sla_breached_deferred + 1);
}

#[tokio::test]
async fn the_local_clock_crosses_an_hour_edge_exactly() {
    let db = TestDb::new().await;
    let p = &db.pool;
    // 10:52: the horizon (15 min) crosses 11:00, an hour bucket's edge.
    let t0 = at(15, 10, 52, 0);
    let (s, m, h, d) = (
        Duration::seconds,
        Duration::minutes,
        Duration::hours,
        Duration::days,
    );
    let edge = at(15, 11, 0, 0);
    let mut n = 0;
    for off in [-s(1), s(0), s(1), m(4)] {
        let at = edge + off;
        for (sev, status) in [("critical", "pending"), ("critical", "deferred")] {
            n += 1;
            insert(p, n, sev, status, at - h(4), None).await;
        }
        n += 1;
        insert(p, n, "medium", "pending", at - d(7), None).await;
        n += 1;
        insert(p, n, "high", "closed", at - d(7) - h(5), Some(at - d(7))).await;
        n += 1;
        insert(
            p,
            n,
            "low",
            "shipped",
            at - d(30) - h(900),
            Some(at - d(30)),
        )
        .await;
    }
    // Inside every window throughout, in the buckets on both sides of the edge.
    for back in [m(30), h(2), d(3)] {
        n += 1;
        insert(p, n, "high", "closed", t0 - back - h(10), Some(t0 - back)).await;
    }
    let mut conn = db.conn().await;
    let (mut live, mut clock) = kpis::load_live(&mut conn, t0).await.unwrap();
    let mut changes = 0;
    let mut t = t0;
    while t < t0 + HORIZON {
        t += s(1);
        let before = clocked(&live);
        clock.advance(&mut live, t);
        changes += usize::from(before != clocked(&live));
        assert_eq!(clocked(&live), defined(p, t).await, "advanced to {t}");
    }
    assert!(changes >= 4, "only {changes} changes");
}

#[tokio::test]
async fn seed_leaves_the_buckets_exact() {
    let db = TestDb::new().await;
    let p = &db.pool;
    let opts = SeedOptions {
        bugs: 3_000,
        projects: None,
        users: None,
        seed: 11,
        reset: true,
    };
    seed::run(p, &opts).await.unwrap();
    assert_buckets_agree(p, "seed").await;
    let now = Utc::now();
    assert_kpis_defined(p, now).await;
    // Triggers are back on after the bulk load: an edit keeps them exact.
    exec(
        p,
        "UPDATE bugs SET status = 'closed' WHERE id IN \
         (SELECT id FROM bugs WHERE status = 'pending' LIMIT 20)",
    )
    .await;
    assert_buckets_agree(p, "an edit after seed").await;
}
