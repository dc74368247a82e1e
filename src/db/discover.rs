//! Zero-set-up database discovery, used by every command and by the test harness.
//!
//! Order of attempts:
//! 1. an explicit URL (`--database-url` / `DATABASE_URL`, merged by the caller) —
//!    used as given, never silently replaced by something else;
//! 2. a local server found the way libpq would (`PGHOST`, `PGPORT`, `PGUSER`,
//!    `PGPASSWORD`, the usual socket directories, then `127.0.0.1`), creating the
//!    target database there when allowed;
//! 3. a private cluster in the data directory, started from the system's
//!    PostgreSQL binaries (see [`super::cluster`]).
//!
//! Every error is one paragraph that names the problem and the fix.

use super::cluster::{self, Cluster};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Comment put on every database ctodash creates; `owned` is true only for those.
pub const OWNERSHIP_MARKER: &str = "created by ctodash";
/// The expected form of a database URL, shown in error messages.
pub const URL_FORM: &str = "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE";
/// The maintenance database used for server-level connections.
pub const MAINTENANCE_DB: &str = "postgres";

/// How long a local candidate may take to answer before it is skipped.
const LOCAL_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long an explicitly configured server may take to answer.
const EXPLICIT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Socket directories tried when `PGHOST` is not set.
const SOCKET_DIRS: [&str; 3] = ["/var/run/postgresql", "/run/postgresql", "/tmp"];

