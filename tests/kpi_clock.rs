//! The KPI clock: a KPI load's schedule, advanced locally second by second,
//! gives exactly what a fresh load gives at every instant up to the horizon —
//! SLA deadlines falling due, creations and resolutions leaving the 7-day and
//! 30-day windows — including across midnight UTC, where the engine switches
//! between whole days from the summary and partial edge days from `bugs`.

use chrono::{DateTime, Duration, TimeZone, Utc};
use ctodash::db::kpis::{self, HORIZON, Kpis};
use ctodash::db::testing::TestDb;
use sqlx::PgPool;

/// 23:55 UTC: the 15-minute horizon crosses midnight.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 23, 55, 0).unwrap()
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

/// The clock-dependent figures.
fn clocked(k: &Kpis) -> (i64, i64, i64, i64, String, Option<f64>) {
    (
        k.sla_breached,
        k.sla_breached_deferred,
        k.opened_last_7d,
        k.resolved_last_7d,
        format!("{:.2}", k.sla_compliance_pct_30d),
        k.mean_time_to_resolve_hours,
    )
}

#[tokio::test]
async fn local_advancement_equals_a_fresh_load_at_every_second_across_midnight() {
    let db = TestDb::new().await;
    let p = &db.pool;
    let t0 = start();
    let (s, m, h, d) = (
        Duration::seconds,
        Duration::minutes,
        Duration::hours,
        Duration::days,
    );
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    // Critical SLA is 4 h: deadlines at t0 exactly, +1 s, +3 min, midnight, +14 min 59 s.
    for due in [s(0), s(1), m(3), m(5), m(5), m(14) + s(59)] {
        insert(p, next(), "critical", "pending", t0 + due - h(4), None).await;
    }
    // A deferred one falling due at midnight, and one past the horizon.
    insert(p, next(), "critical", "deferred", t0 + m(5) - h(4), None).await;
    insert(p, next(), "critical", "verified", t0 + m(16) - h(4), None).await;
    // Already breached, and a resolved one whose deadline passes (not open).
    insert(p, next(), "high", "in_progress", t0 - d(2), None).await;
    insert(
        p,
        next(),
        "critical",
        "closed",
        t0 + m(2) - h(4),
        Some(t0 - h(1)),
    )
    .await;
    // Creations leaving the 7-day window: at t0 exactly (already out), t0+1 s,
    // at midnight, and after the horizon.
    for age in [s(0), -s(1), -m(5), -m(20)] {
        insert(p, next(), "low", "pending", t0 - d(7) - age, None).await;
    }
    // Resolutions leaving the 7-day window (one within SLA, one not), one at
    // midnight 30 days back, one just before the 30-day edge, several inside.
    let r7 = t0 - d(7) + m(2);
    insert(p, next(), "high", "closed", r7 - h(3), Some(r7)).await;
    insert(p, next(), "high", "shipped", r7 - h(30), Some(r7 + m(6))).await;
    let r30 = t0 - d(30);
    insert(
        p,
        next(),
        "medium",
        "closed",
        r30 - h(100),
        Some(r30 + m(5)),
    )
    .await;
    insert(p, next(), "medium", "closed", r30 - h(10), Some(r30 + s(1))).await;
    insert(p, next(), "low", "shipped", r30 - h(1), Some(r30 + m(9))).await;
    insert(p, next(), "low", "closed", t0 - d(3), Some(t0 - d(2))).await;
    insert(p, next(), "critical", "closed", t0 - h(9), Some(t0 - h(2))).await;

    let mut conn = p.acquire().await.unwrap();
    let (mut live, mut clock) = kpis::load_live(&mut conn, t0).await.unwrap();
    assert_eq!(live, kpis::load(&mut conn, t0).await.unwrap());
    assert_eq!(clock.horizon, Some(t0 + HORIZON));
    let mut changes = 0;
    let mut t = t0;
    while t < t0 + HORIZON {
        t += s(1);
        let before = clocked(&live);
        let moved = clock.advance(&mut live, t);
        let fresh = kpis::load(&mut conn, t).await.unwrap();
        assert_eq!(clocked(&live), clocked(&fresh), "at {t}");
        assert_eq!(moved.changed, before != clocked(&live), "at {t}");
        changes += usize::from(moved.changed);
        assert_eq!(moved.expired, t == t0 + HORIZON);
    }
    // The fixture really moved the figures: each deadline, exit and edge.
    assert!(changes >= 8, "only {changes} changes");
    assert_eq!(clock.horizon, None, "asks for a fresh read once");
}

#[tokio::test]
async fn an_empty_database_schedules_nothing_but_the_horizon() {
    let db = TestDb::new().await;
    let mut conn = db.pool.acquire().await.unwrap();
    let (_, clock) = kpis::load_live(&mut conn, start()).await.unwrap();
    assert!(clock.events.is_empty());
    assert_eq!(clock.horizon, Some(start() + HORIZON));
}
