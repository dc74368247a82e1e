//! The table figures: first, filtered, last and deep pages and the count, beside OFFSET.

use super::{PAGE, offset_samples, page_samples, query};
use crate::bench::stats::time_async;
use crate::bench::{Figure, Measure, Target};
use crate::db::{bugs, detail};
use crate::domain::Severity;
use crate::query::{BugFilter, PageAnchor, SortKey, StatusFilter};
use chrono::Utc;
use sqlx::{PgPool, Row};

pub(super) async fn table(pool: &PgPool, n: usize) -> sqlx::Result<Vec<Figure>> {
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
