//! Which kind of role this is (superuser, owner, editor, viewer) and whether a
//! save really goes through: a real edit in a transaction that is rolled back,
//! so every trigger's privileges are exercised, and a refusal names the grant
//! that is missing.

use super::check::{Check, query_failed};
use crate::config::Config;
use crate::db;
use crate::db::edit::{Rehearsal, rehearse_edit};
use crate::db::grants::{self, EDIT_PRIVILEGES, RoleClass, save_needs};
use sqlx::{PgConnection, PgPool};

/// `role` as it is written in SQL: bare when that is unambiguous.
fn ident(role: &str) -> String {
    let bare = role
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && role.chars().next().is_some_and(|c| !c.is_ascii_digit());
    if bare {
        role.to_owned()
    } else {
        db::discover::quote_ident(role)
    }
}

fn describe(class: &RoleClass, role: &str) -> String {
    match class {
        RoleClass::Superuser => format!(
            "role {role} is a superuser: it can do everything, far more than a dashboard needs"
        ),
        RoleClass::Owner => format!(
            "role {role} owns the tables: it can migrate, seed, import, snapshot, edit and read"
        ),
        RoleClass::Editor => format!(
            "role {role} is an editor: it reads everything and saves edits, and cannot import, \
             seed or migrate"
        ),
        RoleClass::Viewer => {
            format!("role {role} is a viewer: it reads everything and cannot save edits")
        }
        RoleClass::Neither { .. } => format!("role {role} cannot read every ctodash table"),
    }
}

async fn current_role(conn: &mut PgConnection) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(conn)
        .await
}

/// The "role" line: which of superuser, owner, editor and viewer this role is.
pub(super) async fn role(pool: &PgPool, schema_ok: bool) -> Check {
    let name = "role";
    if !schema_ok {
        return Check::warn(
            name,
            "not checked: the database has no usable ctodash schema",
            "fix the schema first (see the schema line)",
        );
    }
    let mut conn = match pool.acquire().await {
        Ok(c) => c,
        Err(e) => return query_failed(name, &e),
    };
    let (role, (class, extra)) = match (
        current_role(&mut conn).await,
        grants::classify(&mut conn).await,
    ) {
        (Ok(r), Ok(c)) => (r, c),
        (Err(e), _) | (_, Err(e)) => return query_failed(name, &e),
    };
    let mut detail = describe(&class, &role);
    let r = ident(&role);
    match &class {
        RoleClass::Neither { missing } => Check::fail(
            name,
            format!("{detail} (lacks {})", missing.join(", ")),
            Some(format!(
                "as the tables' owner, apply `ctodash grants --viewer {r}` (or --editor) with psql"
            )),
        ),
        RoleClass::Viewer | RoleClass::Editor if !extra.is_empty() => {
            detail.push_str(&format!(
                "; it also holds {}, more than it needs",
                extra.join(", ")
            ));
            let level = if class == RoleClass::Viewer {
                "viewer"
            } else {
                "editor"
            };
            Check::warn(
                name,
                detail,
                format!("apply `ctodash grants --{level} {r}` with psql: it revokes the rest"),
            )
        }
        _ => Check::ok(name, detail),
    }
}

