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
//!
//! Here: the command's flow, from the input to the report and its
//! `import_logs` row. The HTTP side (pagination, the token, rate limits) is in
//! `client`; reading the JSON into repositories, in `parse`.

mod client;
mod parse;

pub use client::{
    DEFAULT_API_URL, FetchOptions, Fetched, MAX_RATE_LIMIT_WAIT, RateLimitWait, api_url,
    fetch_repos, next_link, rate_limit_wait,
};
pub use parse::{health_score, parse_repo_list};

use super::csv_projects::ProjectIndex;
use super::report::{ImportReport, Problem};
use super::validate;
use super::{finish, read_input, refuse_read_only, resolve_actor, sha256_hex};
use crate::cli::ImportGithubArgs;
use crate::config::Config;
use crate::db::import::{self as sql, RepoMetrics, RepoUpsert};
use crate::db::{self, SchemaPolicy};
use crate::domain::ImportSource;
use crate::redact::redact_url;
use chrono::Utc;
use color_eyre::eyre::{Result, eyre};
use parse::{RawRepo, json_kind};
use serde_json::Value;
use sqlx::PgPool;
use std::collections::{HashMap, HashSet};
use std::time::Instant;
use uuid::Uuid;

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
                .insert("api_url".into(), redact_url(&fetch.api_url).into());
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

#[derive(Debug, Clone, Copy, Default)]
pub struct GithubOptions {
    pub dry_run: bool,
    pub actor: Option<Uuid>,
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
        // What PostgreSQL cannot store (NUL) or index (an overlong name) is
        // this repository's problem, as in a CSV row, never a failed import.
        if let Some(Err(e)) = name.map(|n| validate::short_text(n, 200)) {
            fail(Some("name"), e);
        }
        let texts = [
            ("html_url", raw.html_url.as_deref()),
            ("description", raw.description.as_deref()),
            ("language", raw.language.as_deref()),
        ];
        let topics = raw
            .topics
            .iter()
            .flatten()
            .map(|t| ("topics", Some(t.as_str())));
        for (field, value) in texts.into_iter().chain(topics) {
            if let Some(Err(e)) = value.map(validate::text) {
                fail(Some(field), e);
            }
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
