#![allow(dead_code)] // shared by the import_csv_* and import_github_* tests, each using a subset
//! Helpers of the import tests: the real `ctodash` binary run from the crate
//! root against a test database (with stdin when a test pipes a file in), the
//! sample files in assets/csv/ and assets/github/ with the users and projects
//! the CSV samples expect, and readers of what an import left behind: row
//! counts, project names and the `import_logs` rows. A test includes it as
//! `#[path = "common/import.rs"] mod import_common;`; `Run` and `count` are
//! those of `cli.rs`.

#[path = "cli.rs"]
mod cli;

#[allow(unused_imports)] // import_github_api.rs reads no counts
pub use cli::{Run, count};

use chrono::{DateTime, TimeZone, Utc};
use ctodash::db::testing::TestDb;
use sqlx::PgPool;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use uuid::Uuid;

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The caller's settings a run must not see: the database, user, config and
/// data directory, GitHub's token and API URL, and proxies.
const UNSET: [&str; 12] = [
    "DATABASE_URL",
    "CTODASH_USER",
    "CTODASH_CONFIG",
    "CTODASH_DATA_DIR",
    "GITHUB_TOKEN",
    "GITHUB_API_URL",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
];

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ctodash-import-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

/// Runs the real binary from the crate root (so asset paths read as in the
/// README), against `db`, with a data directory and config home of its own,
/// isolated from the caller's environment (see `UNSET`); `envs` are set on
/// top, and `stdin`, when given, is piped in.
pub fn ctodash(db: &TestDb, args: &[&str], envs: &[(&str, &str)], stdin: Option<&[u8]>) -> Run {
    let dir = scratch_dir();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ctodash"));
    cmd.current_dir(ROOT)
        .arg("--database-url")
        .arg(db.url())
        .arg("--data-dir")
        .arg(&dir)
        .args(args)
        .env("XDG_CONFIG_HOME", &dir)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for k in UNSET {
        cmd.env_remove(k);
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn ctodash");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(bytes).expect("write stdin");
    }
    let out: Output = child.wait_with_output().expect("wait for ctodash");
    let _ = std::fs::remove_dir_all(&dir);
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `ctodash import csv --kind KIND [EXTRA…] FILE`.
pub fn import(db: &TestDb, kind: &str, file: &str, extra: &[&str]) -> Run {
    let mut args = vec!["import", "csv", "--kind", kind];
    args.extend_from_slice(extra);
    args.push(file);
    ctodash(db, &args, &[], None)
}

/// `assets/csv/NAME`, relative to the crate root the binary runs from.
pub fn csv_asset(name: &str) -> String {
    format!("assets/csv/{name}")
}

/// The bytes of `assets/csv/NAME`.
pub fn csv_asset_bytes(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(ROOT).join("assets/csv").join(name)).expect("read asset")
}

/// The text of `assets/github/PATH`, a recorded GitHub API answer.
pub fn github_asset(path: &str) -> String {
    std::fs::read_to_string(PathBuf::from(ROOT).join("assets/github").join(path)).unwrap()
}

/// Adds a user with `role` (a `user_role` value) and returns its id.
pub async fn add_user(pool: &PgPool, email: &str, name: &str, role: &str) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO users (email, name, role) VALUES ($1, $2, $3::user_role) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(role)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// A fresh database with the sample users (cto@example.com, whose id is
/// returned, and grace.hopper@example.com) and the projects of
/// assets/csv/projects_sample.csv imported.
pub async fn with_sample_projects() -> (TestDb, Uuid) {
    let db = TestDb::new().await;
    let cto = add_user(&db.pool, "cto@example.com", "Ada Lovelace", "cto").await;
    add_user(
        &db.pool,
        "grace.hopper@example.com",
        "Grace Hopper",
        "engineer",
    )
    .await;
    let run = import(&db, "projects", &csv_asset("projects_sample.csv"), &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    (db, cto)
}

pub fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

/// Every project's name, sorted.
pub async fn project_names(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM projects ORDER BY name")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// One `import_logs` row.
#[derive(Debug, sqlx::FromRow)]
pub struct LogRow {
    pub source: String,
    pub records_imported: i32,
    pub records_failed: i32,
    pub errors: Vec<String>,
    pub metadata: serde_json::Value,
}

/// The `import_logs` rows, oldest first.
pub async fn logs(pool: &PgPool) -> Vec<LogRow> {
    sqlx::query_as(
        "SELECT source::text AS source, records_imported, records_failed, errors, metadata \
         FROM import_logs ORDER BY \"timestamp\", id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}