#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// `--database-url` or `DATABASE_URL`, already merged by the caller. Blank means unset.
    pub explicit_url: Option<String>,
    /// The target database (default `ctodash`). Not taken from `PGDATABASE`.
    pub database: String,
    /// Whether ctodash may start its own cluster in `data_dir` as a last resort.
    pub allow_private_cluster: bool,
    /// Where a private cluster may live.
    pub data_dir: PathBuf,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions {
            explicit_url: None,
            database: "ctodash".to_string(),
            allow_private_cluster: true,
            data_dir: default_data_dir(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--database-url` / `DATABASE_URL`.
    Explicit,
    /// A server that was already running on this machine.
    LocalServer { description: String },
    /// ctodash's own cluster in `data_dir`.
    PrivateCluster { data_dir: PathBuf },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Explicit => f.write_str("the configured database URL"),
            Source::LocalServer { description } => write!(f, "local server ({description})"),
            Source::PrivateCluster { data_dir } => {
                write!(f, "private cluster in {}", data_dir.display())
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Discovered {
    /// Options pointing at the target database (or at `postgres` for
    /// [`discover_server`]), with the user always set explicitly.
    pub options: PgConnectOptions,
    pub source: Source,
    /// The program created this database (or cluster) itself.
    pub owned: bool,
    /// URL-like, password redacted, for logs and headers.
    pub display: String,
}

/// One thing discovery tried and why it did not work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub what: String,
    pub why: String,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.what, self.why)
    }
}

fn attempt(what: impl Into<String>, why: impl Into<String>) -> Attempt {
    let a = Attempt {
        what: what.into(),
        why: why.into(),
    };
    tracing::debug!(what = %a.what, why = %a.why, "database discovery attempt failed");
    a
}

struct AttemptList<'a>(&'a [Attempt]);

impl fmt::Display for AttemptList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("nothing");
        }
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error(
        "The database URL `{url}` is not valid: {problem}. Expected the form {URL_FORM} \
         (e.g. postgres://me@localhost:5432/ctodash). Fix --database-url / DATABASE_URL, \
         or unset it to let ctodash find or start a database by itself."
    )]
    BadUrl { url: String, problem: String },

    #[error(
        "PostgreSQL at {target} refused the login for user `{user}`: {detail}. Check the user \
         name and password in --database-url / DATABASE_URL ({URL_FORM}) and the server's \
         pg_hba.conf, or unset DATABASE_URL to let ctodash find or start a database by itself."
    )]
    AuthFailed {
        target: String,
        user: String,
        detail: String,
    },

    #[error(
        "The PostgreSQL server at {target} is reachable, but the database `{database}` does \
         not exist. Create it with `createdb {database}` or point --database-url / \
         DATABASE_URL at an existing database (then run `ctodash migrate`)."
    )]
    DatabaseMissing { target: String, database: String },

    #[error(
        "No PostgreSQL server is reachable at {target} ({reason}). Start it (e.g. \
         `{start_hint}` or `systemctl start postgresql`), correct the host and port in \
         --database-url / DATABASE_URL, or unset DATABASE_URL to let ctodash find a local \
         server or start its own."
    )]
    Unreachable {
        target: String,
        reason: String,
        start_hint: String,
    },

    #[error(
        "Connecting to PostgreSQL at {target} failed: {detail}. Check --database-url / \
         DATABASE_URL, or unset it to let ctodash find or start a database by itself."
    )]
    ConnectFailed { target: String, detail: String },

    #[error(
        "ctodash could not use its private PostgreSQL cluster in {}: {problem}. {fix}",
        data_dir.display()
    )]
    PrivateCluster {
        data_dir: PathBuf,
        problem: String,
        fix: String,
    },

    #[error(
        "ctodash found no PostgreSQL database to use. Tried: {}. To fix it, set \
         DATABASE_URL (or pass --database-url) to {URL_FORM}, start the local server \
         (e.g. `{start_hint}`), or install PostgreSQL (e.g. `apt-get install postgresql`) \
         {cluster_note}.",
        AttemptList(attempts)
    )]
    NothingFound {
        attempts: Vec<Attempt>,
        start_hint: String,
        cluster_note: String,
    },
}

/// Where a private cluster lives by default: `$CTODASH_DATA_DIR` if set; as root
/// `/var/lib/ctodash` (root's home is not reachable by the `postgres` user);
/// otherwise the platform data directory (`~/.local/share/ctodash` on Linux).
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CTODASH_DATA_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    if cluster::running_as_root() {
        return PathBuf::from("/var/lib/ctodash");
    }
    directories::ProjectDirs::from("", "", "ctodash")
        .map(|p| p.data_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join(format!("ctodash-{}", os_user())))
}

/// Finds (or creates) the target database `opts.database`.
pub async fn discover(opts: &DiscoverOptions) -> Result<Discovered, DiscoveryError> {
    find(opts, Target::Database(&opts.database)).await
}

/// For tests and admin tasks: options for a server-level connection (maintenance
/// database `postgres`) found the same way. Never creates a database.
pub async fn discover_server(opts: &DiscoverOptions) -> Result<Discovered, DiscoveryError> {
    find(opts, Target::Server).await
}

#[derive(Debug, Clone, Copy)]
enum Target<'a> {
    Database(&'a str),
    Server,
}

async fn find(opts: &DiscoverOptions, target: Target<'_>) -> Result<Discovered, DiscoveryError> {
    if let Some(url) = opts
        .explicit_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        return explicit(url, target, &opts.database).await;
    }
    let mut attempts = Vec::new();
    match local(target, &mut attempts).await {
        Ok(found) => return Ok(found),
        Err(()) => tracing::debug!("no usable local PostgreSQL server"),
    }
    let cluster_note;
    if opts.allow_private_cluster {
        match private(&opts.data_dir, target).await {
            Ok(found) => return Ok(found),
            Err(e) => attempts.push(attempt(
                format!("private cluster in {}", opts.data_dir.display()),
                cluster_reason(&e),
            )),
        }
        cluster_note = "so ctodash can start a private one".to_string();
    } else {
        cluster_note = "and allow ctodash to start a private cluster".to_string();
        attempts.push(attempt("private cluster", "not allowed by the caller"));
    }
    Err(DiscoveryError::NothingFound {
        attempts,
        start_hint: start_hint(),
        cluster_note,
    })
}

/// The short reason of a private-cluster error, for the attempt list.
fn cluster_reason(e: &DiscoveryError) -> String {
    match e {
        DiscoveryError::PrivateCluster { problem, fix, .. } => {
            let fix = fix.trim_end_matches('.');
            let mut chars = fix.chars();
            let fix: String = match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => String::new(),
            };
            format!("{problem}; fix: {fix}")
        }
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------
// 1. Explicit URL

async fn explicit(
    url: &str,
    target: Target<'_>,
    default_db: &str,
) -> Result<Discovered, DiscoveryError> {
    let shown = redact_url(url);
    let parts = UrlParts::split(url).map_err(|problem| DiscoveryError::BadUrl {
        url: shown.clone(),
        problem,
    })?;
    let mut options: PgConnectOptions = url.parse().map_err(|e| DiscoveryError::BadUrl {
        url: shown.clone(),
        problem: config_problem(&e),
    })?;
    if !parts.has_user && std::env::var_os("PGUSER").is_none() {
        // sqlx may fall back to `anonymous`: always name the user.
        options = options.username(&os_user());
    }
    let database = match target {
        Target::Server => MAINTENANCE_DB.to_string(),
        Target::Database(_) if parts.has_database => {
            options.get_database().unwrap_or(default_db).to_string()
        }
        Target::Database(name) => name.to_string(),
    };
    options = options.database(&database);
    let where_ = endpoint_label(&options);
    tracing::debug!(url = %shown, "trying the explicit database URL");
    match connect(&options, EXPLICIT_CONNECT_TIMEOUT).await {
        Ok(conn) => {
            let _ = conn.close().await;
            Ok(Discovered {
                display: display_url(&options),
                options,
                source: Source::Explicit,
                owned: false,
            })
        }
        Err(Failure::Unreachable(reason)) => Err(DiscoveryError::Unreachable {
            target: where_,
            reason,
            start_hint: start_hint(),
        }),
        Err(Failure::Auth(detail)) => Err(DiscoveryError::AuthFailed {
            target: where_,
            user: options.get_username().to_string(),
            detail,
        }),
        Err(Failure::NoDatabase) => Err(DiscoveryError::DatabaseMissing {
            target: where_,
            database,
        }),
        Err(Failure::Other(detail)) => Err(DiscoveryError::ConnectFailed {
            target: where_,
            detail,
        }),
    }
}

/// What can be told from the URL text itself (sqlx fills gaps from the environment).
struct UrlParts {
    has_user: bool,
    has_database: bool,
}

impl UrlParts {
    fn split(url: &str) -> Result<UrlParts, String> {
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err("it does not start with postgres://".to_string());
        };
        if !matches!(
            scheme.to_ascii_lowercase().as_str(),
            "postgres" | "postgresql"
        ) {
            return Err(format!(
                "the scheme is `{scheme}`, but ctodash only speaks PostgreSQL (postgres://)"
            ));
        }
        let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
        let before_query = before_query.split('#').next().unwrap_or("");
        let (authority, path) = before_query.split_once('/').unwrap_or((before_query, ""));
        let params: Vec<&str> = query
            .split('&')
            .map(|p| p.split('=').next().unwrap_or(""))
            .collect();
        let has_user = authority
            .rsplit_once('@')
            .is_some_and(|(u, _)| !u.is_empty())
            || params.contains(&"user");
        let has_database = !path.is_empty() || params.contains(&"dbname");
        Ok(UrlParts {
            has_user,
            has_database,
        })
    }
}

/// The innermost message of a configuration error, without sqlx's prefix.
fn config_problem(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Configuration(inner) => inner.to_string(),
        other => other.to_string(),
    }
}

/// Replaces the password in a URL-ish string with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let redacted_authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    let mut tail = tail.to_string();
    // `?password=...` is a valid way to pass it too.
    if let Some(q) = tail.find('?') {
        let (path, query) = tail.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|p| match p.split_once('=') {
                Some(("password", _)) => "password=***".to_string(),
                _ => p.to_string(),
            })
            .collect();
        tail = format!("{path}{}", query.join("&"));
    }
    format!("{scheme}://{redacted_authority}{tail}")
}

// ---------------------------------------------------------------------------
// 2. Local server

#[derive(Debug, Clone, PartialEq, Eq)]
enum Endpoint {
    Socket { dir: PathBuf, port: u16 },
    Tcp { host: String, port: u16 },
}

impl Endpoint {
    fn apply(&self, o: PgConnectOptions) -> PgConnectOptions {
        match self {
            Endpoint::Socket { dir, port } => o.socket(dir).port(*port),
            Endpoint::Tcp { host, port } => o.host(host).port(*port),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Socket { dir, port } => write!(f, "socket {} port {port}", dir.display()),
            Endpoint::Tcp { host, port } => write!(f, "{host}:{port}"),
        }
    }
}

/// Where a local server may be listening, in the order libpq users expect.
fn local_endpoints(attempts: &mut Vec<Attempt>) -> Vec<Endpoint> {
    let port = std::env::var("PGPORT")
        .ok()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or(5432);
    let mut out = Vec::new();
    let pghost = std::env::var("PGHOSTADDR")
        .ok()
        .or_else(|| std::env::var("PGHOST").ok())
        .filter(|h| !h.trim().is_empty());
    if let Some(hosts) = pghost {
        for host in hosts.split(',').map(str::trim).filter(|h| !h.is_empty()) {
            if host.starts_with('/') {
                out.push(Endpoint::Socket {
                    dir: PathBuf::from(host),
                    port,
                });
            } else {
                out.push(Endpoint::Tcp {
                    host: host.to_string(),
                    port,
                });
            }
        }
        return out;
    }
    let mut seen = Vec::new();
    let mut missing = Vec::new();
    for dir in SOCKET_DIRS {
        let dir = Path::new(dir);
        let real = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if seen.contains(&real) {
            continue;
        }
        seen.push(real);
        if dir.join(format!(".s.PGSQL.{port}")).exists() {
            out.push(Endpoint::Socket {
                dir: dir.to_path_buf(),
                port,
            });
        } else {
            missing.push(dir.display().to_string());
        }
    }
    if !missing.is_empty() {
        attempts.push(attempt(
            format!("sockets in {}", missing.join(", ")),
            format!("no server socket for port {port}"),
        ));
    }
    out.push(Endpoint::Tcp {
        host: "127.0.0.1".to_string(),
        port,
    });
    out
}

/// `PGUSER` if set, else the OS user, then `postgres`.
fn user_candidates() -> Vec<String> {
    let mut users = Vec::new();
    match std::env::var("PGUSER").ok().filter(|u| !u.is_empty()) {
        Some(u) => users.push(u),
        None => users.push(os_user()),
    }
    if !users.iter().any(|u| u == "postgres") {
        users.push("postgres".to_string());
    }
    users
}

/// The OS user name (never `anonymous`/`unknown` unless the OS cannot tell).
pub fn os_user() -> String {
    whoami::username()
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "postgres".to_string())
}

/// Options built from a URL so that `~/.pgpass` is consulted for this exact
/// host/port/user, with `PGPASSWORD` taking precedence as in libpq.
fn local_options(endpoint: &Endpoint, user: &str, database: &str) -> PgConnectOptions {
    let (host, port) = match endpoint {
        Endpoint::Socket { dir, port } => (pct(&dir.to_string_lossy()), *port),
        Endpoint::Tcp { host, port } => (host.clone(), *port),
    };
    let url = format!("postgres://{}@{host}:{port}/{}", pct(user), pct(database));
    let base = url
        .parse::<PgConnectOptions>()
        .unwrap_or_else(|_| PgConnectOptions::new());
    endpoint.apply(base).username(user).database(database)
}

/// Percent-encodes everything but unreserved characters.
fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn local(target: Target<'_>, attempts: &mut Vec<Attempt>) -> Result<Discovered, ()> {
    let endpoints = local_endpoints(attempts);
    let users = user_candidates();
    'endpoints: for endpoint in &endpoints {
        for user in &users {
            let what = format!("user {user} at {endpoint}");
            tracing::debug!(%what, "trying local PostgreSQL");
            let mut server = local_options(endpoint, user, MAINTENANCE_DB);
            let mut conn = match connect(&server, LOCAL_CONNECT_TIMEOUT).await {
                Ok(conn) => conn,
                Err(Failure::NoDatabase) => {
                    // No `postgres` database on this server: template1 always exists.
                    server = server.database("template1");
                    match connect(&server, LOCAL_CONNECT_TIMEOUT).await {
                        Ok(conn) => conn,
                        Err(f) => {
                            attempts.push(attempt(what, f.to_string()));
                            continue;
                        }
                    }
                }
                Err(Failure::Unreachable(why)) => {
                    attempts.push(attempt(endpoint.to_string(), why));
                    continue 'endpoints;
                }
                Err(f) => {
                    attempts.push(attempt(what, f.to_string()));
                    continue;
                }
            };
            let description = format!("{endpoint} as {user}");
            let (options, owned) = match target {
                Target::Server => {
                    let _ = conn.close().await;
                    (server, false)
                }
                Target::Database(name) => {
                    let owned = ensure_database(&mut conn, name, user).await;
                    let _ = conn.close().await;
                    let owned = match owned {
                        Ok(owned) => owned,
                        Err(why) => {
                            attempts.push(attempt(what, why));
                            continue;
                        }
                    };
                    let options = local_options(endpoint, user, name);
                    match connect(&options, LOCAL_CONNECT_TIMEOUT).await {
                        Ok(c) => {
                            let _ = c.close().await;
                        }
                        Err(f) => {
                            attempts
                                .push(attempt(format!("database {name} as {what}"), f.to_string()));
                            continue;
                        }
                    }
                    (options, owned)
                }
            };
            tracing::debug!(%description, owned, "using local PostgreSQL");
            return Ok(Discovered {
                display: display_url(&options),
                options,
                source: Source::LocalServer { description },
                owned,
            });
        }
    }
    Err(())
}

/// Makes sure `name` exists on the server `conn` is logged in to; returns whether
/// it carries ctodash's ownership marker (always true when created here). The
/// error is a short reason for the attempt list.
pub async fn ensure_database(
    conn: &mut PgConnection,
    name: &str,
    user: &str,
) -> Result<bool, String> {
    // Serialize check-and-create between concurrent discoverers (e.g. parallel tests).
    let lock_key = format!("ctodash create database {name}");
    sqlx::query("SELECT pg_advisory_lock(hashtextextended($1, 0))")
        .bind(&lock_key)
        .execute(&mut *conn)
        .await
        .map_err(|e| short(&e))?;
    let result = check_or_create(conn, name, user).await;
    let _ = sqlx::query("SELECT pg_advisory_unlock(hashtextextended($1, 0))")
        .bind(&lock_key)
        .execute(&mut *conn)
        .await;
    result
}

async fn check_or_create(conn: &mut PgConnection, name: &str, user: &str) -> Result<bool, String> {
    let existing: Option<Option<String>> = sqlx::query_scalar(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
    )
    .bind(name)
    .fetch_optional(&mut *conn)
    .await
    .map_err(|e| short(&e))?;
    if let Some(comment) = existing {
        let owned = comment.as_deref() == Some(OWNERSHIP_MARKER);
        tracing::debug!(database = name, owned, "database exists");
        return Ok(owned);
    }
    let ident = quote_ident(name);
    let utf8 = format!("CREATE DATABASE {ident} TEMPLATE template0 ENCODING 'UTF8'");
    if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(utf8))
        .execute(&mut *conn)
        .await
    {
        if sqlstate(&e).as_deref() == Some("42501") {
            return Err(format!("user {user} may not create database {name}"));
        }
        // E.g. a non-UTF8 server locale: take the server's default encoding.
        tracing::debug!(error = %e, "CREATE DATABASE ... ENCODING 'UTF8' failed; retrying");
        let plain = format!("CREATE DATABASE {ident} TEMPLATE template0");
        sqlx::query(sqlx::AssertSqlSafe(plain))
            .execute(&mut *conn)
            .await
            .map_err(|e| match sqlstate(&e).as_deref() {
                Some("42501") => format!("user {user} may not create database {name}"),
                _ => format!("could not create database {name}: {}", short(&e)),
            })?;
    }
    let comment = format!("COMMENT ON DATABASE {ident} IS '{OWNERSHIP_MARKER}'");
    if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(comment))
        .execute(&mut *conn)
        .await
    {
        tracing::warn!(database = name, error = %e, "could not mark the database as ctodash's");
    }
    tracing::debug!(database = name, "created database");
    Ok(true)
}

/// Quotes an SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

// ---------------------------------------------------------------------------
// 3. Private cluster

async fn private(data_dir: &Path, target: Target<'_>) -> Result<Discovered, DiscoveryError> {
    let mut cluster = Cluster::new(data_dir)?;
    cluster.ensure_running().await?;
    let fail = |problem: String| DiscoveryError::PrivateCluster {
        data_dir: data_dir.to_path_buf(),
        problem,
        fix: format!(
            "See {} for the server's log, or remove {} to start afresh.",
            cluster.log_file().display(),
            data_dir.display()
        ),
    };
    let server = cluster.connect_options(MAINTENANCE_DB);
    let mut conn = connect(&server, EXPLICIT_CONNECT_TIMEOUT)
        .await
        .map_err(|f| {
            fail(format!(
                "the cluster started but does not accept logins ({f})"
            ))
        })?;
    let options = match target {
        Target::Server => server,
        Target::Database(name) => {
            ensure_database(&mut conn, name, cluster::SUPERUSER)
                .await
                .map_err(fail)?;
            cluster.connect_options(name)
        }
    };
    let _ = conn.close().await;
    Ok(Discovered {
        display: display_url(&options),
        options,
        source: Source::PrivateCluster {
            data_dir: data_dir.to_path_buf(),
        },
        owned: true,
    })
}

// ---------------------------------------------------------------------------
// Connecting and classifying failures

#[derive(Debug)]
enum Failure {
    Unreachable(String),
    Auth(String),
    NoDatabase,
    Other(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Unreachable(why) => write!(f, "not reachable: {why}"),
            Failure::Auth(why) => write!(f, "login refused: {why}"),
            Failure::NoDatabase => f.write_str("database does not exist"),
            Failure::Other(why) => f.write_str(why),
        }
    }
}

async fn connect(options: &PgConnectOptions, limit: Duration) -> Result<PgConnection, Failure> {
    match tokio::time::timeout(limit, PgConnection::connect_with(options)).await {
        Err(_) => Err(Failure::Unreachable(format!(
            "no answer within {} s",
            limit.as_secs()
        ))),
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(classify(&e)),
    }
}

fn classify(e: &sqlx::Error) -> Failure {
    match e {
        sqlx::Error::Io(io) => {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::ConnectionRefused => Failure::Unreachable("connection refused".into()),
                K::NotFound => Failure::Unreachable("no server socket there".into()),
                K::TimedOut => Failure::Unreachable("connection timed out".into()),
                K::HostUnreachable | K::NetworkUnreachable => {
                    Failure::Unreachable("host unreachable".into())
                }
                K::AddrNotAvailable => Failure::Unreachable("address not available".into()),
                K::PermissionDenied => {
                    Failure::Other(format!("permission denied opening the connection: {io}"))
                }
                K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted => {
                    Failure::Other(format!("the server closed the connection: {io}"))
                }
                _ => Failure::Unreachable(io.to_string()),
            }
        }
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01") | Some("28000") => Failure::Auth(db.message().to_string()),
            Some("3D000") => Failure::NoDatabase,
            Some("57P03") => Failure::Other(format!(
                "the server is starting up or shutting down ({})",
                db.message()
            )),
            Some("53300") => Failure::Other(format!("too many connections ({})", db.message())),
            Some(code) => Failure::Other(format!("{} (SQLSTATE {code})", db.message())),
            None => Failure::Other(db.message().to_string()),
        },
        sqlx::Error::Protocol(p) => {
            Failure::Other(format!("the server did not answer like PostgreSQL ({p})"))
        }
        sqlx::Error::Tls(t) => Failure::Other(format!(
            "TLS negotiation failed ({t}); add ?sslmode=disable to the URL or fix the certificate"
        )),
        other => Failure::Other(other.to_string()),
    }
}

fn sqlstate(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
        _ => None,
    }
}

fn short(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_string(),
        other => other.to_string(),
    }
}

/// `host:port` or `socket DIR port N`, for messages.
fn endpoint_label(o: &PgConnectOptions) -> String {
    match socket_dir(o) {
        Some(dir) => format!("socket {} port {}", dir, o.get_port()),
        None => format!("{}:{}", o.get_host(), o.get_port()),
    }
}

fn socket_dir(o: &PgConnectOptions) -> Option<String> {
    match o.get_socket() {
        Some(dir) => Some(dir.display().to_string()),
        None if o.get_host().starts_with('/') => Some(o.get_host().to_string()),
        None => None,
    }
}

/// A URL with the password redacted; for sockets the form
/// `postgres:///DB?host=DIR&port=N&user=USER`, which sqlx and psql both accept.
pub fn display_url(o: &PgConnectOptions) -> String {
    let user = pct(o.get_username());
    let has_password = o.to_url_lossy().password().is_some();
    let db = o.get_database().map(pct).unwrap_or_default();
    match socket_dir(o) {
        Some(dir) => format!(
            "postgres:///{db}?host={dir}&port={}&user={user}{}",
            o.get_port(),
            if has_password { "&password=***" } else { "" }
        ),
        None => format!(
            "postgres://{user}{}@{}:{}/{db}",
            if has_password { ":***" } else { "" },
            o.get_host(),
            o.get_port()
        ),
    }
}

/// How to start the distribution's server, with the installed major version if known.
fn start_hint() -> String {
    let major = cluster::find_binaries(None).map(|b| b.major).unwrap_or(15);
    format!("pg_ctlcluster {major} main start")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parts() {
        let p = UrlParts::split("postgres://me:pw@h:5/db").unwrap();
        assert!(p.has_user && p.has_database);
        let p = UrlParts::split("postgresql://h").unwrap();
        assert!(!p.has_user && !p.has_database);
        let p = UrlParts::split("postgres:///?host=/tmp&user=x&dbname=y").unwrap();
        assert!(p.has_user && p.has_database);
        assert!(UrlParts::split("mysql://h/db").is_err());
        assert!(UrlParts::split("nonsense").is_err());
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact_url("postgres://u:secret@h:1/d"),
            "postgres://u:***@h:1/d"
        );
        assert_eq!(
            redact_url("postgres://u@h/d?password=x&a=b"),
            "postgres://u@h/d?password=***&a=b"
        );
        assert_eq!(redact_url("postgres://h/d"), "postgres://h/d");
    }

    #[test]
    fn display_has_no_password() {
        let o = PgConnectOptions::new_without_pgpass()
            .host("db.example")
            .port(6543)
            .username("me")
            .password("secret")
            .database("ctodash");
        assert_eq!(display_url(&o), "postgres://me:***@db.example:6543/ctodash");
        let o = o.socket("/run/pg");
        assert_eq!(
            display_url(&o),
            "postgres:///ctodash?host=/run/pg&port=6543&user=me&password=***"
        );
        let back: PgConnectOptions = display_url(&o).parse().unwrap();
        assert_eq!(
            back.get_socket()
                .map(|p| p.display().to_string())
                .as_deref(),
            Some("/run/pg")
        );
        assert_eq!(back.get_username(), "me");
    }

    #[test]
    fn quoting() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
