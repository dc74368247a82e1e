//! One private primary with 2,000 seeded bugs and its hot standby, started the
//! first time a test of this binary asks and shared by all of them (a watchdog
//! stops both when the binary exits). Only the clusters are shared: each test
//! opens its own connections, since every test has its own runtime.
#![allow(dead_code)]

use ctodash::db::testing::replica::ReplicaPair;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection};
use std::time::Duration;
use tokio::sync::OnceCell;

static PAIR: OnceCell<ReplicaPair> = OnceCell::const_new();

pub async fn pair() -> &'static ReplicaPair {
    PAIR.get_or_init(|| async {
        let pair = ReplicaPair::start()
            .await
            .unwrap_or_else(|e| panic!("replica tests need a primary and a standby: {e}"));
        // The seed builds indexes on two connections at once.
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(pair.primary_options())
            .await
            .expect("connect to the test primary");
        let opts = ctodash::seed::SeedOptions {
            bugs: 2_000,
            projects: Some(12),
            users: Some(15),
            seed: 4,
            reset: false,
        };
        ctodash::seed::run(&pool, &opts)
            .await
            .expect("seed the primary");
        pool.close().await;
        assert!(
            pair.sync(Duration::from_secs(10)).await.expect("sync"),
            "the standby did not catch up with the seed within 10 s"
        );
        pair
    })
    .await
}

pub async fn primary() -> PgConnection {
    PgConnection::connect_with(&pair().await.primary_options())
        .await
        .expect("connect to the test primary")
}

pub async fn standby() -> PgConnection {
    PgConnection::connect_with(&pair().await.standby_options())
        .await
        .expect("connect to the test standby")
}
