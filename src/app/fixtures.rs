//! A realistic, deterministic dashboard state for rendering tests, app-state
//! tests and the frame benchmark. Everything is derived from `now`, so a
//! fixed clock gives byte-identical frames.

use super::model::{BugDetail, BugRow, Count, HistoryEntry, KpiData, Me, MonthPoint, ProjectRow};
use super::state::{App, Connection, Identity, Notice, ReadOnlyReason, Tone, ViewTabs};
use crate::db::kpis::{ByStatus, Kpis, OpenBySeverity};
use crate::domain::{BugStatus, ProjectStatus, RiskInput, Severity, priority_score, project_risk};
use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

const SOURCE: &str = "postgres://ctodash@localhost:5432/ctodash";

const PEOPLE: [&str; 8] = [
    "Grace Hopper",
    "Linus Torvalds",
    "Margaret Hamilton",
    "Ken Thompson",
    "Barbara Liskov",
    "Dennis Ritchie",
    "Frances Allen",
    "Jean Sammet",
];

const PROJECTS: [&str; 8] = [
    "Payments Gateway",
    "Mobile App",
    "Search",
    "Data Platform",
    "Identity",
    "Checkout",
    "Analytics",
    "Internal Tools",
];

use BugStatus::{Deferred, InProgress, Pending, Verified};
use Severity::{Critical, High, Low, Medium};

