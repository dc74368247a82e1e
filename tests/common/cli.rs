//! Runs the real `ctodash` binary against a test database, isolated from the
//! environment: its own data directory and an empty config file, and none of
//! DATABASE_URL, CTODASH_USER, CTODASH_CONFIG, CTODASH_DATA_DIR or COLUMNS.
//! Exit codes and stderr are what a user sees; stdout is the command's output.
#![allow(dead_code)]

use std::path::PathBuf;

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with both streams unless the command succeeded.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics unless stdout contains every `needle`, naming the missing one.
    #[track_caller]
    pub fn says(&self, needles: &[&str]) -> &Run {
        for n in needles {
            assert!(self.stdout.contains(n), "missing {n:?} in\n{}", self.stdout);
        }
        self
    }

    /// Panics with both streams unless the command exited with `code`.
    #[track_caller]
    pub fn exits(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics unless the command failed with `code`, wrote nothing to stdout
    /// and one paragraph ("error: ...") to stderr containing every `needle`.
    #[track_caller]
    pub fn fails_with(&self, code: i32, needles: &[&str]) {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        let err = self.stderr.trim();
        assert!(err.starts_with("error: "), "stderr: {err}");
        assert_eq!(err.lines().count(), 1, "one paragraph: {err}");
        for n in needles {
            assert!(err.contains(n), "{n:?} not in stderr: {err}");
        }
    }
}

pub struct Cli {
    url: String,
    dir: PathBuf,
    config: PathBuf,
}

impl Cli {
    pub fn new(url: String) -> Cli {
        let dir =
            std::env::temp_dir().join(format!("ctodash-cli-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let config = dir.join("config.toml");
        std::fs::write(&config, "").expect("empty config");
        Cli { url, dir, config }
    }

    /// Replaces the config file every run reads.
    pub fn write_config(&self, text: &str) {
        std::fs::write(&self.config, text).expect("write the config file");
    }

    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[]).await
    }

    pub async fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_ctodash"));
        cmd.arg("--database-url")
            .arg(&self.url)
            .arg("--data-dir")
            .arg(&self.dir)
            .arg("--config")
            .arg(&self.config)
            .args(args);
        for var in [
            "DATABASE_URL",
            "CTODASH_USER",
            "CTODASH_CONFIG",
            "CTODASH_DATA_DIR",
            "COLUMNS",
            "RUST_LIB_BACKTRACE",
        ] {
            cmd.env_remove(var);
        }
        // With RUST_BACKTRACE=1 every error report captures and resolves a
        // backtrace for the log, about a second per failing run in a debug build.
        cmd.env("RUST_BACKTRACE", "0");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().await.expect("run ctodash");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
        }
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// A fresh database with 2,000 seeded bugs, and a runner pointed at it.
pub async fn seeded() -> (ctodash::db::testing::TestDb, Cli) {
    let db = ctodash::db::testing::TestDb::new().await;
    let opts = ctodash::seed::SeedOptions {
        bugs: 2_000,
        projects: Some(12),
        users: Some(15),
        seed: 4,
        reset: false,
    };
    ctodash::seed::run(&db.pool, &opts).await.expect("seed");
    let cli = Cli::new(db.url());
    (db, cli)
}

/// A single integer from plain SQL, to check a command's answer against.
pub async fn count(db: &ctodash::db::testing::TestDb, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}
