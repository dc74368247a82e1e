//! `ctodash import github`: projects from GitHub's "list repositories" JSON,
//! read from a file or fetched from the API.
//!
//! Each repository upserts one project, matched by its `html_url` (like the CSV
//! import: case-insensitive, ignoring a trailing "/" or ".git"; else a same-named
//! project without a URL adopts it; else it is new). New projects are `active`,
//! or `deferred` when the repository is archived. On existing projects GitHub
//! owns stars, forks and the last commit; description, homepage (as demo_url),
//! language and topics (as tags) replace the stored values only when GitHub has
//! one; the project's name and status are kept, except that an archived
//! repository moves an `active` project to `deferred` (parked, not shipped or
//! cancelled: archiving says work stopped, not why).
//!
//! Each project also gets a `project_metrics` row for today (upserted on
//! (project_id, date)): tech_stack = [language], health_score = 100 minus one
//! point per day since the last push (0 after 100 days; 0 when archived). The
//! list call says nothing about commits, contributors or lines of code, so those
//! keep their defaults (0) or the values already recorded today. A repository
//! never pushed to gets no metrics row, since a row dated today would make the
//! risk score count it as active today.
//!
//! The API client is `ureq` (blocking, rustls, run on `spawn_blocking`): a few
//! sequential GETs need no async HTTP stack.

use super::csv_projects::ProjectIndex;
use super::report::{ImportReport, Problem};
use super::validate;
use super::{finish, read_input, refuse_read_only, resolve_actor, sha256_hex};
use crate::cli::ImportGithubArgs;
use crate::config::Config;
use crate::db::import::{self as sql, RepoMetrics, RepoUpsert};
use crate::db::{self, SchemaPolicy};
use crate::domain::ImportSource;
use chrono::{DateTime, TimeZone, Utc};
use color_eyre::eyre::{Result, eyre};
use serde::Deserialize;
use serde_json::Value;
use sqlx::PgPool;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use uuid::Uuid;

pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// The longest rate-limit pause ctodash sits through; beyond it, it stops and
/// says when to retry.
pub const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// Pages are 100 repositories; this bounds a runaway `Link` chain.
const MAX_PAGES: u32 = 1000;

pub async fn run(cfg: &Config, args: &ImportGithubArgs) -> Result<()> {
    refuse_read_only(cfg, args.dry_run)?;
    let file_bytes = match &args.file {
        Some(file) => Some(read_input(file)?),
        None => None,
    };
    let db = db::open(cfg, SchemaPolicy::MigrateOwned).await?;
    let actor = resolve_actor(cfg, &db.pool).await?;
    let started = Instant::now();
    let opts = GithubOptions {
        dry_run: args.dry_run,
        actor,
    };
    let report = match (&args.file, file_bytes, &args.org) {
        (Some(file), Some(bytes), _) => {
            let mut report = ImportReport::new(ImportSource::Github, "projects", file);
            report.sha256 = Some(sha256_hex(&bytes));
            match parse_repo_list(&bytes) {
                Ok(repos) => import_repos(&db.pool, repos, &opts, report, started).await?,
                Err(e) => {
                    report.fatal = Some(format!("{file} is not a GitHub repository list: {e}"));
                    log_failure(&db.pool, report, started).await?
                }
            }
        }
        (_, _, Some(org)) => {
            let fetch = FetchOptions {
                api_url: api_url(&args.api_url, std::env::var("GITHUB_API_URL").ok()),
                owner: org.clone(),
                token: std::env::var("GITHUB_TOKEN")
                    .ok()
                    .filter(|t| !t.trim().is_empty()),
                max_wait: MAX_RATE_LIMIT_WAIT,
            };
            let mut report =
                ImportReport::new(ImportSource::Github, "projects", &format!("org:{org}"));
            report
                .details
                .insert("api_url".into(), fetch.api_url.clone().into());
            let fetched = tokio::task::spawn_blocking(move || fetch_repos(&fetch)).await?;
            match fetched {
                Ok(f) => {
                    report.details.insert("endpoint".into(), f.endpoint.into());
                    report.details.insert("pages".into(), f.pages.into());
                    report.details.insert("requests".into(), f.requests.into());
                    let waited: u64 = f.waits.iter().map(|d| d.as_millis() as u64).sum();
                    report
                        .details
                        .insert("rate_limit_waits".into(), f.waits.len().into());
                    report
                        .details
                        .insert("rate_limit_waited_ms".into(), waited.into());
                    if !f.waits.is_empty() {
                        report.warnings.push(format!(
                            "waited {:.1} s for GitHub's rate limit ({} time{})",
                            waited as f64 / 1000.0,
                            f.waits.len(),
                            if f.waits.len() == 1 { "" } else { "s" }
                        ));
                    }
                    import_repos(&db.pool, f.repos, &opts, report, started).await?
                }
                Err(e) => {
                    report.fatal = Some(e);
                    log_failure(&db.pool, report, started).await?
                }
            }
        }
        _ => return Err(eyre!("give --file FILE or --org NAME")),
    };
    finish(&report, args.format, db.pool).await
}

