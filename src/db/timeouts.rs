//! Bounded waits on the server side: every session ctodash opens carries a
//! `statement_timeout` (and an `idle_in_transaction_session_timeout`), chosen
//! by the kind of work, so no statement — a runaway query, a wait on a lock —
//! holds the dashboard or a script forever. A setting already in the URL's
//! `options` wins: the user asked for it.

use sqlx::postgres::PgConnectOptions;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Longest a single statement may run.
    pub statement: Duration,
    /// Longest a session may sit idle inside an open transaction (a client
    /// that died mid-transaction releases its locks after this).
    pub idle_in_transaction: Duration,
}

impl Timeouts {
    /// The dashboard: every read is an indexed page, count or summary that
    /// takes milliseconds; 15 s means something is wrong (or waiting on a lock),
    /// and the screen says so instead of waiting.
    pub const DASHBOARD: Timeouts = Timeouts {
        statement: Duration::from_secs(15),
        idle_in_transaction: Duration::from_secs(60),
    };
    /// CLI reads and single edits (`bugs list` streams in keyset pages, so
    /// even an export of millions of rows is many short statements).
    pub const COMMAND: Timeouts = Timeouts {
        statement: Duration::from_secs(120),
        idle_in_transaction: Duration::from_secs(60),
    };
    /// Bulk writes (`migrate`, `seed`, `import`, `snapshot`): one statement
    /// may rewrite a million rows, so the bound is generous.
    pub const BULK: Timeouts = Timeouts {
        statement: Duration::from_secs(30 * 60),
        idle_in_transaction: Duration::from_secs(10 * 60),
    };

    /// `options` with these timeouts as session settings (each unless the
    /// URL already sets it).
    pub fn apply(self, options: PgConnectOptions) -> PgConnectOptions {
        let given = options.get_options().unwrap_or_default().to_string();
        let mut settings = vec![];
        for (name, value) in [
            ("statement_timeout", self.statement),
            (
                "idle_in_transaction_session_timeout",
                self.idle_in_transaction,
            ),
        ] {
            if !given.contains(name) {
                settings.push((name, format!("{}ms", value.as_millis())));
            }
        }
        if settings.is_empty() {
            options
        } else {
            options.options(settings)
        }
    }

    /// `options` made by `from.apply(..)`, switched to these limits wherever
    /// `from` set them (a setting the URL gave stays). PostgreSQL applies
    /// `-c` options in order, so the later setting wins.
    pub fn replace(self, from: Timeouts, options: PgConnectOptions) -> PgConnectOptions {
        let given = options.get_options().unwrap_or_default().to_string();
        let mut settings = vec![];
        for (name, old, new) in [
            ("statement_timeout", from.statement, self.statement),
            (
                "idle_in_transaction_session_timeout",
                from.idle_in_transaction,
                self.idle_in_transaction,
            ),
        ] {
            if given.contains(&format!("-c {name}={}ms", old.as_millis())) {
                settings.push((name, format!("{}ms", new.as_millis())));
            }
        }
        if settings.is_empty() {
            options
        } else {
            options.options(settings)
        }
    }

    /// How long the client waits for an answer before it gives the connection
    /// up for dead: the server's own limit, plus time for the answer to travel.
    /// A half-open connection (peer gone without a word) never answers at all.
    pub const fn client_wait(self) -> Duration {
        Duration::from_secs(self.statement.as_secs() + 5)
    }
}

/// For an error caused by a statement timeout: what happened and what to do,
/// to follow the error's own text (which only says "canceling statement").
pub fn hint(e: &color_eyre::eyre::Report, timeouts: Timeouts) -> Option<String> {
    let cancelled = e.chain().any(|cause| {
        cause
            .downcast_ref::<sqlx::Error>()
            .and_then(|e| e.as_database_error())
            .and_then(|d| d.code())
            .is_some_and(|c| c == "57014")
    });
    cancelled.then(|| {
        format!(
            ". A statement ran longer than its time limit ({} s for this command, unless \
             the URL's options set statement_timeout) and was stopped, so nothing was \
             changed by it. It was most likely waiting on a lock another session holds \
             (see pg_stat_activity) or the server is overloaded; try again later",
            timeouts.statement.as_secs()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_become_session_settings_unless_the_url_sets_them() {
        let plain: PgConnectOptions = "postgres://u@h/db".parse().unwrap();
        let opts = Timeouts::DASHBOARD.apply(plain);
        assert_eq!(
            opts.get_options(),
            Some("-c statement_timeout=15000ms -c idle_in_transaction_session_timeout=60000ms")
        );
        let own: PgConnectOptions = "postgres://u@h/db?options=-c%20statement_timeout%3D1s"
            .parse()
            .unwrap();
        let opts = Timeouts::BULK.apply(own);
        let text = opts.get_options().unwrap();
        assert!(text.contains("statement_timeout=1s"), "{text}");
        assert_eq!(text.matches("statement_timeout").count(), 1, "{text}");
        assert!(text.contains("idle_in_transaction_session_timeout=600000ms"));

        // Switching limits later changes only what `apply` set: the URL's
        // statement_timeout stays.
        let switched = Timeouts::DASHBOARD.replace(Timeouts::BULK, opts);
        let text = switched.get_options().unwrap();
        assert_eq!(text.matches("-c statement_timeout=").count(), 1, "{text}");
        assert!(
            text.ends_with("-c idle_in_transaction_session_timeout=60000ms"),
            "{text}"
        );
    }
}
