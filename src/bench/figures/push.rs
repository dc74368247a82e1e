//! The push latency figure: a commit until the listening dashboard hears of it.

use crate::app::msg::Msg;
use crate::bench::stats::Samples;
use crate::bench::{Figure, Measure, Target};
use crate::db::listen;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use std::time::{Duration, Instant};

/// Commit in one session → `DataChanged` out of the dashboard's listener.
pub(super) async fn push_latency(
    pool: &PgPool,
    options: &PgConnectOptions,
    n: usize,
) -> sqlx::Result<Figure> {
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
