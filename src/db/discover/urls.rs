//! How a database is named in messages, logs and headers: URLs with the password
//! redacted, endpoint labels, and percent-encoding.

use sqlx::ConnectOptions;
use sqlx::postgres::PgConnectOptions;

/// The password in a URL-ish string replaced with `***` (see [`crate::redact`]).
pub use crate::redact::redact_url;

/// `host:port` or `socket DIR port N`, for messages.
pub(super) fn endpoint_label(o: &PgConnectOptions) -> String {
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

/// Percent-encodes everything but unreserved characters.
pub(super) fn pct(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_never_shows_a_password_whatever_it_contains() {
        for pw in ["p#ss", "p?ss", "p/ss", "p@ss", "p%23ss", "a:b@c/d?e#f"] {
            let o = PgConnectOptions::new_without_pgpass()
                .host("db.example")
                .username("me")
                .password(pw)
                .database("bugs");
            for shown in [display_url(&o), display_url(&o.clone().socket("/run/pg"))] {
                assert!(!shown.contains(pw), "{shown}");
                assert!(shown.contains("***"), "{shown}");
            }
        }
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
}
