//! The dashboard's read pool (`db::query_pool`): a refused connection comes
//! back at once as the server's own error, for the app's back-off — sqlx's
//! pool would retry it until its acquire timeout and then say only
//! "timed out" — and idle connections are closed, or held when asked.

use ctodash::db::capacity;
use ctodash::db::query_pool::QueryPool;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use std::time::Duration;

fn server() -> PgConnectOptions {
    "postgres://postgres@127.0.0.1:5432/postgres"
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_refused_connection_is_one_attempt_and_names_the_limit() {
    let role = format!("qp_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect_with(&server()).await.unwrap();
    let sql = format!("CREATE ROLE {role} LOGIN CONNECTION LIMIT 0");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut admin)
        .await
        .unwrap();

    let pool = QueryPool::new(server().username(&role), 3, Duration::from_secs(5));
    let err = pool
        .acquire()
        .await
        .err()
        .expect("the role may not connect");
    assert_eq!(
        capacity::full_of(&err),
        Some(capacity::Full::Role { role: role.clone() }),
        "{err}"
    );
    assert_eq!(pool.size(), 0, "nothing held after a refusal");

    let sql = format!("DROP ROLE {role}");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.ok();
}

#[tokio::test]
async fn idle_connections_close_unless_held() {
    let idle = Duration::from_millis(300);
    let pool = QueryPool::new(server(), 3, idle);
    {
        let (mut a, mut b) = (pool.acquire().await.unwrap(), pool.acquire().await.unwrap());
        sqlx::query("SELECT 1").execute(&mut *a).await.unwrap();
        sqlx::query("SELECT 1").execute(&mut *b).await.unwrap();
    }
    assert_eq!(pool.size(), 2, "given back, still open");
    // Reused, not reopened.
    drop(pool.acquire().await.unwrap());
    assert_eq!(pool.size(), 2);
    tokio::time::sleep(idle * 3).await;
    assert_eq!(pool.size(), 0, "closed once idle");

    pool.hold(1);
    {
        let _a = pool.acquire().await.unwrap();
        let _b = pool.acquire().await.unwrap();
    }
    tokio::time::sleep(idle * 3).await;
    assert_eq!(pool.size(), 1, "one held past the idle timeout");
    pool.close().await;
    assert_eq!(pool.size(), 0);
}
