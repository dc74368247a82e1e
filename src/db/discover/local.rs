//! Step 2 of discovery: a server already running on this machine, found the way
//! libpq would (`PGHOST`, `PGPORT`, `PGUSER`, socket directories, `127.0.0.1`).

use super::connect::{Failure, connect};
use super::database::{ensure_database, existing_database};
use super::errors::{Attempt, attempt};
use super::urls::{display_url, pct};
use super::{Discovered, LOCAL_CONNECT_TIMEOUT, MAINTENANCE_DB, SOCKET_DIRS, Source, Target};
use sqlx::Connection;
use sqlx::postgres::PgConnectOptions;
use std::fmt;
use std::path::{Path, PathBuf};

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

/// `create`: whether the target database may be created when missing (never
/// in a read-only session).
pub(super) async fn local(
    target: Target<'_>,
    create: bool,
    attempts: &mut Vec<Attempt>,
) -> Result<Discovered, ()> {
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
                    let owned = if create {
                        ensure_database(&mut conn, name, user).await
                    } else {
                        existing_database(&mut conn, name).await
                    };
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
