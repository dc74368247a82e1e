//! Throw-away databases for tests and benchmarks.
//!
//! The server comes from `DATABASE_URL` when set, otherwise from the same
//! zero-set-up discovery the program uses (local server, else a private cluster).
//! The schema is migrated once into a template database named after the
//! migrations' checksums; each test then gets a copy (`CREATE DATABASE ...
//! TEMPLATE`), which takes milliseconds, and drops it when done.

pub mod replica;
pub mod server;

use super::discover::{self, DiscoverOptions};
use super::migrate::MIGRATOR;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use std::hash::{Hash, Hasher};

pub struct TestDb {
    pub pool: PgPool,
    pub options: PgConnectOptions,
    pub name: String,
    server: PgConnectOptions,
    /// The ordinary role that owns the database, dropped with it (see
    /// [`TestDb::owned_by_new_role`]).
    role: Option<String>,
}

const TEMPLATE_PREFIX: &str = "ctodash_tpl_";
const TEST_PREFIX: &str = "ctodash_test_";
const ROLE_PREFIX: &str = "ctodash_app_";

/// Server-level connection options (maintenance database `postgres`).
pub async fn server() -> PgConnectOptions {
    let opts = DiscoverOptions {
        explicit_url: std::env::var("DATABASE_URL").ok().filter(|s| !s.is_empty()),
        database: "postgres".into(),
        allow_private_cluster: true,
        data_dir: discover::default_data_dir(),
        read_only: false,
    };
    match discover::discover_server(&opts).await {
        Ok(found) => found.options.database("postgres"),
        Err(e) => panic!("tests need a PostgreSQL server: {e}"),
    }
}

fn template_name() -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for m in MIGRATOR.iter() {
        m.version.hash(&mut h);
        m.checksum.hash(&mut h);
    }
    format!("{TEMPLATE_PREFIX}{:016x}", h.finish())
}

async fn exists(conn: &mut PgConnection, name: &str) -> bool {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(conn)
        .await
        .expect("query pg_database")
}

