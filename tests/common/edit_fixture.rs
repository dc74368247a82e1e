//! The fixture of the generic-change tests (tests/db_change.rs,
//! tests/db_create_comment.rs): two users, two projects and some bugs.

#![allow(dead_code)]

use ctodash::app::model::{BugRow, Me};
use ctodash::db::detail;
use ctodash::db::edit::EditContext;
use ctodash::db::testing::TestDb;
use sqlx::PgPool;
use uuid::Uuid;

pub struct Fixture {
    pub db: TestDb,
    pub grace: Me,
    pub ada: Me,
    pub project: Uuid,
    pub bugs: Vec<Uuid>,
}

pub async fn user(pool: &PgPool, email: &str, name: &str) -> Me {
    let id: Uuid =
        sqlx::query_scalar("INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id")
            .bind(email)
            .bind(name)
            .fetch_one(pool)
            .await
            .unwrap();
    Me {
        id,
        email: email.into(),
        name: name.into(),
    }
}

/// Two users, two projects and `n` bugs BUG-1001.. in `status`, severity
/// high, assigned to Ada, in the project "Nova Pay".
pub async fn fixture(n: usize, status: &str) -> Fixture {
    let db = TestDb::new().await;
    let grace = user(&db.pool, "grace@example.com", "Grace Hopper").await;
    let ada = user(&db.pool, "ada@example.com", "Ada Lovelace").await;
    let project: Uuid = sqlx::query_scalar(
        "INSERT INTO projects (name) VALUES ('Nova Pay'), ('Atlas') RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let bugs: Vec<Uuid> = sqlx::query_scalar(
        "INSERT INTO bugs (bug_number, title, severity, status, assigned_to, project_id, \
         created_by, revenue_impact_daily) \
         SELECT 'BUG-' || (1000 + i), 'Bug number ' || i, 'high', $1::bug_status, $2, $3, $4, 2500 \
         FROM generate_series(1, $5::int) i ORDER BY i RETURNING id",
    )
    .bind(status)
    .bind(ada.id)
    .bind(project)
    .bind(grace.id)
    .bind(n as i32)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    Fixture {
        db,
        grace,
        ada,
        project,
        bugs,
    }
}

pub fn ctx(me: &Me) -> EditContext {
    EditContext::new(me.clone())
}

pub async fn shown(f: &Fixture, id: Uuid) -> BugRow {
    let mut conn = f.db.conn().await;
    detail::detail(&mut conn, id).await.unwrap().unwrap().row
}

pub async fn all_shown(f: &Fixture) -> Vec<BugRow> {
    let mut out = Vec::new();
    for id in &f.bugs {
        out.push(shown(f, *id).await);
    }
    out
}

/// (history rows, audit rows) in the whole database.
pub async fn written(pool: &PgPool) -> (i64, i64) {
    sqlx::query_as("SELECT (SELECT count(*) FROM bug_history), (SELECT count(*) FROM audit_log)")
        .fetch_one(pool)
        .await
        .unwrap()
}