/// The API base URL: --api-url when given, else GITHUB_API_URL, else GitHub's.
pub fn api_url(flag: &str, env: Option<String>) -> String {
    let chosen = match env.filter(|e| !e.trim().is_empty()) {
        Some(env) if flag == DEFAULT_API_URL => env,
        _ => flag.to_string(),
    };
    chosen.trim().trim_end_matches('/').to_string()
}

/// The repositories in a "list repositories" answer: a JSON array (a search
/// answer's `{"items": [...]}` is accepted too).
pub fn parse_repo_list(bytes: &[u8]) -> Result<Vec<Value>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON ({e})"))?;
    match v {
        Value::Array(items) => Ok(items),
        Value::Object(mut o) if o.get("items").is_some_and(Value::is_array) => {
            match o.remove("items") {
                Some(Value::Array(items)) => Ok(items),
                _ => unreachable!("checked above"),
            }
        }
        _ => Err("expected a JSON array of repositories, as GET /orgs/NAME/repos returns".into()),
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct GithubOptions {
    pub dry_run: bool,
    pub actor: Option<Uuid>,
}

/// The fields ctodash reads from a repository object.
#[derive(Debug, Deserialize)]
struct RawRepo {
    name: Option<String>,
    description: Option<String>,
    html_url: Option<String>,
    homepage: Option<String>,
    language: Option<String>,
    #[serde(default)]
    topics: Option<Vec<String>>,
    stargazers_count: Option<i64>,
    forks_count: Option<i64>,
    pushed_at: Option<String>,
    #[serde(default)]
    archived: Option<bool>,
}

/// health_score for today's metrics row (see the module documentation).
pub fn health_score(pushed_at: DateTime<Utc>, archived: bool, now: DateTime<Utc>) -> i32 {
    if archived {
        return 0;
    }
    let days = (now - pushed_at).num_days().max(0);
    (100 - days).clamp(0, 100) as i32
}

/// Validates and upserts repositories; writes the `import_logs` row.
pub async fn import_repos(
    pool: &PgPool,
    repos: Vec<Value>,
    opts: &GithubOptions,
    mut report: ImportReport,
    started: Instant,
) -> Result<ImportReport> {
    report.dry_run = opts.dry_run;
    report.rows = repos.len() as u64;
    let now = Utc::now();
    let today = now.date_naive();
    let mut conn = pool.acquire().await?;
    let existing = sql::existing_projects(&mut conn).await?;
    let index = ProjectIndex::new(&existing);
    let mut seen_url: HashMap<String, usize> = HashMap::new();
    let mut targets: HashSet<Uuid> = HashSet::new();
    let mut upserts = Vec::new();
    for (i, value) in repos.into_iter().enumerate() {
        let n = i + 1;
        let label_name = value
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let item = format!("repo {n} {label_name:?}");
        let mut problems: Vec<Problem> = Vec::new();
        let mut fail = |field: Option<&str>, message: String| {
            problems.push(Problem {
                line: None,
                item: Some(item.clone()),
                column: field.map(Into::into),
                message,
            })
        };
        let parsed = if value.is_object() {
            serde_json::from_value::<RawRepo>(value).map_err(|e| e.to_string())
        } else {
            Err(format!("is not a JSON object but {}", json_kind(&value)))
        };
        let raw = match parsed {
            Ok(r) => r,
            Err(e) => {
                fail(None, e);
                report.bad_rows += 1;
                report.errors.extend(problems);
                continue;
            }
        };
        let name = raw.name.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if name.is_none() {
            fail(Some("name"), "is required but empty".into());
        }
        let url = match raw.html_url.as_deref().map(str::trim) {
            None | Some("") => {
                fail(Some("html_url"), "is required but empty".into());
                None
            }
            Some(u) => match validate::http_url(u) {
                Ok(u) => Some(u),
                Err(e) => {
                    fail(Some("html_url"), e);
                    None
                }
            },
        };
        if let Some(u) = &url {
            let key = validate::url_key(u);
            if let Some(first) = seen_url.get(&key) {
                fail(Some("html_url"), format!("is a duplicate of repo {first}"));
            } else {
                seen_url.insert(key, n);
            }
        }
        let mut count = |field: &str, v: Option<i64>| -> i32 {
            match v {
                None => 0,
                Some(v) if (0..=i64::from(i32::MAX)).contains(&v) => v as i32,
                Some(v) => {
                    fail(
                        Some(field),
                        format!("{v} is out of range: must be 0 or more"),
                    );
                    0
                }
            }
        };
        let stars = count("stargazers_count", raw.stargazers_count);
        let forks = count("forks_count", raw.forks_count);
        let pushed = match raw.pushed_at.as_deref().filter(|s| !s.trim().is_empty()) {
            None => None,
            Some(s) => match validate::timestamp(s.trim()) {
                Ok(t) => Some(t),
                Err(e) => {
                    fail(Some("pushed_at"), e);
                    None
                }
            },
        };
        let demo_url = match raw.homepage.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(h) => match validate::http_url(h) {
                Ok(h) => Some(h),
                Err(_) => {
                    report.warnings.push(format!(
                        "{item}: homepage {h:?} is not an http(s) URL, so demo_url was left as it was"
                    ));
                    None
                }
            },
        };
        let (Some(name), Some(url), true) = (name, url, problems.is_empty()) else {
            report.bad_rows += 1;
            report.errors.extend(problems);
            continue;
        };
        let existing = match index.find(name, Some(&url)) {
            Ok(Some(id)) if targets.insert(id) => Some(id),
            Ok(_) => None,
            Err(e) => {
                report.bad_rows += 1;
                report.errors.push(Problem {
                    line: None,
                    item: Some(item),
                    column: Some("html_url".into()),
                    message: e,
                });
                continue;
            }
        };
        let archived = raw.archived.unwrap_or(false);
        let tags: Vec<String> = raw
            .topics
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        let language = raw
            .language
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty());
        let metrics = pushed.map(|p| RepoMetrics {
            date: today,
            tech_stack: language.iter().cloned().collect(),
            health_score: Some(health_score(p, archived, now)),
        });
        upserts.push(RepoUpsert {
            existing,
            name: name.to_string(),
            description: raw
                .description
                .map(|d| d.trim().to_string())
                .filter(|d| !d.is_empty()),
            github_url: url,
            demo_url,
            language,
            tags,
            stars,
            forks,
            last_commit: pushed,
            archived,
            metrics,
        });
    }
    report.skipped = report.bad_rows;
    let existing_count = upserts.iter().filter(|u| u.existing.is_some()).count() as u64;
    if opts.dry_run {
        report.imported = upserts.len() as u64;
        report.updated = existing_count;
        report.inserted = report.imported - existing_count;
        report.duration_ms = started.elapsed().as_millis() as u64;
        return Ok(report);
    }
    drop(conn);
    let result: Result<(), sqlx::Error> = async {
        let mut tx = pool.begin().await?;
        if let Some(actor) = opts.actor {
            sql::set_actor(&mut tx, actor).await?;
        }
        for u in &upserts {
            let (_, inserted) = sql::upsert_repo(&mut tx, u).await?;
            if inserted {
                report.inserted += 1;
            } else {
                report.updated += 1;
            }
        }
        report.imported = report.inserted + report.updated;
        report.duration_ms = started.elapsed().as_millis() as u64;
        report.import_log_id = Some(sql::write_log(&mut tx, &report.log_entry()).await?);
        tx.commit().await
    }
    .await;
    if let Err(e) = result {
        report.imported = 0;
        report.inserted = 0;
        report.updated = 0;
        report.skipped = report.rows;
        report.fatal = Some(format!(
            "the database rejected the import, so nothing was imported: {e}"
        ));
        return log_failure(pool, report, started).await;
    }
    report.duration_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

