//! Each figure of the benchmark table, ours beside the baseline.

use super::stats::{Samples, time_async};
use super::{Figure, Measure, Target};
use crate::app::model::{KpiData, Me};
use crate::app::msg::{Loaded, Msg, Page};
use crate::db::edit::{EditContext, change_status};
use crate::db::{bugs, detail, kpis, listen, portfolio};
use crate::domain::{BugStatus, Severity};
use crate::query::{BugFilter, BugQuery, PageAnchor, Sort, SortKey, StatusFilter};
use chrono::Utc;
use sqlx::postgres::PgConnectOptions;
use sqlx::{PgPool, Row};
use std::time::{Duration, Instant};

const PAGE: usize = 100;

pub async fn all(
    pool: &PgPool,
    options: &PgConnectOptions,
    bugs: u64,
    n: usize,
) -> sqlx::Result<Vec<Figure>> {
    let mut figures = kpi(pool, n).await?;
    figures.extend(table(pool, n).await?);
    figures.extend(search(pool, n).await?);
    figures.push(status_edit(pool, n).await?);
    figures.push(render(pool, n).await?);
    figures.push(push_latency(pool, options, n.min(40)).await?);
    figures.extend(super::import::csv_import(pool, bugs).await?);
    Ok(figures)
}

async fn kpi(pool: &PgPool, n: usize) -> sqlx::Result<Vec<Figure>> {
    let ours = time_async(5, n, |_| async {
        let mut conn = pool.acquire().await.expect("connection");
        kpis::load(&mut conn, Utc::now()).await.expect("kpis");
        kpis::trend(&mut conn).await.expect("trend")
    })
    .await;
    let baseline = time_async(5, n, |_| seeds_kpis(pool)).await;
    Ok(vec![Figure {
        name: "KPI refresh",
        how: "the dashboard's KPI engine: summary table + index-only counts + trend".into(),
        ours: Measure::Latency(ours),
        baseline: Some((
            "the seeds' 8 KPI queries in parallel (count/sum over bugs and projects)".into(),
            Measure::Latency(baseline),
        )),
        target: Target::P95Ms(20.0),
    }])
}

/// The seed documents' approach: eight aggregate queries, run concurrently.
async fn seeds_kpis(pool: &PgPool) -> Vec<i64> {
    const OPEN: &str = "status NOT IN ('shipped', 'closed')";
    let count = |sql: String| async move {
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
            .fetch_one(pool)
            .await
            .expect("baseline")
    };
    let sum = |sql: &'static str| async move {
        let v: Option<rust_decimal::Decimal> = sqlx::query_scalar(sql)
            .fetch_one(pool)
            .await
            .expect("baseline");
        v.map(|d| d.trunc().mantissa() as i64).unwrap_or(0)
    };
    let (a, b, c, d, e, f, g, h) = tokio::join!(
        count(format!(
            "SELECT count(*) FROM bugs WHERE severity = 'critical' AND {OPEN}"
        )),
        count(format!(
            "SELECT count(*) FROM bugs WHERE severity = 'high' AND {OPEN}"
        )),
        count(format!(
            "SELECT count(*) FROM bugs WHERE severity = 'medium' AND {OPEN}"
        )),
        count(format!(
            "SELECT count(*) FROM bugs WHERE severity = 'low' AND {OPEN}"
        )),
        count(format!(
            "SELECT count(*) FROM bugs WHERE is_blocker AND {OPEN}"
        )),
        sum("SELECT sum(dcf_valuation) FROM projects WHERE status <> 'cancelled'"),
        sum("SELECT sum(monthly_infra_cost) FROM projects WHERE status = 'active'"),
        count(
            "SELECT count(*) FROM bugs WHERE status IN ('pending','in_progress','verified') \
             AND created_at + make_interval(hours => sla_hours) < now()"
                .into()
        ),
    );
    vec![a, b, c, d, e, f, g, h]
}

fn query(filter: BugFilter, key: SortKey) -> BugQuery {
    BugQuery {
        filter,
        sort: Sort {
            key,
            reversed: false,
        },
    }
}

async fn page_samples(pool: &PgPool, q: &BugQuery, anchor: &PageAnchor, n: usize) -> Samples {
    time_async(3, n, |_| async {
        let mut conn = pool.acquire().await.expect("connection");
        bugs::page(&mut conn, q, anchor, PAGE, Utc::now())
            .await
            .expect("page")
    })
    .await
}