/// (severity, status, title, assignee index, project index, age in minutes,
/// blocker, daily revenue impact). Mixes breached and in-time SLAs, blockers,
/// unassigned bugs, and titles with emoji, CJK and accents.
#[rustfmt::skip]
type Spec = (Severity, BugStatus, &'static str, Option<usize>, Option<usize>, i64, bool, i64);
#[rustfmt::skip]
const BUGS: [Spec; 30] = [
    (Critical, InProgress, "🔥 Checkout fails with 日本語 locale", Some(0), Some(5), 6 * 60 + 12, true, 30_000),
    (Critical, Pending, "Payment webhook retries double-charge cards", Some(1), Some(0), 95, true, 12_500),
    (Critical, Pending, "Login loop on Safari 17 after password reset", None, Some(4), 2 * 1440 + 250, false, 8_000),
    (Critical, Verified, "Data export drops rows over 65,536", Some(2), Some(3), 3 * 60, false, 4_200),
    (High, InProgress, "中文搜索返回空结果", Some(3), Some(2), 30 * 60, false, 2_000),
    (High, Pending, "Mobile push notifications arrive twice", Some(4), Some(1), 20 * 60, false, 900),
    (High, Deferred, "Invoice PDF header garbled: Ünïcödé company names", Some(5), Some(0), 9 * 1440, false, 300),
    (High, InProgress, "Émoji 🎉 in display name breaks the avatar service", Some(6), Some(4), 26 * 60, true, 0),
    (High, Verified, "Rate limiter counts retries as new requests", Some(0), Some(5), 5 * 60, false, 1_500),
    (High, Pending, "Dashboard times out for orgs with more than 10,000 projects and nested teams", None, Some(6), 3 * 1440, false, 0),
    (Medium, Pending, "Search ranking ignores exact title matches", Some(7), Some(2), 2 * 1440, false, 0),
    (Medium, InProgress, "CSV import rejects BOM-prefixed files", Some(1), Some(7), 80 * 60, false, 0),
    (Medium, Pending, "Timezone shown as UTC+0 instead of Europe/London", Some(2), Some(4), 10 * 60, false, 0),
    (Medium, Deferred, "Dark mode contrast too low on charts", None, Some(6), 40 * 1440, false, 0),
    (Medium, Pending, "Retry button stays disabled after network error", Some(3), Some(1), 4 * 1440, false, 250),
    (Medium, InProgress, "Memory leak in the metrics exporter", Some(4), Some(3), 30 * 60, true, 0),
    (Medium, Verified, "Ñandú: sorting by name ignores diacritics", Some(5), Some(2), 20 * 60, false, 0),
    (Medium, Pending, "Slow query on bug history for large projects", Some(6), None, 6 * 1440, false, 0),
    (Low, Pending, "Typo in onboarding email subject", Some(7), Some(7), 3 * 1440, false, 0),
    (Low, Pending, "Tooltip overlaps the sidebar toggle", None, Some(1), 45 * 1440, false, 0),
    (Low, InProgress, "Favicon missing on the status page", Some(0), Some(6), 12 * 60, false, 0),
    (Low, Deferred, "Keyboard shortcut list is out of date", Some(1), Some(7), 90 * 1440, false, 0),
    (Low, Pending, "Footer copyright year is hard-coded", Some(2), Some(5), 35, false, 0),
    (High, Pending, "SSO metadata refresh fails silently", Some(3), Some(4), 50, false, 5_000),
    (Critical, InProgress, "Ledger totals off by one cent in Δ reports", Some(4), Some(0), 27 * 60, false, 20_000),
    (Medium, Pending, "Ошибка при сохранении профиля", Some(5), Some(4), 15 * 60, false, 0),
    (Low, Verified, "Settings page flickers on resize", Some(6), Some(1), 8 * 1440, false, 0),
    (High, Pending, "Webhook signature check accepts expired timestamps", None, Some(0), 11 * 60, true, 3_000),
    (Medium, InProgress, "한국어 입력 시 글자가 중복됨", Some(7), Some(1), 2 * 1440 + 60, false, 0),
    (Low, Pending, "Analytics chart legend cut off at 80 columns", Some(0), Some(6), 70 * 60, false, 0),
];

fn at(now: DateTime<Utc>, minutes_ago: i64) -> DateTime<Utc> {
    now - TimeDelta::minutes(minutes_ago)
}

fn bug_rows(now: DateTime<Utc>) -> Vec<BugRow> {
    let mut rows: Vec<BugRow> = BUGS
        .iter()
        .enumerate()
        .map(
            |(i, &(severity, status, title, who, project, age, blocker, revenue))| {
                let created_at = at(now, age);
                BugRow {
                    id: Uuid::from_u128(0xb000 + i as u128),
                    number: format!("BUG-{}", 1001 + i),
                    severity,
                    status,
                    title: title.to_string(),
                    assignee: who.map(|w| PEOPLE[w].to_string()),
                    project: project.map(|p| PROJECTS[p].to_string()),
                    created_at,
                    sla_hours: severity.sla_hours(),
                    priority: i32::from(priority_score(
                        severity,
                        Some(Decimal::from(revenue)),
                        blocker,
                        created_at,
                        now,
                    )),
                    is_blocker: blocker,
                    version: 1 + i as i64 % 3,
                }
            },
        )
        .collect();
    // The table's default order: priority, highest first.
    rows.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.number.cmp(&b.number)));
    rows
}

fn detail(row: &BugRow, now: DateTime<Utc>) -> BugDetail {
    let entry =
        |minutes: i64, who: Option<&str>, field: &str, old: Option<&str>, new: Option<&str>| {
            HistoryEntry {
                at: at(now, minutes),
                who: who.map(str::to_string),
                field: field.to_string(),
                old: old.map(str::to_string),
                new: new.map(str::to_string),
            }
        };
    BugDetail {
        row: row.clone(),
        description: Some(
            "Customers whose browser locale is ja-JP get a blank page after pressing \"Pay\". \
             The address form sends the prefecture in full-width digits (１２３), which the \
             tax service rejects.\n\nSteps: set the locale to 日本語, add any item, check out.\n\
             Expected: the order confirmation. Actual: HTTP 500 from /api/tax/quote."
                .to_string(),
        ),
        business_impact: Some("Japanese storefront cannot take payments (~8% of revenue)".into()),
        revenue_impact_daily: Some(Decimal::from(30_000)),
        estimated_hours: Some(Decimal::new(16, 0)),
        actual_hours: Some(Decimal::new(95, 1)),
        assignee_email: Some("grace@acme.test".into()),
        creator: Some("Ada Lovelace".into()),
        updated_at: at(now, 18),
        resolved_at: None,
        history: vec![
            entry(
                18,
                Some("Grace Hopper"),
                "status",
                Some("pending"),
                Some("in_progress"),
            ),
            entry(2 * 60, None, "severity", Some("high"), Some("critical")),
            entry(
                5 * 60,
                Some("Ada Lovelace"),
                "assigned_to",
                None,
                Some("Grace Hopper"),
            ),
            entry(
                6 * 60,
                Some("Margaret Hamilton"),
                "status",
                Some("verified"),
                Some("pending"),
            ),
        ],
        comments: Vec::new(),
    }
}

