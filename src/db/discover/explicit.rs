//! Step 1 of discovery: an explicit database URL, used as given and never
//! silently replaced; checked first as text, then by connecting.

use super::connect::{Failure, connect};
use super::errors::{DiscoveryError, start_hint};
use super::local::os_user;
use super::urls::{display_url, endpoint_label, redact_url};
use super::{Discovered, EXPLICIT_CONNECT_TIMEOUT, MAINTENANCE_DB, Source, Target};
use sqlx::Connection;
use sqlx::postgres::PgConnectOptions;

pub(super) async fn explicit(
    url: &str,
    target: Target<'_>,
    default_db: &str,
    probe: bool,
) -> Result<Discovered, DiscoveryError> {
    // Whatever later echoes this URL (an sqlx error, a log line) is masked too.
    crate::redact::register_url_secrets(url);
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
    tracing::debug!(url = %shown, "trying the explicit database URL");
    let found = Discovered {
        display: display_url(&options),
        options,
        source: Source::Explicit,
        owned: false,
    };
    if probe {
        let conn = connect(&found.options, EXPLICIT_CONNECT_TIMEOUT)
            .await
            .map_err(|why| failure_error(&found.options, why))?;
        let _ = conn.close().await;
    }
    Ok(found)
}

/// The paragraph for a failed connection to an explicitly configured URL.
pub(super) fn failure_error(options: &PgConnectOptions, failure: Failure) -> DiscoveryError {
    let target = endpoint_label(options);
    match failure {
        Failure::Unreachable(reason) => DiscoveryError::Unreachable {
            target,
            reason,
            start_hint: start_hint(),
        },
        Failure::Auth(detail) => DiscoveryError::AuthFailed {
            target,
            user: options.get_username().to_string(),
            detail,
        },
        Failure::NoDatabase => DiscoveryError::DatabaseMissing {
            target,
            database: options.get_database().unwrap_or_default().to_string(),
        },
        Failure::Full(full) => {
            DiscoveryError::Full(crate::db::capacity::FullError { target, full })
        }
        Failure::Other(detail) => DiscoveryError::ConnectFailed { target, detail },
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
}
