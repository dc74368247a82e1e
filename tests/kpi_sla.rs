//! SLA breaches and SLA compliance in the KPI engine, at their boundaries, with
//! the answers worked out by hand; and the bug list's "SLA breached" and status
//! filters count exactly the bugs the KPIs count.

use chrono::{DateTime, Duration, TimeZone, Utc};
use ctodash::db::bugs;
use ctodash::db::kpis;
use ctodash::db::testing::TestDb;
use ctodash::domain::BugStatus;
use ctodash::query::{BugFilter, BugQuery, StatusFilter};
use sqlx::PgPool;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
}

/// A bug created `age` before now, resolved `resolved_ago` before now (if so).
async fn insert(
    pool: &PgPool,
    n: u32,
    sev: &str,
    status: &str,
    age: Duration,
    resolved_ago: Option<Duration>,
) {
    sqlx::query(
        "INSERT INTO bugs (bug_number, title, severity, status, created_at, resolved_at) \
         VALUES ($1, 'fixture', $2::bug_severity, $3::bug_status, $4, $5)",
    )
    .bind(format!("BUG-{n}"))
    .bind(sev)
    .bind(status)
    .bind(now() - age)
    .bind(resolved_ago.map(|d| now() - d))
    .execute(pool)
    .await
    .unwrap();
}

async fn exec(pool: &PgPool, sql: &'static str) {
    sqlx::query(sql).execute(pool).await.unwrap();
}