/// (name, status, roi, valuation, arr, infra, milestone, of, open, crit, blockers,
/// days since last commit, health)
#[rustfmt::skip]
type ProjectSpec = (usize, ProjectStatus, i64, i64, i64, i64, i32, i32, i64, i64, i64, Option<i64>, Option<i32>);
#[rustfmt::skip]
const PORTFOLIO: [ProjectSpec; 8] = [
    (0, ProjectStatus::Active, 31250, 18_400_000, 2_300_000, 12_400, 3, 5, 41, 6, 3, Some(1), Some(62)),
    (1, ProjectStatus::Active, 18800, 9_100_000, 1_150_000, 8_900, 7, 12, 57, 1, 1, Some(2), Some(78)),
    (2, ProjectStatus::Active, 9540, 4_600_000, 640_000, 5_100, 2, 8, 33, 0, 0, Some(19), Some(55)),
    (3, ProjectStatus::Active, 22010, 11_800_000, 1_900_000, 21_700, 9, 10, 28, 2, 1, Some(0), Some(84)),
    (4, ProjectStatus::Active, 4320, 2_200_000, 310_000, 3_800, 1, 6, 46, 4, 2, Some(40), Some(38)),
    (5, ProjectStatus::Shipped, 27600, 14_900_000, 2_800_000, 9_600, 6, 6, 12, 1, 0, Some(9), Some(91)),
    (6, ProjectStatus::Deferred, 1250, 650_000, 85_000, 700, 1, 4, 9, 0, 0, Some(120), None),
    (7, ProjectStatus::Cancelled, 0, 0, 12_000, 0, 0, 0, 4, 0, 0, None, Some(12)),
];

fn projects(now: DateTime<Utc>) -> Vec<ProjectRow> {
    PORTFOLIO
        .iter()
        .enumerate()
        .map(
            |(
                i,
                &(name, status, roi, dcf, arr, infra, cur, total, open, crit, blk, idle, health),
            )| {
                let risk = project_risk(
                    &RiskInput {
                        open_critical: crit,
                        last_commit: idle.map(|d| now - TimeDelta::days(d)),
                        latest_metric_date: None,
                        current_milestone: cur,
                        total_milestones: total,
                    },
                    now,
                );
                ProjectRow {
                    id: Uuid::from_u128(0xc000_u128.wrapping_add(i as u128)),
                    name: PROJECTS[name].to_string(),
                    status,
                    roi_score: Some(Decimal::new(roi, 2)),
                    dcf_valuation: Some(Decimal::from(dcf)),
                    arr: Some(Decimal::from(arr)),
                    monthly_infra_cost: (infra > 0).then(|| Decimal::from(infra)),
                    current_milestone: cur,
                    total_milestones: total,
                    open_bugs: open,
                    critical_bugs: crit,
                    blocker_bugs: blk,
                    risk,
                    health_score: health,
                }
            },
        )
        .collect()
}

