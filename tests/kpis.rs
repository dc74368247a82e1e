//! The KPI engine against a fixture whose answers were worked out by hand
//! (the arithmetic is in the comments beside each expectation).

use chrono::{DateTime, Duration, TimeZone, Utc};
use ctodash::db::kpis::{self, ByStatus, OpenBySeverity};
use ctodash::db::testing::TestDb;
use rust_decimal_macros::dec;
use sqlx::PgPool;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
}

struct B {
    n: u32,
    sev: &'static str,
    status: &'static str,
    blocker: bool,
    rev: Option<rust_decimal::Decimal>,
    age: Duration,
    resolved_ago: Option<Duration>,
    actual: Option<rust_decimal::Decimal>,
}

async fn insert(pool: &PgPool, b: B) {
    sqlx::query(
        "INSERT INTO bugs (bug_number, title, severity, status, is_blocker, revenue_impact_daily, \
         created_at, resolved_at, actual_hours) \
         VALUES ($1, 'fixture', $2::bug_severity, $3::bug_status, $4, $5, $6, $7, $8)",
    )
    .bind(format!("BUG-{}", b.n))
    .bind(b.sev)
    .bind(b.status)
    .bind(b.blocker)
    .bind(b.rev)
    .bind(now() - b.age)
    .bind(b.resolved_ago.map(|d| now() - d))
    .bind(b.actual)
    .execute(pool)
    .await
    .unwrap();
}

async fn fixture(pool: &PgPool) {
    for (name, status, dcf, y3, infra, arr) in [
        (
            "P1",
            "active",
            Some(dec!(1000000)),
            Some(dec!(500000)),
            Some(dec!(1200.50)),
            Some(dec!(120000.50)),
        ),
        (
            "P2",
            "shipped",
            Some(dec!(2000000)),
            Some(dec!(750000)),
            Some(dec!(800)),
            Some(dec!(80000)),
        ),
        (
            "P3",
            "cancelled",
            Some(dec!(9999999)),
            Some(dec!(9999999)),
            Some(dec!(5000)),
            Some(dec!(99999)),
        ),
        (
            "P4",
            "deferred",
            None,
            Some(dec!(100000)),
            Some(dec!(300)),
            Some(dec!(5000)),
        ),
        ("P5", "active", None, None, None, None),
    ] {
        sqlx::query(
            "INSERT INTO projects (name, status, dcf_valuation, year3_revenue, monthly_infra_cost, \
             arr) VALUES ($1, $2::project_status, $3, $4, $5, $6)",
        )
        .bind(name)
        .bind(status)
        .bind(dcf)
        .bind(y3)
        .bind(infra)
        .bind(arr)
        .execute(pool)
        .await
        .unwrap();
    }
    let h = Duration::hours;
    let d = Duration::days;
    let rows = [
        B {
            n: 1,
            sev: "critical",
            status: "pending",
            blocker: true,
            rev: Some(dec!(1000)),
            age: h(5),
            resolved_ago: None,
            actual: None,
        },
        B {
            n: 2,
            sev: "critical",
            status: "in_progress",
            blocker: false,
            rev: Some(dec!(500.25)),
            age: h(1),
            resolved_ago: None,
            actual: Some(dec!(2)),
        },
        B {
            n: 3,
            sev: "critical",
            status: "closed",
            blocker: false,
            rev: Some(dec!(10000)),
            age: d(10),
            resolved_ago: Some(d(2)),
            actual: Some(dec!(10)),
        },
        B {
            n: 4,
            sev: "high",
            status: "deferred",
            blocker: false,
            rev: Some(dec!(300)),
            age: d(30),
            resolved_ago: None,
            actual: None,
        },
        B {
            n: 5,
            sev: "medium",
            status: "verified",
            blocker: true,
            rev: None,
            age: d(4),
            resolved_ago: None,
            actual: Some(dec!(4)),
        },
        B {
            n: 6,
            sev: "low",
            status: "shipped",
            blocker: false,
            rev: None,
            age: d(40),
            resolved_ago: Some(d(20)),
            actual: Some(dec!(1.5)),
        },
        B {
            n: 7,
            sev: "low",
            status: "pending",
            blocker: false,
            rev: None,
            age: d(2),
            resolved_ago: None,
            actual: None,
        },
        B {
            n: 8,
            sev: "high",
            status: "pending",
            blocker: false,
            rev: None,
            age: d(8),
            resolved_ago: None,
            actual: None,
        },
        B {
            n: 9,
            sev: "critical",
            status: "deferred",
            blocker: true,
            rev: Some(dec!(2000)),
            age: d(3),
            resolved_ago: None,
            actual: None,
        },
    ];
    for b in rows {
        insert(pool, b).await;
    }
}

