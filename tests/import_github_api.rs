//! `ctodash import github --org` and the library's `fetch_repos` against the
//! recorded "list repositories" pages of assets/github/, served by a tiny local
//! HTTP server (127.0.0.1 only, no internet): pagination through `Link`, the
//! token and headers sent, waiting out a rate limit (reset time or
//! retry-after), the fallback from organisations to users, GITHUB_API_URL,
//! an unknown owner, a rate limit too long to wait for, an unreachable API and
//! an invalid owner name. Reading the same JSON from a file is in
//! import_github_file.rs.

#[path = "common/import.rs"]
mod import_common;

use ctodash::commands::import::github::{FetchOptions, fetch_repos};
use ctodash::db::testing::TestDb;
use import_common::{ctodash, github_asset as asset, logs, project_names};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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

// ---------------------------------------------------------------------------
// The token goes only to the API origin it was meant for.

#[tokio::test]
async fn a_link_to_another_origin_is_not_followed_and_nothing_is_imported() {
    let db = TestDb::new().await;
    // The same pages, but on another port: a different origin.
    let elsewhere = Server::start(|req, _, base| acme_pages(req, base));
    let other = elsewhere.base.clone();
    let api = Server::start(move |req, _, _| {
        acme_pages(req, &other).header("x-ratelimit-remaining", "4999")
    });
    let err = fetch_repos(&FetchOptions {
        api_url: api.base.clone(),
        owner: "acme-robotics".into(),
        token: Some("ghp_onlyforthisapi".into()),
        max_wait: Duration::from_secs(5),
    })
    .unwrap_err();
    assert!(
        err.contains(&format!(
            "Link: rel=\"next\" header points at {}, not at the API ctodash was given ({})",
            elsewhere.base, api.base
        )) && err.contains("stopped and imported nothing"),
        "{err}"
    );
    assert!(
        elsewhere.requests().is_empty(),
        "the other origin was called"
    );
    let sent = api.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].headers["authorization"],
        "Bearer ghp_onlyforthisapi"
    );

    // The command: exit 1, says so, writes no project.
    let run = ctodash(
        &db,
        &[
            "import",
            "github",
            "--org",
            "acme-robotics",
            "--api-url",
            &api.base,
        ],
        &[("GITHUB_TOKEN", "ghp_onlyforthisapi")],
        None,
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("does not follow it elsewhere"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("ghp_onlyforthisapi"), "{}", run.stderr);
    assert!(project_names(&db.pool).await.is_empty());
    assert!(
        elsewhere.requests().is_empty(),
        "the other origin was called"
    );
}

#[test]
fn redirects_stay_on_the_api_origin_and_relative_links_work() {
    let elsewhere = Server::start(|req, _, base| acme_pages(req, base));
    let other = elsewhere.base.clone();
    let api = Server::start(move |req, _, base| match req.path.as_str() {
        // Renamed organisation: a same-origin redirect, followed with the token.
        "/orgs/old-name/repos?per_page=100&page=1" => Response::json(301, "").header(
            "Location",
            format!("{base}/orgs/acme-robotics/repos?per_page=100&page=1"),
        ),
        // A relative Link target.
        "/orgs/acme-robotics/repos?per_page=100&page=1" => {
            Response::json(200, asset("acme-robotics_repos_page1.json")).header(
                "Link",
                "</orgs/acme-robotics/repos?per_page=100&page=2>; rel=\"next\"",
            )
        }
        "/orgs/moved-away/repos?per_page=100&page=1" => {
            Response::json(302, "").header("Location", format!("{other}/orgs/acme-robotics/repos"))
        }
        _ => acme_pages(req, base),
    });
    let opts = |owner: &str| FetchOptions {
        api_url: api.base.clone(),
        owner: owner.into(),
        token: Some("ghp_sameorigin".into()),
        max_wait: Duration::from_secs(5),
    };
    let fetched = fetch_repos(&opts("old-name")).unwrap();
    assert_eq!((fetched.pages, fetched.repos.len()), (2, 5));
    let sent = api.requests();
    assert_eq!(sent.len(), 3);
    assert!(
        sent.iter()
            .all(|r| r.headers["authorization"] == "Bearer ghp_sameorigin")
    );

    let err = fetch_repos(&opts("moved-away")).unwrap_err();
    assert!(
        err.contains(&format!("GitHub's redirect points at {}", elsewhere.base)),
        "{err}"
    );
    assert!(elsewhere.requests().is_empty(), "the redirect was followed");
}

#[test]
fn plain_http_is_refused_before_any_request_except_on_this_machine() {
    for api_url in [
        "http://192.0.2.10",
        "http://api.github.com",
        "http://ghe.example.com/api/v3",
    ] {
        let err = fetch_repos(&FetchOptions {
            api_url: api_url.into(),
            owner: "acme-robotics".into(),
            token: Some("ghp_neversent".into()),
            max_wait: Duration::from_secs(5),
        })
        .unwrap_err();
        assert!(
            err.contains("is plain http://") && err.contains("use https://"),
            "{api_url}: {err}"
        );
    }
    // localhost is this machine: allowed.
    let server = Server::start(|req, _, base| acme_pages(req, base));
    let local = server.base.replace("127.0.0.1", "localhost");
    let fetched = fetch_repos(&FetchOptions {
        api_url: local,
        owner: "acme-robotics".into(),
        token: None,
        max_wait: Duration::from_secs(5),
    });
    // The pages' Link headers name 127.0.0.1: another origin than localhost.
    let err = fetched.unwrap_err();
    assert!(err.contains("does not follow it elsewhere"), "{err}");
    assert_eq!(server.requests().len(), 1);
}
