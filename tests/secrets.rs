//! Secrets never leave: a database password, whatever it contains (`#`, `?`,
//! `/`, `@`, percent-encoded or not, in a URL that parses or one that does
//! not), never shows on stderr, stdout (doctor, errors), the dashboard's
//! header or in the log file, at any log level.

use chrono::{TimeZone, Utc};
use ctodash::app::fixtures::sample_app;
use ctodash::db::discover::display_url;
use ctodash::db::testing::TestDb;
use ctodash::ui::{Theme, render_with};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sqlx::postgres::PgConnectOptions;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every password below contains this, so one search finds any leak of any
/// part of it (before or after the special character).
const MARK: &str = "Sek";

/// Passwords as they would be typed into a URL: raw special characters (the
/// URL is then invalid or cut short by a parser) and percent-encoded ones.
const RAW: [&str; 6] = [
    "Sek#r9t", "Sek?r9t", "Sek/r9t", "Sek@r9t", "Sek:r9t", "Sek r9t",
];
const ENCODED: [&str; 4] = ["Sek%23r9t", "Sek%3Fr9t", "Sek%2Fr9t", "Sek%40r9t"];

struct Out {
    code: i32,
    text: String,
}

fn temp_dir() -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("ctodash-secrets-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), "").unwrap();
    dir
}

/// Runs the binary with `url`, its own data dir and an empty config; stdout
/// and stderr together.
fn ctodash(dir: &Path, url: &str, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_ctodash"))
        .arg("--database-url")
        .arg(url)
        .arg("--data-dir")
        .arg(dir)
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("CTODASH_CONFIG")
        .env_remove("CTODASH_DATA_DIR")
        .env_remove("CTODASH_LOG")
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        text: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn log_of(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("ctodash.log")).unwrap_or_default()
}

#[track_caller]
fn assert_no_secret(what: &str, text: &str) {
    assert!(!text.contains(MARK), "{what} shows the password:\n{text}");
}

#[test]
fn a_bad_or_unreachable_url_never_shows_its_password() {
    let dir = temp_dir();
    let mut urls = Vec::new();
    for pw in RAW.iter().chain(&ENCODED) {
        // Unreachable (port 1) and unparsable (a raw special character).
        urls.push(format!("postgres://me:{pw}@127.0.0.1:1/bugs"));
        urls.push(format!(
            "postgresql://me:{pw}@127.0.0.1:1/bugs?sslmode=disable"
        ));
        urls.push(format!("me:{pw}@127.0.0.1:1/bugs"));
    }
    urls.push(format!(
        "host=127.0.0.1 port=1 password={} dbname=x",
        RAW[0]
    ));
    urls.push(format!(
        "postgres://me@127.0.0.1:1/bugs?password={}",
        ENCODED[0]
    ));
    for url in &urls {
        for args in [&["kpis"][..], &["-vv", "bugs", "list"], &["doctor"]] {
            let out = ctodash(&dir, url, args);
            assert_eq!(out.code, 1, "{url} {args:?}: {}", out.text);
            assert!(
                out.text.contains("error: ") || out.text.contains("fail  connection"),
                "{}",
                out.text
            );
            assert_no_secret(&format!("`ctodash {args:?}` with {url}"), &out.text);
        }
    }
    let log = log_of(&dir);
    assert!(log.contains("ERROR"), "the failures were logged:\n{log}");
    assert!(log.contains(":***@"), "{log}");
    assert_no_secret("the log file", &log);
    std::fs::remove_dir_all(&dir).ok();
}

/// The test database's URL with a password in it (the test server trusts
/// local connections, so any password logs in).
fn url_with_password(db: &TestDb, pw: &str, database: &str) -> String {
    let o = &db.options;
    let user = o.get_username();
    let port = o.get_port();
    match o.get_socket() {
        Some(dir) => format!(
            "postgres://{user}:{pw}@localhost:{port}/{database}?host={}",
            dir.display()
        ),
        None => format!("postgres://{user}:{pw}@{}:{port}/{database}", o.get_host()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_working_url_never_shows_its_password() {
    let db = TestDb::new().await;
    let dir = temp_dir();
    for pw in ENCODED.iter().chain(&["Sek@r9t"]) {
        let url = url_with_password(&db, pw, &db.name);
        let doctor = ctodash(&dir, &url, &["-vv", "doctor"]);
        assert_no_secret("doctor", &doctor.text);
        let connection = doctor
            .text
            .lines()
            .find(|l| l.starts_with("ok    connection"))
            .unwrap_or_else(|| panic!("{}", doctor.text));
        assert!(
            connection.contains(":***@") || connection.contains("password=***"),
            "{connection}"
        );

        // An error that names the database.
        let show = ctodash(&dir, &url, &["bugs", "show", "BUG-999999"]);
        assert_eq!(show.code, 1, "{}", show.text);
        assert!(
            show.text.contains("there is no bug BUG-999999"),
            "{}",
            show.text
        );
        assert_no_secret("bugs show's error", &show.text);

        // A database that does not exist, on a server that answers.
        let missing = url_with_password(&db, pw, "ctodash_no_such_db_secrets");
        let out = ctodash(&dir, &missing, &["kpis"]);
        assert_eq!(out.code, 1, "{}", out.text);
        assert!(out.text.contains("does not exist"), "{}", out.text);
        assert_no_secret("a missing database's error", &out.text);
    }
    assert_no_secret("the log file", &log_of(&dir));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_config_file_error_never_shows_the_password() {
    let dir = temp_dir();
    // Unquoted: TOML's error quotes the offending line.
    std::fs::write(
        dir.join("config.toml"),
        "database_url = postgres://me:Sek#r9t@db.example/bugs\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ctodash"))
        .args(["--config"])
        .arg(dir.join("config.toml"))
        .arg("--data-dir")
        .arg(&dir)
        .arg("kpis")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("config file"), "{text}");
    assert_no_secret("a config error", &text);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_header_never_shows_the_password() {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    for pw in ENCODED {
        for url in [
            format!("postgres://me:{pw}@db.example:5432/bugs"),
            format!("postgres://me:{pw}@localhost/bugs?host=/run/postgresql"),
        ] {
            let options: PgConnectOptions = url.parse().unwrap();
            let mut app = sample_app(now);
            // What the runtime puts there: the discovered database's display.
            app.source = display_url(&options);
            let mut terminal = Terminal::new(TestBackend::new(200, 40)).unwrap();
            terminal
                .draw(|f| render_with(f, &app, &Theme::colour()))
                .unwrap();
            let buf = terminal.backend().buffer();
            let header: String = (0..buf.area.width)
                .map(|x| buf[(x, 0)].symbol().to_string())
                .collect();
            assert!(
                header.contains("me:***@") || header.contains("password=***"),
                "{header}"
            );
            assert_no_secret("the header", &header);
        }
    }
}