#[tokio::test]
async fn kpis_match_hand_computed_fixture() {
    let db = TestDb::new().await;
    fixture(&db.pool).await;
    let mut conn = db.conn().await;
    let k = kpis::load(&mut conn, now()).await.unwrap();

    // Open = not shipped/closed: critical 1,2,9; high 4,8; medium 5; low 7.
    assert_eq!(
        k.open_by_severity,
        OpenBySeverity {
            critical: 3,
            high: 2,
            medium: 1,
            low: 1
        }
    );
    assert_eq!(k.open_total, 7);
    assert_eq!(k.deferred, 2); // bugs 4 and 9
    assert_eq!(k.blockers, 3); // open blockers 1, 5, 9
    // 1: 5 h > 4 h; 5: 96 h > 72 h; 8: 192 h > 24 h; deferred 4: 720 h > 24 h and
    // deferred 9: 72 h > 4 h. 2 is within 4 h.
    assert_eq!(k.sla_breached, 5);
    assert_eq!(k.sla_breached_deferred, 2); // 4 and 9
    // Resolved: 3 took 8 d = 192 h > 4 h (missed); 6 took 20 d = 480 h ≤ 720 h (met).
    assert_eq!(k.sla_compliance_pct, 50.0);
    assert_eq!(k.sla_compliance_pct_30d, 50.0); // both resolved in the last 30 days
    assert_eq!(k.mean_time_to_resolve_hours_all, Some(336.0));
    assert_eq!(
        k.by_status,
        ByStatus {
            pending: 3,     // 1, 7, 8
            in_progress: 1, // 2
            verified: 1,    // 5
            shipped: 1,     // 6
            closed: 1,      // 3
            deferred: 2,    // 4, 9
        }
    );
    // Active and shipped: 120,000.50 + 80,000 (+ none for P5)
    assert_eq!(k.arr_total, dec!(200000.50));
    // Open critical: 1000×2 (blocker) + 500.25 + 2000×2 (deferred is still open) = 6500.25
    assert_eq!(k.revenue_at_risk_daily, dec!(6500.25));
    assert_eq!(k.revenue_at_risk_monthly, dec!(195007.50)); // ×30
    // Non-cancelled: 1,000,000 + 2,000,000 (+ none for P4)
    assert_eq!(k.portfolio_valuation, dec!(3000000.00));
    assert_eq!(k.year3_revenue_total, dec!(1350000.00)); // 500k + 750k + 100k
    assert_eq!(k.monthly_infra_cost, dec!(1200.50)); // active only
    assert_eq!((k.projects_total, k.projects_shipped), (5, 1));
    // Created within 7 days: 1 (5 h), 2 (1 h), 5 (4 d), 7 (2 d), 9 (3 d)
    assert_eq!(k.opened_last_7d, 5);
    assert_eq!(k.resolved_last_7d, 1); // bug 3, two days ago
    // Resolved within 30 days: 3 took 8 d = 192 h, 6 took 20 d = 480 h → mean 336 h
    assert_eq!(k.mean_time_to_resolve_hours, Some(336.0));
    // 2×150×3 + 10×150×3 + 4×150×1 + 1.5×150×0.5 = 900 + 4500 + 600 + 112.5
    assert_eq!(k.engineering_cost, dec!(6112.50));
    assert_eq!(k.refreshed_at, now());

    let json = serde_json::to_value(&k).unwrap();
    assert_eq!(
        json["revenue_at_risk_daily"], "6500.25",
        "money is a decimal string"
    );
    assert_eq!(
        json["open_by_severity"]["critical"], 3,
        "counts are integers"
    );
    assert_eq!(json["engineering_cost"], "6112.50");
    assert_eq!(json["arr_total"], "200000.50");
    assert_eq!(json["sla_breached_deferred"], 2);
    assert_eq!(json["sla_compliance_pct"], 50.0);
    assert_eq!(json["sla_compliance_pct_30d"], 50.0);
    assert_eq!(json["mean_time_to_resolve_hours_all"], 336.0);
    assert_eq!(json["by_status"]["in_progress"], 1);
    assert_eq!(json["by_status"]["deferred"], 2);
}

