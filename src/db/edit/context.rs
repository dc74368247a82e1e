//! Who is editing and from where: the actor and client recorded in every audit row.

use crate::app::model::Me;

/// Who is editing, from where, with what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditContext {
    pub me: Me,
    /// SSH client address, or "host:<hostname>" for a local session.
    pub client_addr: String,
    /// "ctodash/<version>".
    pub user_agent: String,
}

impl EditContext {
    /// Context for this process: its SSH client (or host) and program version.
    pub fn new(me: Me) -> Self {
        EditContext {
            me,
            client_addr: client_address(),
            user_agent: user_agent(),
        }
    }
}

/// "ctodash/0.1.0".
pub fn user_agent() -> String {
    format!("ctodash/{}", env!("CARGO_PKG_VERSION"))
}

/// The SSH client's address (first field of `SSH_CLIENT`, else of
/// `SSH_CONNECTION`), else "host:<hostname>".
pub fn client_address() -> String {
    client_address_from(
        std::env::var("SSH_CLIENT").ok().as_deref(),
        std::env::var("SSH_CONNECTION").ok().as_deref(),
        hostname,
    )
}

fn hostname() -> Option<String> {
    whoami::hostname()
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
}

fn client_address_from(
    ssh_client: Option<&str>,
    ssh_connection: Option<&str>,
    host: impl FnOnce() -> Option<String>,
) -> String {
    let first = |v: Option<&str>| {
        v.and_then(|s| s.split_whitespace().next())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    first(ssh_client)
        .or_else(|| first(ssh_connection))
        .unwrap_or_else(|| format!("host:{}", host().unwrap_or_else(|| "unknown".to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_address_prefers_ssh() {
        let host = || Some("box".to_owned());
        assert_eq!(
            client_address_from(
                Some("203.0.113.9 50022 22"),
                Some("10.0.0.1 1 10.0.0.2 22"),
                host
            ),
            "203.0.113.9"
        );
        assert_eq!(
            client_address_from(None, Some("10.0.0.1 1 10.0.0.2 22"), host),
            "10.0.0.1"
        );
        assert_eq!(client_address_from(Some(""), None, host), "host:box");
        assert_eq!(client_address_from(None, None, || None), "host:unknown");
        assert!(user_agent().starts_with("ctodash/"));
    }
}
