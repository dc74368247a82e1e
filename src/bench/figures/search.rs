//! The search figures (common word, rare word, typo), beside an unindexed LIKE.

use super::{PAGE, offset_samples, page_samples, query};
use crate::bench::stats::time_async;
use crate::bench::{Figure, Measure, Target};
use crate::db::bugs;
use crate::query::{BugFilter, PageAnchor, SortKey};
use chrono::Utc;
use sqlx::PgPool;

pub(super) async fn search(pool: &PgPool, n: usize) -> sqlx::Result<Vec<Figure>> {
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