#[tokio::test]
async fn kpis_of_an_empty_database_are_zero_not_errors() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let k = kpis::load(&mut conn, now()).await.unwrap();
    assert_eq!(k.open_total, 0);
    assert_eq!(k.sla_breached, 0);
    assert_eq!(k.mean_time_to_resolve_hours, None);
    assert_eq!(k.sla_breached_deferred, 0);
    // Nothing resolved: nothing has missed its SLA.
    assert_eq!(k.sla_compliance_pct, 100.0);
    assert_eq!(k.sla_compliance_pct_30d, 100.0);
    assert_eq!(k.mean_time_to_resolve_hours_all, None);
    assert_eq!(k.by_status, ByStatus::default());
    let json = serde_json::to_value(&k).unwrap();
    assert_eq!(json["portfolio_valuation"], "0.00");
    assert_eq!(json["arr_total"], "0.00");
    assert_eq!(
        json["mean_time_to_resolve_hours_all"],
        serde_json::Value::Null
    );
    assert_eq!(json["sla_compliance_pct"], 100.0);
}

#[tokio::test]
async fn mean_time_to_resolve_counts_the_window_edges_exactly() {
    let db = TestDb::new().await;
    let h = Duration::hours;
    // Resolved: 1 h ago (today, a partial day), 5 days ago (a whole day), 29 days
    // 23 h ago (the first, partial day) and 30 days 1 h ago (outside the window).
    for (n, age, resolved_ago) in [
        (1, h(30), h(1)),
        (2, h(200), h(120)),
        (3, h(800), h(719)),
        (4, h(800), h(721)),
    ] {
        insert(
            &db.pool,
            B {
                n,
                sev: "low",
                status: "closed",
                blocker: false,
                rev: None,
                age,
                resolved_ago: Some(resolved_ago),
                actual: None,
            },
        )
        .await;
    }
    // Reopen and re-resolve one through plain SQL, so the summary sees updates too.
    sqlx::query("UPDATE bugs SET status = 'in_progress' WHERE bug_number = 'BUG-2'")
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE bugs SET status = 'closed', resolved_at = $1 WHERE bug_number = 'BUG-2'")
        .bind(now() - h(120))
        .execute(&db.pool)
        .await
        .unwrap();
    let mut conn = db.conn().await;
    let k = kpis::load(&mut conn, now()).await.unwrap();
    let direct: f64 = sqlx::query_scalar(
        "SELECT avg(extract(epoch FROM resolved_at - created_at))::float8 / 3600 FROM bugs \
         WHERE resolved_at > $1 - interval '30 days' AND resolved_at <= $1",
    )
    .bind(now())
    .fetch_one(&db.pool)
    .await
    .unwrap();
    // (29 + 80 + 81) / 3 hours
    assert_eq!(direct, (29.0 + 80.0 + 81.0) / 3.0);
    assert_eq!(
        k.mean_time_to_resolve_hours,
        Some((direct * 10.0).round() / 10.0)
    );
}