fn trend(now: DateTime<Utc>) -> Vec<MonthPoint> {
    let this_month = NaiveDate::from_ymd_opt(now.year(), now.month(), 1).unwrap_or_default();
    // A backlog that grew through the spring and is being paid down.
    const WAVE: [i64; 12] = [0, 40, 95, 160, 210, 260, 240, 205, 170, 120, 80, 46];
    (0..12i64)
        .map(|i| {
            let month = this_month
                .checked_sub_months(Months::new(11 - i as u32))
                .unwrap_or(this_month);
            let created = 380 + (i * 37) % 90;
            MonthPoint {
                month,
                open_total: 1200 + WAVE[i as usize],
                critical: 9 + (i * 5) % 11,
                created,
                resolved: created - 20 + (i * 53) % 70,
                revenue_at_risk_daily: Decimal::from(20_000 + (i * 7_919) % 35_000),
                avg_resolution_days: Decimal::new(18 + (i * 7) % 25, 1),
            }
        })
        .collect()
}

fn kpis(now: DateTime<Utc>) -> Kpis {
    let open = OpenBySeverity {
        critical: 12,
        high: 87,
        medium: 342,
        low: 805,
    };
    let daily = Decimal::from(48_250);
    Kpis {
        open_total: open.critical + open.high + open.medium + open.low,
        open_by_severity: open,
        deferred: 41,
        blockers: 9,
        sla_breached: 23,
        sla_breached_deferred: 3,
        sla_compliance_pct: 94.37,
        sla_compliance_pct_30d: 91.25,
        revenue_at_risk_daily: daily,
        revenue_at_risk_monthly: daily * Decimal::from(30),
        portfolio_valuation: Decimal::from(61_650_000),
        year3_revenue_total: Decimal::from(24_900_000),
        monthly_infra_cost: Decimal::from(61_500),
        // Active and shipped projects of the portfolio below.
        arr_total: Decimal::from(9_050_000),
        projects_total: 8,
        projects_shipped: 1,
        opened_last_7d: 312,
        resolved_last_7d: 298,
        mean_time_to_resolve_hours: Some(52.5),
        mean_time_to_resolve_hours_all: Some(71.3),
        by_status: ByStatus {
            pending: 700,
            in_progress: 380,
            verified: 125,
            shipped: 9_800,
            closed: 12_400,
            deferred: 41,
        },
        engineering_cost: Decimal::new(123_456_700, 2),
        refreshed_at: now - TimeDelta::seconds(3),
    }
}

/// A signed-in user, a live connection refreshed 3 s ago, and every pane full.
pub fn sample_app(now: DateTime<Utc>) -> App {
    let me = Me {
        id: Uuid::from_u128(0xada),
        email: "ada@acme.test".into(),
        name: "Ada Lovelace".into(),
    };
    let mut app = App::new(now, Identity::User(me), SOURCE.into());
    app.connection = Connection::Up;
    app.refreshed_at = Some(now - TimeDelta::seconds(3));
    app.kpis = Some(KpiData {
        kpis: kpis(now),
        trend: trend(now),
        clock: Default::default(),
    });
    let rows = bug_rows(now);
    app.detail.bug = Some(detail(&rows[0], now));
    app.table.rows = rows;
    app.table.total = Some(Count {
        n: 4_567,
        estimated: false,
    });
    app.table.viewport = 30;
    app.views = ViewTabs::new(crate::views::all(&[crate::views::View {
        name: "Breached critical".into(),
        query: crate::query::BugQuery {
            filter: crate::query::BugFilter {
                severities: vec![Critical, High],
                sla_breached_only: true,
                ..Default::default()
            },
            sort: Default::default(),
        },
        mine: false,
    }]));
    let exact = |n| {
        Some(Count {
            n,
            estimated: false,
        })
    };
    app.views.counts = vec![exact(4_567), exact(12), exact(14), exact(9), exact(3)];
    app.portfolio.rows = projects(now);
    app.notice = Some(Notice {
        text: "BUG-1009 → verified".into(),
        tone: Tone::Success,
        at: now - TimeDelta::seconds(20),
    });
    app.dirty = true;
    app
}

/// The same data, seen by a session without a user: nothing can be written.
pub fn read_only_app(now: DateTime<Utc>) -> App {
    let mut app = sample_app(now);
    app.identity = Identity::ReadOnly(ReadOnlyReason::NoUser);
    app.notice = None;
    app
}
