//! Each figure of the benchmark table, ours beside the baseline.
//!
//! Here: the list of figures in table order, and the page timings the table
//! and search figures share.

mod edit;
mod kpi;
mod push;
mod render;
mod search;
mod table;
mod triage;
mod views;

use super::Figure;
use super::stats::{Samples, time_async};
use crate::db::bugs;
use crate::query::{BugFilter, BugQuery, PageAnchor, Sort, SortKey};
use chrono::Utc;
use edit::status_edit;
pub use kpi::kpi;
use push::push_latency;
use render::render;
use search::search;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use table::table;
pub use triage::triage;
use views::view_counts;

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
    figures.push(view_counts(pool, n).await?);
    figures.push(status_edit(pool, n).await?);
    figures.extend(triage(pool, n).await?);
    figures.push(render(pool, n).await?);
    figures.push(push_latency(pool, options, n.min(40)).await?);
    figures.extend(super::import::csv_import(pool, bugs).await?);
    Ok(figures)
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