async fn execute(conn: &mut PgConnection, sql: String) {
    sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Creates the migrated template once per set of migrations, across processes.
async fn ensure_template(server: &PgConnectOptions) -> String {
    let name = template_name();
    let mut conn = PgConnection::connect_with(server)
        .await
        .expect("connect to test server");
    // Serialise template creation between concurrently running test binaries.
    sqlx::query("SELECT pg_advisory_lock(727274)")
        .execute(&mut conn)
        .await
        .expect("lock");
    if !exists(&mut conn, &name).await {
        let building = format!("{name}_build");
        execute(
            &mut conn,
            format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
        )
        .await;
        execute(&mut conn, format!("CREATE DATABASE {building}")).await;
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(server.clone().database(&building))
            .await
            .expect("connect to template");
        MIGRATOR.run(&pool).await.expect("migrate template");
        pool.close().await;
        execute(
            &mut conn,
            format!("ALTER DATABASE {building} RENAME TO {name}"),
        )
        .await;
        let stale: Vec<String> = sqlx::query_scalar(
            "SELECT datname FROM pg_database WHERE datname LIKE 'ctodash\\_tpl\\_%' AND datname <> $1",
        )
        .bind(&name)
        .fetch_all(&mut conn)
        .await
        .expect("list templates");
        for old in stale {
            execute(
                &mut conn,
                format!("DROP DATABASE IF EXISTS {old} WITH (FORCE)"),
            )
            .await;
        }
    }
    sqlx::query("SELECT pg_advisory_unlock(727274)")
        .execute(&mut conn)
        .await
        .expect("unlock");
    name
}

impl TestDb {
    /// A fresh database with the current schema and no rows.
    pub async fn new() -> TestDb {
        let server = server().await;
        let template = ensure_template(&server).await;
        let name = format!("{TEST_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect_with(&server)
            .await
            .expect("connect to test server");
        execute(
            &mut conn,
            format!("CREATE DATABASE {name} TEMPLATE {template}"),
        )
        .await;
        conn.close().await.ok();
        let options = server.clone().database(&name);
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(options.clone())
            .await
            .expect("connect to test database");
        TestDb {
            pool,
            options,
            name,
            server,
            role: None,
        }
    }

    /// A database as production has them: owned by a fresh ordinary role
    /// (`LOGIN CREATEDB NOSUPERUSER`), empty (no schema: the role migrates
    /// it), with `pool` and `url()` logged in as that role. The role is
    /// dropped with the database.
    pub async fn owned_by_new_role() -> TestDb {
        let server = server().await;
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let role = format!("{ROLE_PREFIX}{}", &suffix[..12]);
        let name = format!("{TEST_PREFIX}{suffix}");
        let mut conn = PgConnection::connect_with(&server)
            .await
            .expect("connect to test server");
        execute(
            &mut conn,
            format!("CREATE ROLE {role} LOGIN CREATEDB NOSUPERUSER"),
        )
        .await;
        execute(
            &mut conn,
            format!("CREATE DATABASE {name} OWNER {role} TEMPLATE template0 ENCODING 'UTF8'"),
        )
        .await;
        conn.close().await.ok();
        let options = server.clone().database(&name).username(&role);
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(options.clone())
            .await
            .expect("connect to the test database as its owner");
        TestDb {
            pool,
            options,
            name,
            server,
            role: Some(role),
        }
    }

    /// A fresh ordinary role (`LOGIN`, nothing granted) on this test's server,
    /// dropped when the returned guard goes; for testing grants.
    pub async fn new_role(&self) -> TestRole {
        let role = format!(
            "{ROLE_PREFIX}{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let mut conn = PgConnection::connect_with(&self.server)
            .await
            .expect("connect to test server");
        execute(&mut conn, format!("CREATE ROLE {role} LOGIN NOSUPERUSER")).await;
        conn.close().await.ok();
        TestRole {
            name: role,
            server: self.server.clone(),
            database: self.name.clone(),
        }
    }

    /// Connection options for this database logged in as `role`.
    pub fn options_as(&self, role: &str) -> PgConnectOptions {
        self.options.clone().username(role)
    }

    /// `url()` logged in as `role`.
    pub fn url_as(&self, role: &str) -> String {
        let url = self.url();
        let user = self.options.get_username();
        url.replacen(&format!("://{user}@"), &format!("://{role}@"), 1)
    }

    pub async fn conn(&self) -> PgConnection {
        PgConnection::connect_with(&self.options)
            .await
            .expect("connect to test database")
    }

    /// A libpq-style URL for handing to the real binary.
    pub fn url(&self) -> String {
        let user = self.options.get_username();
        let port = self.options.get_port();
        match self.options.get_socket() {
            Some(dir) => format!(
                "postgres://{user}@localhost:{port}/{}?host={}",
                self.name,
                dir.display()
            ),
            None => format!(
                "postgres://{user}@{}:{port}/{}",
                self.options.get_host(),
                self.name
            ),
        }
    }
}

/// A role made by [`TestDb::new_role`]; dropped (with what it owns and was
/// granted in its database) when this goes.
pub struct TestRole {
    pub name: String,
    server: PgConnectOptions,
    database: String,
}

impl Drop for TestRole {
    fn drop(&mut self) {
        let role = self.name.clone();
        let in_db = self.server.clone().database(&self.database);
        let server = self.server.clone();
        best_effort(move || async move {
            if let Ok(mut conn) = PgConnection::connect_with(&in_db).await {
                let sql = format!("DROP OWNED BY {role}");
                let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await;
            }
            let mut conn = PgConnection::connect_with(&server).await.ok()?;
            let sql = format!("DROP ROLE IF EXISTS {role}");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await
                .ok()
        });
    }
}

/// Runs clean-up on a private runtime on its own thread: `Drop` runs outside
/// async context, and nesting runtimes inside the test's would panic.
fn best_effort<F, Fut>(work: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Option<sqlx::postgres::PgQueryResult>>,
{
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        rt.block_on(work())
    })
    .join();
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let server = self.server.clone();
        let name = self.name.clone();
        let role = self.role.take();
        best_effort(move || async move {
            let mut conn = PgConnection::connect_with(&server).await.ok()?;
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let dropped = sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await;
            if let Some(role) = role {
                let sql = format!("DROP ROLE IF EXISTS {role}");
                let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await;
            }
            dropped.ok()
        });
    }
}