/// The "write access" line: a real save, rolled back.
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
    let r = ident(&role);
    if standby {
        return Check::fail(
            name,
            "the server is a read-only standby",
            Some("point ctodash at the primary server to edit".into()),
        );
    }
    if cfg.read_only {
        return Check::warn(
            name,
            "not tried: this session is read-only (--read-only, or read_only = true in the \
             config file), so not even a rolled-back edit is attempted",
            "run `ctodash doctor` without --read-only to check that a save goes through",
        );
    }
    if read_only == "on" {
        return Check::fail(
            name,
            format!("sessions of role {role} are read-only (default_transaction_read_only)"),
            Some(format!(
                "`ALTER ROLE {r} SET default_transaction_read_only = off;` (or on the \
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
    let who = cfg.user.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let me = match who {
        None => None,
        Some(email) => {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return query_failed(name, &e),
            };
            match db::users::find_by_email(&mut conn, email).await {
                Err(e) => return query_failed(name, &e),
                Ok(None) => {
                    return Check::fail(
                        name,
                        format!("the configured user {email} is not in the users table"),
                        Some(
                            "use the email of an existing user (`SELECT email FROM users`) or \
                             add the user"
                                .into(),
                        ),
                    );
                }
                Ok(Some(me)) => Some(me),
            }
        }
    };
    let rehearsal = match rehearse_edit(pool, me.as_ref().map(|m| m.id)).await {
        Ok(r) => r,
        Err(e) => return query_failed(name, &e),
    };
    match rehearsal {
        Rehearsal::Saved { bug, from, to } => {
            let proof = format!(
                "role {role} can save edits: a real edit of {bug} ({from} → {to}, with its \
                 history, summary and audit rows) went through and was rolled back"
            );
            match me {
                None => Check::warn(
                    name,
                    format!("{proof}, but no user is set, so ctodash opens read-only"),
                    "pass --user EMAIL, set CTODASH_USER, or put user = \"EMAIL\" in the config \
                     file",
                ),
                Some(me) => Check::ok(name, format!("as {} <{}>; {proof}", me.name, me.email)),
            }
        }
        Rehearsal::NoBugs => Check::warn(
            name,
            format!(
                "not tried: there are no bugs to try an edit on, and role {role} may not add one"
            ),
            "run `ctodash doctor` again once there are bugs (the role line says what the role \
             may do)",
        ),
        Rehearsal::Refused(e) => refused(pool, &e, &role).await,
    }
}

/// A save the database refused: what it said, and for a missing privilege
/// the GRANTs that would let it through.
async fn refused(pool: &PgPool, e: &sqlx::Error, role: &str) -> Check {
    let name = "write access";
    let sqlx::Error::Database(dbe) = e else {
        return query_failed(name, e);
    };
    let detail = format!(
        "a real edit (rolled back) was refused: {} (SQLSTATE {})",
        dbe.message(),
        dbe.code().unwrap_or_default()
    );
    if dbe.code().as_deref() != Some("42501") {
        return Check::fail(
            name,
            detail,
            Some("fix what the database reports, then run `ctodash doctor` again".into()),
        );
    }
    let r = ident(role);
    let grants = match missing_grants(pool, dbe.message()).await {
        Ok(g) => g,
        Err(e) => return query_failed(name, &e),
    };
    let fix = if grants.is_empty() {
        format!(
            "as the tables' owner, apply `ctodash grants --editor {r}` with psql, or grant what \
             the message names"
        )
    } else {
        let lines: Vec<String> = grants
            .iter()
            .map(|g| format!("GRANT {g} TO {r};"))
            .collect();
        format!(
            "as the tables' owner: {} (or apply `ctodash grants --editor {r}` with psql)",
            lines.join(" ")
        )
    };
    Check::fail(name, detail, Some(fix))
}

/// The privileges a save lacks: those the refused object needs, then any of
/// the editor's own the role does not hold, e.g. "INSERT ON bug_stats".
async fn missing_grants(pool: &PgPool, message: &str) -> sqlx::Result<Vec<String>> {
    let mut conn = pool.acquire().await?;
    let mut out = Vec::new();
    if let Some((kind, object)) = denied_object(message) {
        match kind {
            "table" | "relation" | "view" => {
                let lacking = grants::lacking(&mut conn, object, &save_needs(object)).await?;
                let edit = EDIT_PRIVILEGES.iter().find(|p| p.table == object);
                for p in lacking {
                    match edit.filter(|e| e.privilege == p) {
                        Some(e) => out.push(e.describe(None)),
                        None => out.push(format!("{p} ON {object}")),
                    }
                }
            }
            "schema" => out.push(format!("USAGE ON SCHEMA {object}")),
            "sequence" => out.push(format!("USAGE ON SEQUENCE {object}")),
            "function" => out.push(format!("EXECUTE ON FUNCTION {object}")),
            _ => {}
        }
    }
    for p in EDIT_PRIVILEGES {
        let described = p.describe(None);
        if !out.contains(&described) && !grants::has_privilege(&mut conn, &p).await? {
            out.push(described);
        }
    }
    Ok(out)
}

/// "permission denied for table bug_stats" → ("table", "bug_stats").
fn denied_object(message: &str) -> Option<(&str, &str)> {
    let rest = message.split("permission denied for ").nth(1)?;
    let (kind, object) = rest.split_once(' ')?;
    let object = object.split_whitespace().next()?.trim_matches('"');
    Some((kind, object))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denied_objects_are_read_from_the_message() {
        assert_eq!(
            denied_object("permission denied for table bug_stats"),
            Some(("table", "bug_stats"))
        );
        assert_eq!(
            denied_object("permission denied for schema audit"),
            Some(("schema", "audit"))
        );
        assert_eq!(denied_object("deadlock detected"), None);
        assert_eq!(ident("app_rw"), "app_rw");
        assert_eq!(ident("App"), "\"App\"");
        assert_eq!(ident("1x"), "\"1x\"");
    }
}
