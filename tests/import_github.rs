//! `ctodash import github` against a real database: the recorded "list
//! repositories" JSON in assets/github/ read from a file, and the same pages
//! served by a tiny local HTTP server (127.0.0.1 only, no internet) to test the
//! API path: pagination through `Link`, the token and headers sent, the
//! fallback from organisations to users, and rate limits.

#[path = "common/import.rs"]
mod import_common;

use chrono::{DateTime, Utc};
use ctodash::commands::import::github::{FetchOptions, fetch_repos, health_score};
use ctodash::db::testing::TestDb;
use import_common::{ROOT, count, ctodash, import, logs, project_names, utc};
use sqlx::PgPool;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn asset(path: &str) -> String {
    std::fs::read_to_string(PathBuf::from(ROOT).join("assets/github").join(path)).unwrap()
}

// ---------------------------------------------------------------------------
// A recorded-pages HTTP server on 127.0.0.1.

#[derive(Debug, Clone)]
struct Request {
    path: String,
    headers: HashMap<String, String>,
    at: SystemTime,
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![(
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: body.into(),
        }
    }

    fn header(mut self, k: &str, v: impl Into<String>) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }
}

type Handler = dyn Fn(&Request, &[Request], &str) -> Response + Send + Sync;

struct Server {
    base: String,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves until dropped (or for 60 s at most). `handler` sees the request,
    /// the requests before it, and the server's base URL.
    fn start(
        handler: impl Fn(&Request, &[Request], &str) -> Response + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (reqs, stopped, b) = (requests.clone(), stop.clone(), base.clone());
        let handler: Arc<Handler> = Arc::new(handler);
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !stopped.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => serve_one(stream, &reqs, handler.as_ref(), &b),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => break,
                }
            }
        });
        Server {
            base,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve_one(stream: TcpStream, log: &Mutex<Vec<Request>>, handler: &Handler, base: &str) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    if let Some(n) = headers
        .get("content-length")
        .and_then(|n| n.parse::<usize>().ok())
    {
        let mut body = vec![0; n];
        let _ = reader.read_exact(&mut body);
    }
    let req = Request {
        path,
        headers,
        at: SystemTime::now(),
    };
    let previous = log.lock().unwrap().clone();
    let resp = handler(&req, &previous, base);
    log.lock().unwrap().push(req);
    let reason = match resp.status {
        200 => "OK",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        _ => "Status",
    };
    let mut out = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n",
        resp.status,
        resp.body.len()
    );
    for (k, v) in &resp.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&resp.body);
    let mut stream = stream;
    let _ = stream.write_all(out.as_bytes());
    let _ = stream.flush();
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// GitHub's two pages for acme-robotics, with the Link headers GitHub sends.
fn acme_pages(req: &Request, base: &str) -> Response {
    let page = |n: u32| format!("{base}/orgs/acme-robotics/repos?per_page=100&page={n}");
    match req.path.as_str() {
        "/orgs/acme-robotics/repos?per_page=100&page=1" => {
            Response::json(200, asset("acme-robotics_repos_page1.json")).header(
                "Link",
                format!("<{}>; rel=\"next\", <{}>; rel=\"last\"", page(2), page(2)),
            )
        }
        "/orgs/acme-robotics/repos?per_page=100&page=2" => {
            Response::json(200, asset("acme-robotics_repos_page2.json")).header(
                "Link",
                format!("<{}>; rel=\"prev\", <{}>; rel=\"first\"", page(1), page(1)),
            )
        }
        _ => Response::json(404, r#"{"message":"Not Found","status":"404"}"#),
    }
}

// ---------------------------------------------------------------------------

#[derive(Debug, sqlx::FromRow, PartialEq)]
struct P {
    name: String,
    description: Option<String>,
    github_url: Option<String>,
    demo_url: Option<String>,
    language: Option<String>,
    tags: Vec<String>,
    stars: i32,
    forks: i32,
    last_commit: Option<DateTime<Utc>>,
    status: String,
}

async fn project(pool: &PgPool, url: &str) -> P {
    sqlx::query_as(
        "SELECT name, description, github_url, demo_url, language, tags, stars, forks, \
         last_commit, status::text AS status FROM projects WHERE github_url = $1",
    )
    .bind(url)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn file_import_upserts_projects_and_todays_metrics() {
    let db = TestDb::new().await;
    // Two of the six repositories are already projects (from the CSV sample).
    let run = import(&db, "projects", "assets/csv/projects_sample.csv", &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    let run = ctodash(
        &db,
        &["import", "github", "--file", "assets/github/repos.json"],
        &[],
        None,
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("Import: projects from GitHub from assets/github/repos.json"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("repositories 6"), "{}", run.stdout);
    assert!(
        run.stdout.contains("imported     6  (4 new, 2 updated)"),
        "{}",
        run.stdout
    );
    assert_eq!(project_names(&db.pool).await.len(), 14);

    // Existing: the name people gave it is kept; GitHub's counters, topics and
    // description replace the stored ones; an empty homepage keeps demo_url.
    assert_eq!(
        project(&db.pool, "https://github.com/northwind-labs/storefront-web").await,
        P {
            name: "Storefront Web".into(),
            description: Some("Customer-facing shop: catalogue, cart and checkout".into()),
            github_url: Some("https://github.com/northwind-labs/storefront-web".into()),
            demo_url: Some("https://shop.northwind.example".into()),
            language: Some("TypeScript".into()),
            tags: vec!["checkout".into(), "nextjs".into(), "web".into()],
            stars: 431,
            forks: 59,
            last_commit: Some(utc(2025, 5, 2, 8, 14, 51)),
            status: "active".into(),
        }
    );
    let payments = project(&db.pool, "https://github.com/northwind-labs/payments-core").await;
    assert_eq!((payments.stars, payments.demo_url), (201, None));
    assert_eq!(
        payments.description.as_deref(),
        Some("Card, wallet and bank-transfer processing")
    );
    // New: active, or deferred when archived; nulls stay null.
    assert_eq!(
        project(&db.pool, "https://github.com/northwind-labs/design-system").await,
        P {
            name: "design-system".into(),
            description: Some("Shared React components and tokens".into()),
            github_url: Some("https://github.com/northwind-labs/design-system".into()),
            demo_url: Some("https://design.northwind.example".into()),
            language: Some("TypeScript".into()),
            tags: vec!["react".into(), "design-system".into(), "storybook".into()],
            stars: 96,
            forks: 11,
            last_commit: Some(utc(2025, 4, 29, 12, 0, 0)),
            status: "active".into(),
        }
    );
    assert_eq!(
        project(&db.pool, "https://github.com/northwind-labs/legacy-admin")
            .await
            .status,
        "deferred"
    );
    let docs = project(&db.pool, "https://github.com/northwind-labs/docs-site").await;
    assert_eq!(
        (docs.description, docs.language, docs.demo_url),
        (None, None, None)
    );
    assert!(docs.tags.is_empty());

    // One metrics row per project for today, health from push recency.
    let today = Utc::now().date_naive();
    let metrics: Vec<(String, Option<i32>, Vec<String>, i32)> = sqlx::query_as(
        "SELECT p.name, m.health_score, m.tech_stack, m.commits_count FROM project_metrics m \
         JOIN projects p ON p.id = m.project_id WHERE m.date = $1 ORDER BY p.name",
    )
    .bind(today)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(metrics.len(), 6);
    let now = Utc::now();
    let expect = |name: &str, pushed: DateTime<Utc>, archived: bool| {
        let m = metrics.iter().find(|m| m.0 == name).unwrap();
        assert_eq!(m.1, Some(health_score(pushed, archived, now)), "{name}");
        m.2.clone()
    };
    assert_eq!(
        expect("Storefront Web", utc(2025, 5, 2, 8, 14, 51), false),
        ["TypeScript"]
    );
    assert_eq!(
        expect("legacy-admin", utc(2023, 6, 30, 9, 0, 0), true),
        ["PHP"]
    );
    assert!(expect("docs-site", utc(2025, 2, 10, 16, 20, 0), false).is_empty());
    assert_eq!(
        health_score(now - chrono::Duration::days(3), false, now),
        97
    );

    // The log row.
    let logs = logs(&db.pool).await;
    let log = logs.last().unwrap();
    assert_eq!(
        (
            log.source.as_str(),
            log.records_imported,
            log.records_failed
        ),
        ("github", 6, 0)
    );
    let meta = &log.metadata;
    assert_eq!(meta["file"], "assets/github/repos.json");
    assert_eq!(meta["inserted"], 4);
    assert_eq!(meta["updated"], 2);
    assert_eq!(meta["sha256"].as_str().map(str::len), Some(64));

    // Again, with storefront-web archived (through stdin): no new projects or
    // metrics rows; the active project becomes deferred.
    let edited = asset("repos.json").replacen("\"archived\": false", "\"archived\": true", 1);
    let run = ctodash(
        &db,
        &["import", "github", "--file", "-"],
        &[],
        Some(edited.as_bytes()),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("(0 new, 6 updated)"), "{}", run.stdout);
    assert_eq!(project_names(&db.pool).await.len(), 14);
    assert_eq!(count(&db, "SELECT count(*) FROM project_metrics").await, 6);
    assert_eq!(
        project(&db.pool, "https://github.com/northwind-labs/storefront-web")
            .await
            .status,
        "deferred"
    );
}

#[tokio::test]
async fn bad_repositories_are_skipped_and_reported() {
    let db = TestDb::new().await;
    let run = ctodash(
        &db,
        &[
            "import",
            "github",
            "--file",
            "assets/github/repos_with_problems.json",
        ],
        &[],
        None,
    );
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    for line in [
        "repo 2 \"no-url\", field html_url: is required but empty",
        "repo 3 \"broken-url\", field html_url: \"not a url\" is not a valid URL: it contains spaces",
        "repo 4 \"negative-stars\", field stargazers_count: -4 is out of range: must be 0 or more",
        "repo 5 \"search-indexer\", field html_url: is a duplicate of repo 1",
        "repo 6 \"bad-date\", field pushed_at: \"yesterday\" is not a date or time",
        "repo 7 \"\": is not a JSON object but a string",
        "repo 8 \"\", field name: is required but empty",
        "repo 1 \"search-indexer\": homepage \"search.northwind.example\" is not an http(s) URL, so demo_url was left as it was",
    ] {
        assert!(
            run.stdout.contains(line),
            "missing {line:?} in\n{}",
            run.stdout
        );
    }
    assert_eq!(project_names(&db.pool).await, ["search-indexer"]);

    // Not a repository list at all: fatal, logged.
    let run = ctodash(
        &db,
        &["import", "github", "--file", "-"],
        &[],
        Some(b"{\"message\": \"Bad credentials\"}"),
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("- is not a GitHub repository list: expected a JSON array"),
        "{}",
        run.stderr
    );
    let logs: Vec<(i32, i32)> = logs(&db.pool)
        .await
        .iter()
        .filter(|l| l.source == "github")
        .map(|l| (l.records_imported, l.records_failed))
        .collect();
    assert_eq!(logs, [(1, 7), (0, 0)]);

    // A dry run writes nothing.
    let run = ctodash(
        &db,
        &[
            "import",
            "github",
            "--dry-run",
            "--file",
            "assets/github/repos.json",
        ],
        &[],
        None,
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Dry run (nothing written)"));
    assert_eq!(project_names(&db.pool).await.len(), 1);
}

#[tokio::test]
async fn org_import_follows_pages_sends_the_token_and_waits_out_a_rate_limit() {
    let db = TestDb::new().await;
    let reset_at = Arc::new(Mutex::new(0u64));
    let reset = reset_at.clone();
    let server = Server::start(move |req, before, base| {
        // The very first request hits an exhausted rate limit that resets in ~1 s.
        if before.is_empty() {
            let r = unix_now() + 1;
            *reset.lock().unwrap() = r;
            return Response::json(
                403,
                r#"{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}"#,
            )
            .header("x-ratelimit-limit", "5000")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-used", "5000")
            .header("x-ratelimit-reset", r.to_string());
        }
        acme_pages(req, base).header("x-ratelimit-remaining", "4999")
    });
    let run = ctodash(
        &db,
        &[
            "import",
            "github",
            "--org",
            "acme-robotics",
            "--api-url",
            &server.base,
            "--format",
            "json",
        ],
        &[("GITHUB_TOKEN", "ghp_testtoken123")],
        None,
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["input"], "org:acme-robotics");
    assert_eq!(report["rows"], 5);
    assert_eq!(report["inserted"], 5);
    assert_eq!(report["details"]["pages"], 2);
    assert_eq!(report["details"]["endpoint"], "orgs");
    assert_eq!(report["details"]["rate_limit_waits"], 1);

    let requests = server.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/orgs/acme-robotics/repos?per_page=100&page=1",
            "/orgs/acme-robotics/repos?per_page=100&page=1",
            "/orgs/acme-robotics/repos?per_page=100&page=2",
        ]
    );
    for r in &requests {
        assert_eq!(r.headers["authorization"], "Bearer ghp_testtoken123");
        assert_eq!(r.headers["accept"], "application/vnd.github+json");
        assert_eq!(
            r.headers["user-agent"],
            format!("ctodash/{}", env!("CARGO_PKG_VERSION"))
        );
    }
    // The retry waited until the reset time.
    let reset = *reset_at.lock().unwrap();
    let retried = requests[1].at.duration_since(UNIX_EPOCH).unwrap().as_secs();
    assert!(retried >= reset, "retried at {retried}, reset at {reset}");

    let mut got = project_names(&db.pool).await;
    got.sort();
    assert_eq!(
        got,
        [
            "firmware-legacy",
            "fleet-control",
            "ops-dashboard",
            "path-planner",
            "sim-world"
        ]
    );
    let status: String =
        sqlx::query_scalar("SELECT status::text FROM projects WHERE name = 'firmware-legacy'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(status, "deferred");
    let logs = logs(&db.pool).await;
    let log = logs.last().unwrap();
    assert_eq!(log.source, "github");
    let meta = &log.metadata;
    assert_eq!(meta["file"], "org:acme-robotics");
    assert_eq!(meta["api_url"], server.base.as_str());
    assert_eq!(meta["requests"], 3);
}

#[tokio::test]
async fn users_fallback_retry_after_and_api_url_from_the_environment() {
    let db = TestDb::new().await;
    let server = Server::start(|req, before, base| {
        match req.path.as_str() {
            "/orgs/solo-dev/repos?per_page=100&page=1" => {
                Response::json(404, r#"{"message":"Not Found"}"#)
            }
            "/users/solo-dev/repos?per_page=100&page=1"
                if !before.iter().any(|r| r.path.starts_with("/users/")) =>
            {
                // A secondary rate limit: retry after a second.
                Response::json(
                    429,
                    r#"{"message":"You have exceeded a secondary rate limit."}"#,
                )
                .header("retry-after", "1")
            }
            "/users/solo-dev/repos?per_page=100&page=1" => Response::json(
                200,
                asset("acme-robotics_repos_page2.json").replace("acme-robotics", "solo-dev"),
            ),
            _ => acme_pages(req, base),
        }
    });
    // No --api-url: GITHUB_API_URL decides. No token: no Authorization header.
    let run = ctodash(
        &db,
        &["import", "github", "--org", "solo-dev"],
        &[("GITHUB_API_URL", &server.base)],
        None,
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("Import: projects from GitHub from org:solo-dev"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("waited 1.0 s for GitHub's rate limit (1 time)"),
        "{}",
        run.stdout
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| !r.headers.contains_key("authorization"))
    );
    let gap = requests[2].at.duration_since(requests[1].at).unwrap();
    assert!(
        gap >= Duration::from_millis(950),
        "retry-after honoured: {gap:?}"
    );
    let urls: Vec<String> = sqlx::query_scalar("SELECT github_url FROM projects ORDER BY 1")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        urls,
        [
            "https://github.com/solo-dev/firmware-legacy",
            "https://github.com/solo-dev/path-planner"
        ]
    );

    // An owner that is neither: a clear error, logged.
    let run = ctodash(
        &db,
        &[
            "import",
            "github",
            "--org",
            "nobody-at-all",
            "--api-url",
            &server.base,
        ],
        &[],
        None,
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("has no organisation or user named \"nobody-at-all\" (404)"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn a_long_rate_limit_fails_with_when_to_retry() {
    let db = TestDb::new().await;
    let server = Server::start(|_, _, _| {
        Response::json(
            403,
            r#"{"message":"API rate limit exceeded for 127.0.0.1."}"#,
        )
        .header("x-ratelimit-remaining", "0")
        .header("x-ratelimit-reset", (unix_now() + 3600).to_string())
    });
    let started = Instant::now();
    let run = ctodash(
        &db,
        &[
            "import",
            "github",
            "--org",
            "acme-robotics",
            "--api-url",
            &server.base,
        ],
        &[],
        None,
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "it did not sit out the hour"
    );
    assert!(
        run.stderr.contains("GitHub's rate limit is used up until")
            && run
                .stderr
                .contains("retry after that time, or set GITHUB_TOKEN"),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().len(), 1);
    let logs = logs(&db.pool).await;
    let log = logs.iter().find(|l| l.source == "github").unwrap();
    let (imported, errors) = (log.records_imported, &log.errors);
    assert_eq!(imported, 0);
    assert!(
        errors[0].starts_with("GitHub's rate limit is used up"),
        "{errors:?}"
    );
}

#[test]
fn fetch_repos_library_call_and_unreachable_api() {
    let server = Server::start(|req, _, base| acme_pages(req, base));
    let fetched = fetch_repos(&FetchOptions {
        api_url: server.base.clone(),
        owner: "acme-robotics".into(),
        token: None,
        max_wait: Duration::from_secs(5),
    })
    .unwrap();
    assert_eq!(
        (fetched.pages, fetched.requests, fetched.repos.len()),
        (2, 2, 5)
    );
    assert_eq!(fetched.repos[4]["name"], "path-planner");

    // A port nothing listens on.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let err = fetch_repos(&FetchOptions {
        api_url: format!("http://127.0.0.1:{port}"),
        owner: "acme-robotics".into(),
        token: None,
        max_wait: Duration::from_secs(5),
    })
    .unwrap_err();
    assert!(
        err.starts_with("cannot reach the GitHub API at http://127.0.0.1:"),
        "{err}"
    );
    let err = fetch_repos(&FetchOptions {
        api_url: server.base.clone(),
        owner: "../etc".into(),
        token: None,
        max_wait: Duration::from_secs(5),
    })
    .unwrap_err();
    assert!(
        err.contains("is not a GitHub organisation or user name"),
        "{err}"
    );
}
