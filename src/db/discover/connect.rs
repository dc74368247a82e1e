//! Connecting with a time limit and sorting failures into unreachable, login
//! refused, missing database or other, with short reasons for messages.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use std::fmt;
use std::time::Duration;

#[derive(Debug)]
pub(crate) enum Failure {
    Unreachable(String),
    Auth(String),
    NoDatabase,
    /// SQLSTATE 53300: no free connection slot (server or role).
    Full(crate::db::capacity::Full),
    Other(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Unreachable(why) => write!(f, "not reachable: {why}"),
            Failure::Auth(why) => write!(f, "login refused: {why}"),
            Failure::NoDatabase => f.write_str("database does not exist"),
            Failure::Full(full) => f.write_str(&crate::db::capacity::status(full, None)),
            Failure::Other(why) => f.write_str(why),
        }
    }
}

pub(crate) async fn connect(
    options: &PgConnectOptions,
    limit: Duration,
) -> Result<PgConnection, Failure> {
    match tokio::time::timeout(limit, PgConnection::connect_with(options)).await {
        Err(_) => Err(Failure::Unreachable(format!(
            "no answer within {} s",
            limit.as_secs()
        ))),
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(classify(&e)),
    }
}

/// A pool whose first connection is the only one a command opens, failures
/// sorted as [`connect`] sorts them. sqlx's pool retries a refused TCP
/// connection, a full server and one starting up until its acquire timeout,
/// so a refused port is found first without logging in (a TCP handshake, not
/// a session), and after a timeout one attempt of our own tells why.
pub(crate) async fn connect_pool(
    pool: PgPoolOptions,
    options: &PgConnectOptions,
    limit: Duration,
) -> Result<PgPool, Failure> {
    reachable(options, limit).await?;
    match pool.connect_with(options.clone()).await {
        Ok(pool) => Ok(pool),
        Err(sqlx::Error::PoolTimedOut) => match connect(options, limit).await {
            Err(why) => Err(why),
            Ok(conn) => {
                let _ = conn.close().await;
                Err(Failure::Unreachable(format!(
                    "no connection within {} s",
                    limit.as_secs()
                )))
            }
        },
        Err(e) => Err(classify(&e)),
    }
}

/// Whether a TCP server listens at the options' host and port (sockets are
/// left to the login, which does not retry a missing one).
async fn reachable(options: &PgConnectOptions, limit: Duration) -> Result<(), Failure> {
    let host = options.get_host();
    if options.get_socket().is_some() || host.starts_with('/') {
        return Ok(());
    }
    let dial = tokio::net::TcpStream::connect((host, options.get_port()));
    match tokio::time::timeout(limit, dial).await {
        Err(_) => Err(Failure::Unreachable(format!(
            "no answer within {} s",
            limit.as_secs()
        ))),
        Ok(Ok(_)) => Ok(()),
        Ok(Err(io)) => Err(classify(&sqlx::Error::Io(io))),
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
            Some("53300") => match crate::db::capacity::classify(Some("53300"), db.message()) {
                Some(full) => Failure::Full(full),
                None => Failure::Other(format!("too many connections ({})", db.message())),
            },
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

pub(super) fn sqlstate(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
        _ => None,
    }
}

pub(super) fn short(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_string(),
        other => other.to_string(),
    }
}
