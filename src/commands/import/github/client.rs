//! The GitHub API client of `ctodash import github --org`: the "list
//! repositories" pages fetched one after another through `Link` headers, with
//! the token, GitHub's rate limits and a retry on server errors.
//!
//! The token goes only to the API it was meant for: the API URL must be
//! https:// (plain http:// only on this machine, for tests and local
//! mirrors), and a `Link: rel="next"` or a redirect that points at another
//! origin (scheme, host or port) is not followed: the fetch stops and says
//! so, and nothing is imported.

use super::parse::parse_repo_list;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use std::time::Duration;
use url::{Host, Origin, Url};

pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// The longest rate-limit pause ctodash sits through; beyond it, it stops and
/// says when to retry.
pub const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// Pages are 100 repositories; this bounds a runaway `Link` chain.
const MAX_PAGES: u32 = 1000;

/// Same-origin redirects followed for one page (GitHub redirects a renamed
/// organisation's URLs).
const MAX_REDIRECTS: u32 = 5;

/// The API base URL: --api-url when given, else GITHUB_API_URL, else GitHub's.
pub fn api_url(flag: &str, env: Option<String>) -> String {
    let chosen = match env.filter(|e| !e.trim().is_empty()) {
        Some(env) if flag == DEFAULT_API_URL => env,
        _ => flag.to_string(),
    };
    chosen.trim().trim_end_matches('/').to_string()
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
    Redirect(String),
}

/// The API URL parsed and checked: http(s), and https unless the host is this
/// machine (localhost, 127.0.0.0/8, ::1).
pub fn check_api_url(api_url: &str) -> Result<Url, String> {
    let form = "give --api-url / GITHUB_API_URL as https://HOST[/PATH], e.g. \
                https://ghe.example.com/api/v3";
    let url = Url::parse(api_url)
        .map_err(|e| format!("the GitHub API URL {api_url:?} is not a URL ({e}); {form}"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "the GitHub API URL {api_url} is plain http://, which would send GITHUB_TOKEN and \
             the repository list unencrypted across the network; use https:// (plain http:// \
             is accepted only for this machine: localhost, 127.0.0.1 or ::1)"
        )),
        other => Err(format!(
            "the GitHub API URL {api_url} uses {other}://, not https://; {form}"
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `target` (a `Link` or `Location` value, maybe relative) resolved against
/// `current`, if it stays on the API's origin; else the error that stops the
/// fetch.
pub fn same_origin(
    current: &str,
    target: &str,
    api: &Origin,
    what: &str,
) -> Result<String, String> {
    let resolved = Url::parse(current)
        .and_then(|base| base.join(target))
        .map_err(|e| {
            format!("GitHub's {what} {target:?} is not a URL ({e}); nothing was imported")
        })?;
    if &resolved.origin() == api {
        return Ok(resolved.into());
    }
    Err(format!(
        "GitHub's {what} points at {}, not at the API ctodash was given ({}); ctodash sends \
         GITHUB_TOKEN only to that API and does not follow it elsewhere, so it stopped and \
         imported nothing. If that server is the right one, pass it as --api-url",
        resolved.origin().ascii_serialization(),
        api.ascii_serialization()
    ))
}

/// Fetches every page of the owner's repositories (blocking; call it from
/// `spawn_blocking`). Errors are one clear sentence, with any credentials in
/// a URL masked.
pub fn fetch_repos(opts: &FetchOptions) -> Result<Fetched, String> {
    fetch(opts).map_err(|e| crate::redact::redact(&e).into_owned())
}

fn fetch(opts: &FetchOptions) -> Result<Fetched, String> {
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
    let api = check_api_url(opts.api_url.trim_end_matches('/'))?.origin();
    // Redirects are followed here, not by ureq, to keep them on the API's origin.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
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
    let mut redirects = 0;
    loop {
        match get_page(&agent, &url, opts, &mut out)? {
            Page::Redirect(to) if redirects < MAX_REDIRECTS => {
                redirects += 1;
                url = same_origin(&url, &to, &api, "redirect")?;
                continue;
            }
            Page::Redirect(to) => {
                return Err(format!(
                    "GitHub redirected more than {MAX_REDIRECTS} times (last to {to}); check \
                     --api-url and the owner name"
                ));
            }
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
                redirects = 0;
                match next {
                    Some(n) if out.pages < MAX_PAGES => {
                        url = same_origin(&url, &n, &api, "Link: rel=\"next\" header")?;
                    }
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
            301 | 302 | 303 | 307 | 308 => {
                return match header("location") {
                    Some(to) => Ok(Page::Redirect(to)),
                    None => Err(format!(
                        "GitHub answered {status} for {url} without saying where to go"
                    )),
                };
            }
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
    fn the_api_url_must_be_https_except_on_this_machine() {
        for ok in [
            "https://api.github.com",
            "https://ghe.example.com/api/v3",
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://localhost:9",
            "http://[::1]:9/api",
        ] {
            assert!(check_api_url(ok).is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("http://api.github.com", "plain http://"),
            ("http://10.0.0.5/api/v3", "plain http://"),
            ("http://localhost.example.com", "plain http://"),
            ("ftp://ghe.example.com", "uses ftp://"),
            ("ghe.example.com/api", "is not a URL"),
        ] {
            let e = check_api_url(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn links_are_followed_only_on_the_api_origin() {
        let api = Url::parse("https://api.github.com").unwrap().origin();
        let here = "https://api.github.com/orgs/x/repos?page=1";
        assert_eq!(
            same_origin(
                here,
                "https://api.github.com/organizations/1/repos?page=2",
                &api,
                "link"
            )
            .unwrap(),
            "https://api.github.com/organizations/1/repos?page=2"
        );
        // Relative references resolve against the current page.
        assert_eq!(
            same_origin(here, "/orgs/x/repos?page=2", &api, "link").unwrap(),
            "https://api.github.com/orgs/x/repos?page=2"
        );
        assert_eq!(
            same_origin(here, "https://api.github.com:443/x", &api, "link").unwrap(),
            "https://api.github.com/x"
        );
        for other in [
            "http://api.github.com/orgs/x/repos?page=2",
            "https://api.github.com:8443/orgs/x/repos?page=2",
            "https://evil.example/orgs/x/repos?page=2",
            "https://api.github.com.evil.example/x",
            "//evil.example/x",
            "file:///etc/passwd",
        ] {
            let e = same_origin(here, other, &api, "link").unwrap_err();
            assert!(e.contains("does not follow it elsewhere"), "{other}: {e}");
        }
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