async fn log_failure(
    pool: &PgPool,
    mut report: ImportReport,
    started: Instant,
) -> Result<ImportReport> {
    report.duration_ms = started.elapsed().as_millis() as u64;
    if !report.dry_run {
        let mut conn = pool.acquire().await?;
        report.import_log_id = Some(sql::write_log(&mut conn, &report.log_entry()).await?);
    }
    Ok(report)
}

/// Where and how to fetch.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// e.g. https://api.github.com (no trailing slash).
    pub api_url: String,
    /// Organisation, or user (tried when the organisation is not found).
    pub owner: String,
    /// Sent as `Authorization: Bearer`.
    pub token: Option<String>,
    /// Longest rate-limit pause to sit through.
    pub max_wait: Duration,
}

/// What the API returned.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub repos: Vec<Value>,
    /// "orgs" or "users".
    pub endpoint: &'static str,
    pub pages: u32,
    pub requests: u32,
    /// Each rate-limit pause taken.
    pub waits: Vec<Duration>,
}

enum Page {
    Ok { body: String, next: Option<String> },
    NotFound,
}

/// Fetches every page of the owner's repositories (blocking; call it from
/// `spawn_blocking`). Errors are one clear sentence.
pub fn fetch_repos(opts: &FetchOptions) -> Result<Fetched, String> {
    let owner = opts.owner.trim();
    if owner.is_empty()
        || !owner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "{owner:?} is not a GitHub organisation or user name (letters, digits and '-')"
        ));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .user_agent(format!("ctodash/{}", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let base = opts.api_url.trim_end_matches('/');
    let mut out = Fetched {
        repos: Vec::new(),
        endpoint: "orgs",
        pages: 0,
        requests: 0,
        waits: Vec::new(),
    };
    let mut url = format!("{base}/orgs/{owner}/repos?per_page=100&page=1");
    loop {
        match get_page(&agent, &url, opts, &mut out)? {
            Page::NotFound if out.pages == 0 && out.endpoint == "orgs" => {
                out.endpoint = "users";
                url = format!("{base}/users/{owner}/repos?per_page=100&page=1");
            }
            Page::NotFound => {
                return Err(format!(
                    "GitHub at {base} has no organisation or user named {owner:?} (404), or \
                     the token cannot see it"
                ));
            }
            Page::Ok { body, next } => {
                let items = parse_repo_list(body.as_bytes())
                    .map_err(|e| format!("unexpected answer from {url}: {e}"))?;
                out.repos.extend(items);
                out.pages += 1;
                match next {
                    Some(n) if out.pages < MAX_PAGES => url = n,
                    Some(_) => {
                        return Err(format!(
                            "stopped after {MAX_PAGES} pages of repositories; the Link header \
                             never ended"
                        ));
                    }
                    None => return Ok(out),
                }
            }
        }
    }
}

fn get_page(
    agent: &ureq::Agent,
    url: &str,
    opts: &FetchOptions,
    out: &mut Fetched,
) -> Result<Page, String> {
    let mut server_errors = 0;
    loop {
        let mut req = agent
            .get(url)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28");
        if let Some(token) = &opts.token {
            req = req.header("Authorization", format!("Bearer {token}"));
        }
        out.requests += 1;
        let mut resp = req
            .call()
            .map_err(|e| format!("cannot reach the GitHub API at {url}: {e}"))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| format!("cannot read GitHub's answer from {url}: {e}"))?;
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .map(String::from)
        };
        match status {
            200..=299 => {
                return Ok(Page::Ok {
                    body,
                    next: header("link").and_then(|l| next_link(&l)),
                });
            }
            404 => return Ok(Page::NotFound),
            401 => {
                return Err(format!(
                    "GitHub rejected the token in GITHUB_TOKEN (401: {}); create a new token \
                     or unset GITHUB_TOKEN for public repositories",
                    api_message(&body)
                ));
            }
            403 | 429 => {
                let wait = rate_limit_wait(
                    header("retry-after").as_deref(),
                    header("x-ratelimit-remaining").as_deref(),
                    header("x-ratelimit-reset").as_deref(),
                    Utc::now(),
                );
                match wait {
                    Some(w) if w.pause <= opts.max_wait && out.waits.len() < 10 => {
                        tracing::info!(?w.pause, url, "GitHub rate limit: waiting");
                        std::thread::sleep(w.pause);
                        out.waits.push(w.pause);
                    }
                    Some(w) => {
                        let hint = if opts.token.is_none() {
                            ", or set GITHUB_TOKEN (5,000 requests an hour instead of 60)"
                        } else {
                            ""
                        };
                        return Err(format!(
                            "GitHub's rate limit is used up until {} ({} s from now, longer than \
                             the {} s ctodash waits); retry after that time{hint}",
                            w.until.format("%Y-%m-%d %H:%M:%S UTC"),
                            w.pause.as_secs(),
                            opts.max_wait.as_secs()
                        ));
                    }
                    None => {
                        return Err(format!(
                            "GitHub refused to list the repositories ({status}: {}); check \
                             that GITHUB_TOKEN may read them",
                            api_message(&body)
                        ));
                    }
                }
            }
            500..=599 if server_errors < 2 => {
                server_errors += 1;
                std::thread::sleep(Duration::from_secs(server_errors));
            }
            _ => {
                return Err(format!(
                    "GitHub answered {status} for {url}: {}",
                    api_message(&body)
                ));
            }
        }
    }
}