/// The naive pagination: the same rows by OFFSET.
async fn offset_samples(
    pool: &PgPool,
    where_: &str,
    order: &str,
    offset: i64,
    n: usize,
) -> Samples {
    let sql = format!(
        "SELECT b.id, b.bug_number, b.title, u.name, p.name FROM bugs b \
         LEFT JOIN users u ON u.id = b.assigned_to LEFT JOIN projects p ON p.id = b.project_id \
         WHERE {where_} ORDER BY {order} LIMIT {PAGE} OFFSET {offset}"
    );
    time_async(3, n, |_| {
        let sql = sql.clone();
        async move {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await
                .expect("baseline")
                .len()
        }
    })
    .await
}

async fn table(pool: &PgPool, n: usize) -> sqlx::Result<Vec<Figure>> {
    const OPEN: &str = "b.status NOT IN ('shipped','closed')";
    let default = query(BugFilter::default(), SortKey::Priority);
    let filtered = query(
        BugFilter {
            severities: vec![Severity::Critical],
            blocker_only: true,
            ..Default::default()
        },
        SortKey::Priority,
    );
    let by_age = query(BugFilter::default(), SortKey::Age);
    let open: i64 =
        sqlx::query_scalar("SELECT count(*) FROM bugs WHERE status NOT IN ('shipped','closed')")
            .fetch_one(pool)
            .await?;
    // A cursor half-way down the default view, found untimed.
    let mut conn = pool.acquire().await?;
    let mid = (open / 2).max(0);
    let mid_row = sqlx::query(
        "SELECT id FROM bugs WHERE status NOT IN ('shipped','closed') \
         ORDER BY priority_score DESC, id DESC OFFSET $1 LIMIT 1",
    )
    .bind(mid)
    .fetch_optional(&mut *conn)
    .await?;
    let deep_anchor = match mid_row {
        Some(r) => {
            let id: uuid::Uuid = r.get(0);
            let d = detail::detail(&mut conn, id)
                .await?
                .expect("the row exists");
            PageAnchor::After(bugs::cursor_of(&d.row, SortKey::Priority))
        }
        None => PageAnchor::Top,
    };
    drop(conn);

    let pri = "b.priority_score DESC, b.id DESC";
    let mut figures = vec![
        Figure {
            name: "first page",
            how: "open bugs by priority (the default view), 100 rows".into(),
            ours: Measure::Latency(page_samples(pool, &default, &PageAnchor::Top, n).await),
            baseline: Some((
                "same rows, plain ORDER BY … LIMIT".into(),
                Measure::Latency(offset_samples(pool, OPEN, pri, 0, n).await),
            )),
            target: Target::P95Ms(10.0),
        },
        Figure {
            name: "first page, 2 filters",
            how: "critical + blocker, open, by priority".into(),
            ours: Measure::Latency(page_samples(pool, &filtered, &PageAnchor::Top, n).await),
            baseline: Some((
                "same filters, plain ORDER BY … LIMIT".into(),
                Measure::Latency(
                    offset_samples(
                        pool,
                        &format!("{OPEN} AND b.severity = 'critical' AND b.is_blocker"),
                        pri,
                        0,
                        n,
                    )
                    .await,
                ),
            )),
            target: Target::P95Ms(10.0),
        },
        Figure {
            name: "first page, by age",
            how: "open bugs sorted by age (oldest first)".into(),
            ours: Measure::Latency(page_samples(pool, &by_age, &PageAnchor::Top, n).await),
            baseline: Some((
                "plain ORDER BY created_at … LIMIT".into(),
                Measure::Latency(offset_samples(pool, OPEN, "b.created_at, b.id", 0, n).await),
            )),
            target: Target::P95Ms(10.0),
        },
        Figure {
            name: "last page (G)",
            how: "keyset from the end (reverse index scan)".into(),
            ours: Measure::Latency(page_samples(pool, &default, &PageAnchor::Bottom, n).await),
            baseline: Some((
                "OFFSET count−100".into(),
                Measure::Latency(
                    offset_samples(pool, OPEN, pri, (open - PAGE as i64).max(0), n).await,
                ),
            )),
            target: Target::P95Ms(10.0),
        },
        Figure {
            name: "deep page",
            how: format!("keyset after row {mid} of {open}"),
            ours: Measure::Latency(page_samples(pool, &default, &deep_anchor, n).await),
            baseline: Some((
                format!("OFFSET {mid}"),
                Measure::Latency(offset_samples(pool, OPEN, pri, mid, n).await),
            )),
            target: Target::P95Ms(10.0),
        },
    ];
    let all = query(
        BugFilter {
            status: StatusFilter::All,
            ..Default::default()
        },
        SortKey::Priority,
    );
    figures.push(Figure {
        name: "count (all bugs)",
        how: "row count for the table title (estimate above 100,000)".into(),
        ours: Measure::Latency(
            time_async(3, n, |_| async {
                let mut conn = pool.acquire().await.expect("connection");
                bugs::count(&mut conn, &all, Utc::now())
                    .await
                    .expect("count")
            })
            .await,
        ),
        baseline: Some((
            "SELECT count(*) FROM bugs".into(),
            Measure::Latency(
                time_async(3, n, |_| async {
                    sqlx::query_scalar::<_, i64>("SELECT count(*) FROM bugs")
                        .fetch_one(pool)
                        .await
                        .expect("count")
                })
                .await,
            ),
        )),
        target: Target::Report,
    });
    Ok(figures)
}

