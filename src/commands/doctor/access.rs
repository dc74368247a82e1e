//! Whether this role and the configured user can edit, and why not when they cannot.

use super::check::{Check, query_failed};
use crate::config::Config;
use crate::db;
use sqlx::PgPool;

pub(super) async fn write_access(pool: &PgPool, cfg: &Config, schema_ok: bool) -> Check {
    let name = "write access";
    let session: Result<(String, bool, String), _> = sqlx::query_as(
        "SELECT current_setting('transaction_read_only'), pg_is_in_recovery(), current_user::text",
    )
    .fetch_one(pool)
    .await;
    let (read_only, standby, role) = match session {
        Ok(s) => s,
        Err(e) => return query_failed(name, &e),
    };
    if standby {
        return Check::fail(
            name,
            "the server is a read-only standby",
            Some("point ctodash at the primary server to edit".into()),
        );
    }
    if read_only == "on" {
        return Check::fail(
            name,
            format!("sessions of role {role} are read-only (default_transaction_read_only)"),
            Some(format!(
                "`ALTER ROLE {role} SET default_transaction_read_only = off;` (or on the \
                 database), or connect as another role"
            )),
        );
    }
    if !schema_ok {
        return Check::warn(
            name,
            "not checked: the database has no usable ctodash schema",
            "fix the schema first (see the schema line)",
        );
    }
    let grants: Result<(bool, bool, bool), _> = sqlx::query_as(
        "SELECT has_table_privilege('bugs', 'UPDATE'), \
                has_table_privilege('bug_history', 'INSERT'), \
                has_table_privilege('audit_log', 'INSERT')",
    )
    .fetch_one(pool)
    .await;
    let grants = match grants {
        Ok(g) => g,
        Err(e) => return query_failed(name, &e),
    };
    let lacking: Vec<&str> = [
        (grants.0, "UPDATE ON bugs"),
        (grants.1, "INSERT ON bug_history"),
        (grants.2, "INSERT ON audit_log"),
    ]
    .into_iter()
    .filter(|(has, _)| !has)
    .map(|(_, what)| what)
    .collect();
    if !lacking.is_empty() {
        let grants: Vec<String> = lacking
            .iter()
            .map(|p| format!("GRANT {p} TO {role};"))
            .collect();
        return Check::fail(
            name,
            format!("role {role} lacks {}", lacking.join(", ")),
            Some(format!("as the tables' owner: {}", grants.join(" "))),
        );
    }
    let who = cfg.user.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let Some(email) = who else {
        return Check::warn(
            name,
            format!("role {role} can write, but no user is set, so ctodash opens read-only"),
            "pass --user EMAIL, set CTODASH_USER, or put user = \"EMAIL\" in the config file",
        );
    };
    let mut conn = match pool.acquire().await {
        Ok(c) => c,
        Err(e) => return query_failed(name, &e),
    };
    match db::users::find_by_email(&mut conn, email).await {
        Err(e) => query_failed(name, &e),
        Ok(None) => Check::fail(
            name,
            format!("the configured user {email} is not in the users table"),
            Some(
                "use the email of an existing user (`SELECT email FROM users`) or add the user"
                    .into(),
            ),
        ),
        Ok(Some(me)) if cfg.read_only => Check::warn(
            name,
            format!(
                "{} <{}> could edit, but read-only is set, so nothing will be written",
                me.name, me.email
            ),
            "drop --read-only (and read_only = true in the config file) to edit",
        ),
        Ok(Some(me)) => Check::ok(
            name,
            format!(
                "as {} <{}>; role {role} can update bugs and write history and audit rows",
                me.name, me.email
            ),
        ),
    }
}