/// The resolutions summary as the triggers left it, then as a rebuild makes it.
async fn summary_agrees_with_rebuild(pool: &PgPool) {
    type Day = (chrono::NaiveDate, i64, i64);
    let read = || async {
        sqlx::query_as::<_, Day>(
            "SELECT day, resolved, within_sla FROM bug_resolutions_daily \
             WHERE resolved <> 0 OR within_sla <> 0 ORDER BY day",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    };
    let kept = read().await;
    exec(pool, "SELECT bug_resolutions_rebuild()").await;
    assert_eq!(kept, read().await, "trigger-kept summary = rebuilt summary");
}

#[tokio::test]
async fn compliance_counts_a_bug_resolved_exactly_at_its_sla_as_within() {
    let db = TestDb::new().await;
    let p = &db.pool;
    let h = Duration::hours;
    let d = Duration::days;
    let s = Duration::seconds;
    // now = 06-15 12:00; the 30-day window is (05-16 12:00, 06-15 12:00].
    // 1 critical: 4 h exactly, resolved today (the window's last, partial day): within.
    insert(p, 1, "critical", "closed", h(10), Some(h(6))).await;
    // 2 critical: 4 h 1 s, resolved today: missed.
    insert(p, 2, "critical", "closed", h(10), Some(h(6) - s(1))).await;
    // 3 high: 24 h exactly, resolved 4 days ago (a whole day): within.
    insert(p, 3, "high", "shipped", d(5), Some(d(4))).await;
    // 4 high: 24 h 1 s, resolved 4 days ago: missed.
    insert(p, 4, "high", "shipped", d(5) + s(1), Some(d(4))).await;
    // 5 medium: 25 h ≤ 72 h, resolved 05-16 13:00 (the first, partial day): within.
    insert(p, 5, "medium", "closed", d(31), Some(d(30) - h(1))).await;
    // 6 low: 800 h > 720 h, resolved 40 days ago (outside the window): missed.
    insert(p, 6, "low", "closed", d(40) + h(800), Some(d(40))).await;
    // 7 low: 720 h exactly, resolved 45 days ago (outside the window): within.
    insert(p, 7, "low", "closed", d(75), Some(d(45))).await;
    // Open bugs never count towards compliance.
    insert(p, 8, "critical", "pending", d(3), None).await;

    let mut conn = db.conn().await;
    let k = kpis::load(&mut conn, now()).await.unwrap();
    // All time: within 1, 3, 5, 7 of 7 resolved = 57.142… %
    assert_eq!(k.sla_compliance_pct, 57.14);
    // Last 30 days: within 1, 3, 5 of 1–5 = 60 %
    assert_eq!(k.sla_compliance_pct_30d, 60.0);
    // (4 + 4 + 24 + 24 + 25 + 800 + 720) h (+ 2 s) / 7 = 228.71 h
    assert_eq!(k.mean_time_to_resolve_hours_all, Some(228.7));
    summary_agrees_with_rebuild(p).await;

    // Giving bug 2 five SLA hours makes its 4 h 1 s within: the update trigger
    // moves only the within count.
    exec(
        p,
        "UPDATE bugs SET sla_hours = 5 WHERE bug_number = 'BUG-2'",
    )
    .await;
    let k = kpis::load(&mut conn, now()).await.unwrap();
    assert_eq!(k.sla_compliance_pct, 71.43); // 5 of 7
    assert_eq!(k.sla_compliance_pct_30d, 80.0); // 4 of 5
    summary_agrees_with_rebuild(p).await;

    // Reopening bug 3 takes it out; deleting bug 7 too.
    exec(
        p,
        "UPDATE bugs SET status = 'in_progress' WHERE bug_number = 'BUG-3'",
    )
    .await;
    exec(p, "DELETE FROM bugs WHERE bug_number = 'BUG-7'").await;
    let k = kpis::load(&mut conn, now()).await.unwrap();
    // All time: within 1, 2, 5 of 1, 2, 4, 5, 6 = 60 %; 30 days: 1, 2, 5 of 1, 2, 4, 5 = 75 %
    assert_eq!(k.sla_compliance_pct, 60.0);
    assert_eq!(k.sla_compliance_pct_30d, 75.0);
    summary_agrees_with_rebuild(p).await;
}

#[tokio::test]
async fn deferred_bugs_breach_from_one_second_past_their_deadline() {
    let db = TestDb::new().await;
    let p = &db.pool;
    let h = Duration::hours;
    let s = Duration::seconds;
    // Exactly at the deadline is not a breach, one second past it is, deferred or not.
    insert(p, 1, "critical", "deferred", h(4), None).await;
    insert(p, 2, "critical", "deferred", h(4) + s(1), None).await;
    insert(p, 3, "high", "pending", h(24), None).await;
    insert(p, 4, "high", "verified", h(24) + s(1), None).await;
    insert(p, 5, "medium", "deferred", h(500), None).await;
    // Resolved bugs never breach, however old.
    insert(p, 6, "critical", "closed", h(500), Some(h(1))).await;
    let mut conn = db.conn().await;
    let k = kpis::load(&mut conn, now()).await.unwrap();
    assert_eq!(k.sla_breached, 3); // 2, 4, 5
    assert_eq!(k.sla_breached_deferred, 2); // 2, 5
}

/// The "drill-down" promise: what the KPIs count, the bug list's filters list.
#[tokio::test]
async fn list_filters_count_exactly_the_bugs_the_kpis_count() {
    let db = TestDb::new().await;
    let p = &db.pool;
    let h = Duration::hours;
    let d = Duration::days;
    let statuses = [
        "pending",
        "in_progress",
        "verified",
        "shipped",
        "closed",
        "deferred",
    ];
    let mut n = 0;
    for (i, status) in statuses.iter().enumerate() {
        // Within SLA, two past it, and one past it by a month.
        for (sev, age) in [
            ("critical", h(3)),
            ("critical", h(5)),
            ("high", d(2)),
            ("low", d(40)),
        ] {
            let resolved = matches!(*status, "shipped" | "closed").then(|| h(1));
            // Vary the mix per status so no two counts are equal by accident.
            for _ in 0..=i {
                n += 1;
                insert(p, n, sev, status, age, resolved).await;
            }
        }
    }
    let mut conn = db.conn().await;
    let k = kpis::load(&mut conn, now()).await.unwrap();
    assert!(k.sla_breached_deferred > 0 && k.sla_breached > k.sla_breached_deferred);

    let count = |filter: BugFilter| BugQuery {
        filter,
        ..BugQuery::default()
    };
    let breached = count(BugFilter {
        status: StatusFilter::Open,
        sla_breached_only: true,
        ..BugFilter::default()
    });
    let got = bugs::count(&mut conn, &breached, now()).await.unwrap();
    assert_eq!(got.n as i64, k.sla_breached);
    let deferred = count(BugFilter {
        status: StatusFilter::Only(vec![BugStatus::Deferred]),
        sla_breached_only: true,
        ..BugFilter::default()
    });
    let got = bugs::count(&mut conn, &deferred, now()).await.unwrap();
    assert_eq!(got.n as i64, k.sla_breached_deferred);
    for status in BugStatus::ALL {
        let q = count(BugFilter {
            status: StatusFilter::Only(vec![status]),
            ..BugFilter::default()
        });
        let got = bugs::count(&mut conn, &q, now()).await.unwrap();
        assert_eq!(got.n as i64, k.by_status.get(status), "{status}");
    }
}