async fn search(pool: &PgPool, n: usize) -> sqlx::Result<Vec<Figure>> {
    let mut out = Vec::new();
    for (name, term) in [
        ("search, common word", "checkout"),
        ("search, rare word", "zebra"),
        ("search, typo", "chekout"),
    ] {
        let q = query(
            BugFilter {
                search: term.into(),
                ..Default::default()
            },
            SortKey::Priority,
        );
        let typo = name == "search, typo";
        let ours = if typo {
            // What the dashboard does: the exact search finds nothing, so it asks
            // again tolerating typos. Both queries are timed together.
            let fuzzy = query(
                BugFilter {
                    search: term.into(),
                    fuzzy: true,
                    ..Default::default()
                },
                SortKey::Priority,
            );
            time_async(3, n, |_| async {
                let mut conn = pool.acquire().await.expect("connection");
                let now = Utc::now();
                bugs::page(&mut conn, &q, &PageAnchor::Top, PAGE, now)
                    .await
                    .expect("page");
                bugs::page(&mut conn, &fuzzy, &PageAnchor::Top, PAGE, now)
                    .await
                    .expect("page")
            })
            .await
        } else {
            page_samples(pool, &q, &PageAnchor::Top, n).await
        };
        let like = format!(
            "b.status NOT IN ('shipped','closed') AND (lower(b.title) LIKE '%{term}%' OR lower(b.description) LIKE '%{term}%')"
        );
        let baseline = offset_samples(pool, &like, "b.priority_score DESC, b.id DESC", 0, n).await;
        out.push(Figure {
            name,
            how: if typo {
                format!("\"{term}\": the exact search (no match), then the fuzzy retry")
            } else {
                format!("\"{term}\" in open bugs' titles and descriptions, first page")
            },
            ours: Measure::Latency(ours),
            baseline: Some((
                "lower(…) LIKE '%…%' (no index)".into(),
                Measure::Latency(baseline),
            )),
            target: Target::P95Ms(50.0),
        });
    }
    Ok(out)
}

/// Edits before timing: at least one per pooled connection, so each has its
/// statements prepared, as in a dashboard that has been open a while.
const EDIT_WARMUP: usize = 12;

async fn status_edit(pool: &PgPool, n: usize) -> sqlx::Result<Figure> {
    let me: (uuid::Uuid, String, String) =
        sqlx::query_as("SELECT id, email, name FROM users ORDER BY email LIMIT 1")
            .fetch_one(pool)
            .await?;
    let ctx = EditContext::new(Me {
        id: me.0,
        email: me.1,
        name: me.2,
    });
    let ids: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT id FROM bugs WHERE status = 'pending' ORDER BY id LIMIT $1")
            .bind((2 * (n + EDIT_WARMUP)) as i64)
            .fetch_all(pool)
            .await?;
    let half = ids.len() / 2;
    let (ours_ids, base_ids) = ids.split_at(half);
    let mut rows = Vec::new();
    let mut conn = pool.acquire().await?;
    for id in ours_ids {
        rows.push(detail::detail(&mut conn, *id).await?.expect("bug").row);
    }
    drop(conn);
    let timed = rows.len().saturating_sub(EDIT_WARMUP);
    let ours = time_async(EDIT_WARMUP, timed, |i| {
        let (ctx, bug) = (&ctx, &rows[i]);
        async move {
            change_status(pool, ctx, bug, BugStatus::InProgress)
                .await
                .expect("edit")
        }
    })
    .await;
    let baseline = time_async(EDIT_WARMUP, timed, |i| {
        let id = base_ids[i];
        async move {
            sqlx::query("UPDATE bugs SET status = 'in_progress' WHERE id = $1").bind(id).execute(pool).await.expect("update");
            sqlx::query("INSERT INTO audit_log (action, entity_type, entity_id) VALUES ('bug.status_changed', 'bug', $1)")
                .bind(id)
                .execute(pool)
                .await
                .expect("audit")
        }
    })
    .await;
    Ok(Figure {
        name: "status edit",
        how: "one transaction: lock, version check, update, history (trigger), audit".into(),
        ours: Measure::Latency(ours),
        baseline: Some((
            "UPDATE + INSERT audit as two autocommit statements, no check".into(),
            Measure::Latency(baseline),
        )),
        target: Target::P95Ms(5.0),
    })
}