/// A rate-limit pause: how long, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitWait {
    pub pause: Duration,
    pub until: DateTime<Utc>,
}

/// How long a 403/429 says to wait: `retry-after` seconds when given (secondary
/// limits), else until `x-ratelimit-reset` (plus a second, as the header is in
/// whole seconds) when `x-ratelimit-remaining` is 0. None: not a rate limit.
pub fn rate_limit_wait(
    retry_after: Option<&str>,
    remaining: Option<&str>,
    reset: Option<&str>,
    now: DateTime<Utc>,
) -> Option<RateLimitWait> {
    if let Some(secs) = retry_after.and_then(|s| s.parse::<u64>().ok()) {
        let pause = Duration::from_secs(secs.max(1));
        return Some(RateLimitWait {
            pause,
            until: now + chrono::Duration::seconds(secs.max(1) as i64),
        });
    }
    if remaining != Some("0") {
        return None;
    }
    let reset = reset.and_then(|s| s.parse::<i64>().ok())?;
    let until = Utc.timestamp_opt(reset, 0).single()?;
    let millis = (until - now).num_milliseconds().max(0) as u64 + 1000;
    Some(RateLimitWait {
        pause: Duration::from_millis(millis),
        until,
    })
}

/// The `rel="next"` target of a `Link` header.
pub fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim();
            p.strip_prefix("rel=")
                .map(|v| v.trim_matches('"').split_whitespace().any(|r| r == "next"))
                .unwrap_or(false)
        });
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| target.to_string())
    })
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn api_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(String::from))
        .unwrap_or_else(|| {
            body.chars()
                .take(200)
                .collect::<String>()
                .trim()
                .to_string()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header() {
        let l = r#"<https://api.github.com/organizations/1/repos?per_page=100&page=2>; rel="next", <https://api.github.com/organizations/1/repos?per_page=100&page=5>; rel="last""#;
        assert_eq!(
            next_link(l).as_deref(),
            Some("https://api.github.com/organizations/1/repos?per_page=100&page=2")
        );
        assert_eq!(next_link(r#"<https://x/?page=1>; rel="prev""#), None);
        assert_eq!(next_link(""), None);
    }

    #[test]
    fn rate_limits() {
        let now = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let w = rate_limit_wait(None, Some("0"), Some("1700000010"), now).unwrap();
        assert_eq!(w.pause, Duration::from_secs(11));
        let w = rate_limit_wait(Some("3"), None, None, now).unwrap();
        assert_eq!(w.pause, Duration::from_secs(3));
        assert_eq!(
            rate_limit_wait(None, Some("12"), Some("1700000010"), now),
            None
        );
        assert_eq!(rate_limit_wait(None, None, None, now), None);
    }

    #[test]
    fn health_from_recency() {
        let now = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        assert_eq!(health_score(now, false, now), 100);
        assert_eq!(
            health_score(now - chrono::Duration::days(30), false, now),
            70
        );
        assert_eq!(
            health_score(now - chrono::Duration::days(400), false, now),
            0
        );
        assert_eq!(health_score(now, true, now), 0);
    }

    #[test]
    fn api_url_precedence() {
        assert_eq!(api_url(DEFAULT_API_URL, None), DEFAULT_API_URL);
        assert_eq!(
            api_url(DEFAULT_API_URL, Some("http://ghe.local/api/v3/".into())),
            "http://ghe.local/api/v3"
        );
        assert_eq!(
            api_url("http://127.0.0.1:9", Some("http://ghe.local".into())),
            "http://127.0.0.1:9"
        );
    }
}