/// A full 200×60 frame with real data, into ratatui's TestBackend.
async fn render(pool: &PgPool, n: usize) -> sqlx::Result<Figure> {
    use crate::app::state::{Identity, ReadOnlyReason};
    use crate::app::update::update;
    let now = Utc::now();
    let mut conn = pool.acquire().await?;
    let mut app = crate::app::App::new(
        now,
        Identity::ReadOnly(ReadOnlyReason::NoUser),
        "bench".into(),
    );
    let cmds = update(&mut app, Msg::RefreshDue);
    let generation = cmds
        .iter()
        .find_map(|c| match c {
            crate::app::Command::LoadPage { generation, .. } => Some(*generation),
            _ => None,
        })
        .unwrap_or(1);
    let kpis = KpiData {
        kpis: kpis::load(&mut conn, now).await?,
        trend: kpis::trend(&mut conn).await?,
    };
    let q = BugQuery::default();
    let page: Page = bugs::page(&mut conn, &q, &PageAnchor::Top, PAGE, now).await?;
    let first = page.rows.first().map(|r| r.id);
    update(&mut app, Msg::Loaded(Loaded::Kpis(kpis)));
    update(&mut app, Msg::Loaded(Loaded::Page { generation, page }));
    update(
        &mut app,
        Msg::Loaded(Loaded::Portfolio(
            portfolio::projects(&mut conn, now).await?,
        )),
    );
    let detail = match first {
        Some(id) => detail::detail(&mut conn, id).await?,
        None => None,
    };
    if let Some(d) = detail {
        update(&mut app, Msg::Loaded(Loaded::Detail(Box::new(d))));
    }
    let theme = crate::ui::Theme::colour();
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 60)).expect("test backend");
    let frames = (n * 5).max(50);
    let samples = time_async(10, frames, |_| {
        let r = terminal
            .draw(|f| crate::ui::render_with(f, &app, &theme))
            .map(|_| ());
        async move { r }
    })
    .await;
    Ok(Figure {
        name: "frame render",
        how: "full screen, 200×60, real data, ratatui TestBackend".into(),
        ours: Measure::Latency(samples),
        baseline: None,
        target: Target::P95Ms(1.0),
    })
}

/// Commit in one session → `DataChanged` out of the dashboard's listener.
async fn push_latency(pool: &PgPool, options: &PgConnectOptions, n: usize) -> sqlx::Result<Figure> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(listen::run(
        pool.clone(),
        tx,
        listen::ListenConfig::default(),
    ));
    loop {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(Msg::Push { live: true })) => break,
            Ok(Some(_)) => continue,
            _ => return Ok(absent("push latency", "the listener did not start")),
        }
    }
    let writer = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await?;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM bugs LIMIT 1")
        .fetch_one(&writer)
        .await?;
    let mut samples = Samples::default();
    for i in 0..n {
        tokio::time::sleep(Duration::from_millis(300)).await;
        while rx.try_recv().is_ok() {}
        let started = Instant::now();
        sqlx::query("UPDATE bugs SET title = $2 WHERE id = $1")
            .bind(id)
            .bind(format!("Push latency probe {i}"))
            .execute(&writer)
            .await?;
        let got = tokio::time::timeout(Duration::from_secs(5), async {
            while let Some(msg) = rx.recv().await {
                if matches!(msg, Msg::DataChanged(_)) {
                    return true;
                }
            }
            false
        })
        .await;
        if matches!(got, Ok(true)) {
            samples.push(started.elapsed());
        }
    }
    task.abort();
    writer.close().await;
    Ok(Figure {
        name: "push latency",
        how: format!(
            "commit → DataChanged in a listening dashboard ({} of {n} arrived)",
            samples.len()
        ),
        ours: Measure::Latency(samples),
        baseline: Some((
            "polling every 2 s (the pre-push dashboard): mean 1000 ms, p95 1900 ms, by arithmetic"
                .into(),
            // A change lands uniformly within the 2 s poll interval.
            Measure::Latency(Samples(
                (1..=100).map(|i| Duration::from_millis(20 * i)).collect(),
            )),
        )),
        target: Target::P95Ms(1000.0),
    })
}

fn absent(name: &'static str, why: &'static str) -> Figure {
    Figure {
        name,
        how: String::new(),
        ours: Measure::Absent(why),
        baseline: None,
        target: Target::Report,
    }
}
