//! The real boundary behind read-only: database roles. What a viewer and an
//! editor need, as SQL to apply (`ctodash grants`), and which of them the
//! current role is (`ctodash doctor`). Both come from the lists below, so the
//! printed grants and the doctor's verdict cannot drift apart.
//!
//! An edit (`db::edit::apply_changes`) reads the bugs and their people, locks
//! the rows (`FOR UPDATE`), updates the columns it changes and inserts one
//! `audit_log` row per bug; creating a bug takes a number from
//! `bug_number_seq` and inserts the row; a comment inserts into
//! `bug_comments`. The triggers then write `bug_history`, `bug_stats`,
//! `bug_resolutions_daily`, the KPI hours (`kpi_hourly`,
//! `kpi_open_due_hourly`) and the change counters with the schema owner's
//! rights (migrations 0006, 0007, 0010, 0012), so an editor needs no
//! privilege on them and cannot forge history or counters.

use crate::db::discover::quote_ident;
use sqlx::PgConnection;
use std::fmt::Write;

/// Every table ctodash reads (the dashboard, the read commands, the schema
/// check of every command).
pub const READ_TABLES: [&str; 16] = [
    "users",
    "projects",
    "bugs",
    "bug_history",
    "project_metrics",
    "monthly_metrics",
    "portfolio_metrics",
    "import_logs",
    "audit_log",
    "bug_stats",
    "bug_resolutions_daily",
    // The clock-dependent KPIs' hourly summaries (migration 0010).
    "kpi_hourly",
    "kpi_open_due_hourly",
    // A replica reader's change signal (migration 0006).
    "change_counters",
    // Comments shown in the detail timeline (migration 0012).
    "bug_comments",
    "_sqlx_migrations",
];

/// A privilege on some columns of a table (all columns when `columns` is
/// empty), or on a sequence (`sequence`, with `table` the sequence's name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Privilege {
    pub privilege: &'static str,
    pub table: &'static str,
    pub columns: &'static [&'static str],
    pub sequence: bool,
}

impl Privilege {
    /// "UPDATE (status) ON bugs", "USAGE ON SEQUENCE bug_number_seq".
    pub fn describe(&self, schema: Option<&str>) -> String {
        let name = match schema {
            Some(s) => format!("{}.{}", quote_ident(s), self.table),
            None => self.table.to_owned(),
        };
        let table = if self.sequence {
            format!("SEQUENCE {name}")
        } else {
            name
        };
        if self.columns.is_empty() {
            format!("{} ON {table}", self.privilege)
        } else {
            format!(
                "{} ({}) ON {table}",
                self.privilege,
                self.columns.join(", ")
            )
        }
    }
}

/// The `bugs` columns people edit (`domain::Field::column` of every field).
pub const EDITABLE_COLUMNS: [&str; 9] = [
    "status",
    "severity",
    "assigned_to",
    "is_blocker",
    "title",
    "project_id",
    "estimated_hours",
    "actual_hours",
    "description",
];

/// What edits need beyond reading: exactly the columns they set.
pub const EDIT_PRIVILEGES: [Privilege; 5] = [
    Privilege {
        privilege: "UPDATE",
        table: "bugs",
        columns: &EDITABLE_COLUMNS,
        sequence: false,
    },
    // Creating a bug: not its id, version, SLA, priority or times, which the
    // database sets, nor its status (new bugs are pending).
    Privilege {
        privilege: "INSERT",
        table: "bugs",
        columns: &[
            "bug_number",
            "title",
            "description",
            "severity",
            "assigned_to",
            "project_id",
            "is_blocker",
            "created_by",
        ],
        sequence: false,
    },
    // The new bug's number (nextval; not setval, which needs UPDATE).
    Privilege {
        privilege: "USAGE",
        table: "bug_number_seq",
        columns: &[],
        sequence: true,
    },
    // Not id or created_at: an editor cannot backdate a comment.
    Privilege {
        privilege: "INSERT",
        table: "bug_comments",
        columns: &["bug_id", "author", "body"],
        sequence: false,
    },
    // Not id or created_at: an editor cannot backdate an audit row.
    Privilege {
        privilege: "INSERT",
        table: "audit_log",
        columns: &[
            "user_id",
            "action",
            "entity_type",
            "entity_id",
            "details",
            "ip_address",
            "user_agent",
        ],
        sequence: false,
    },
];

/// Sequences an editor uses (revoked first like the tables).
const SEQUENCES: [&str; 1] = ["bug_number_seq"];

/// What a save needs on `table` when the triggers run with the caller's
/// rights (a trigger made SECURITY INVOKER again, or one of the DBA's own):
/// to name the missing grant when a real edit is refused on that table.
pub fn save_needs(table: &str) -> Vec<&'static str> {
    match table {
        "bugs" => vec!["SELECT", "UPDATE"],
        "audit_log" | "bug_history" => vec!["INSERT"],
        "bug_comments" => vec!["SELECT", "INSERT"],
        "bug_stats" | "bug_resolutions_daily" => vec!["SELECT", "INSERT", "UPDATE"],
        _ if READ_TABLES.contains(&table) => vec!["SELECT"],
        // A table only a trigger of someone else's writes.
        _ => vec!["INSERT", "UPDATE"],
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// SELECT on every table, nothing else.
    Viewer,
    /// A viewer that can also save edits.
    Editor,
}

#[derive(Debug, thiserror::Error)]
pub enum RoleNameError {
    #[error(
        "{0:?} is not a role name: give the name of a PostgreSQL role (1 to 63 bytes, no \
         control characters), e.g. `ctodash grants --viewer dashboard_ro`"
    )]
    Invalid(String),
    #[error(
        "{0:?} is a reserved name, not a role of its own: granting to it would give every \
         role (or a built-in one) these rights. Create a role for the team, e.g. `CREATE ROLE \
         dashboard_ro LOGIN PASSWORD '...'`, and pass its name"
    )]
    Reserved(String),
}

/// Checks a role name given on the command line; it is always quoted in SQL.
pub fn check_role_name(name: &str) -> Result<&str, RoleNameError> {
    if name.is_empty() || name.len() > 63 || name.chars().any(char::is_control) {
        return Err(RoleNameError::Invalid(name.to_owned()));
    }
    let lower = name.to_ascii_lowercase();
    if lower == "public" || lower.starts_with("pg_") || lower == "current_user" {
        return Err(RoleNameError::Reserved(name.to_owned()));
    }
    Ok(name)
}

/// The SQL that makes `role` exactly a viewer or an editor of the ctodash
/// tables in `schema` of `database`: it first revokes everything on them, so
/// applying it to a role with more rights leaves it with just these.
pub fn grant_sql(level: Level, role: &str, database: &str, schema: &str) -> String {
    let r = quote_ident(role);
    let s = quote_ident(schema);
    let tables: Vec<String> = READ_TABLES.iter().map(|t| format!("{s}.{t}")).collect();
    let tables = tables.join(", ");
    let mut out = String::new();
    let what = match level {
        Level::Viewer => "viewer: reads everything the dashboard shows, writes nothing",
        Level::Editor => {
            "editor: reads everything and saves edits (every editable field of a bug, new bugs \
             and comments, with their history and audit rows); cannot import, seed, migrate, \
             delete or truncate"
        }
    };
    let _ = writeln!(out, "-- ctodash {what}.");
    let _ = writeln!(
        out,
        "-- Apply as the tables' owner or a superuser, e.g. `ctodash grants ... | psql`, and again \
         after `ctodash migrate` adds tables."
    );
    let _ = writeln!(
        out,
        "-- The role must exist: CREATE ROLE {r} LOGIN PASSWORD '...';"
    );
    let _ = writeln!(out, "BEGIN;");
    let _ = writeln!(out, "REVOKE ALL ON TABLE {tables} FROM {r};");
    let sequences: Vec<String> = SEQUENCES.iter().map(|q| format!("{s}.{q}")).collect();
    let _ = writeln!(
        out,
        "REVOKE ALL ON SEQUENCE {} FROM {r};",
        sequences.join(", ")
    );
    let _ = writeln!(
        out,
        "GRANT CONNECT ON DATABASE {} TO {r};",
        quote_ident(database)
    );
    let _ = writeln!(out, "GRANT USAGE ON SCHEMA {s} TO {r};");
    let _ = writeln!(out, "GRANT SELECT ON TABLE {tables} TO {r};");
    if level == Level::Editor {
        for p in EDIT_PRIVILEGES {
            let _ = writeln!(out, "GRANT {} TO {r};", p.describe(Some(schema)));
        }
    }
    let _ = writeln!(out, "COMMIT;");
    out
}

/// What the current role may do with the ctodash tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleClass {
    Superuser,
    /// Owns the tables (or is a member of the role that does).
    Owner,
    Editor,
    Viewer,
    /// Cannot even read everything; `missing` names what.
    Neither {
        missing: Vec<String>,
    },
}

/// The current role's class, and the privileges it holds beyond its class
/// (e.g. "DELETE ON bugs" for an editor): the truth about a role that was
/// granted more than it needs.
pub async fn classify(conn: &mut PgConnection) -> sqlx::Result<(RoleClass, Vec<String>)> {
    let (superuser, owner): (bool, bool) = sqlx::query_as(
        "SELECT r.rolsuper, pg_has_role(current_user, c.relowner, 'USAGE') \
         FROM pg_roles r, pg_class c \
         WHERE r.rolname = current_user AND c.oid = 'bugs'::regclass",
    )
    .fetch_one(&mut *conn)
    .await?;
    if superuser {
        return Ok((RoleClass::Superuser, Vec::new()));
    }
    if owner {
        return Ok((RoleClass::Owner, Vec::new()));
    }
    let tables: Vec<String> = READ_TABLES.iter().map(|t| t.to_string()).collect();
    let readable: Vec<bool> =
        sqlx::query_scalar("SELECT has_table_privilege(t, 'SELECT') FROM unnest($1::text[]) t")
            .bind(&tables)
            .fetch_all(&mut *conn)
            .await?;
    let missing: Vec<String> = READ_TABLES
        .iter()
        .zip(readable)
        .filter(|(_, ok)| !ok)
        .map(|(t, _)| format!("SELECT ON {t}"))
        .collect();
    if !missing.is_empty() {
        return Ok((RoleClass::Neither { missing }, Vec::new()));
    }
    let mut editor = true;
    for p in EDIT_PRIVILEGES {
        editor &= has_privilege(conn, &p).await?;
    }
    let extra: Vec<(String, String)> = sqlx::query_as(
        "SELECT p, t FROM unnest($1::text[]) t, \
             unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p \
         WHERE has_table_privilege(t, p) \
            OR (p IN ('INSERT', 'UPDATE') AND has_any_column_privilege(t, p)) \
         ORDER BY t, p",
    )
    .bind(&tables)
    .fetch_all(&mut *conn)
    .await?;
    let extra: Vec<String> = extra
        .into_iter()
        .filter(|(p, t)| {
            !EDIT_PRIVILEGES
                .iter()
                .any(|e| e.privilege == p && e.table == t)
        })
        .map(|(p, t)| format!("{p} ON {t}"))
        .collect();
    let class = if editor {
        RoleClass::Editor
    } else {
        RoleClass::Viewer
    };
    Ok((class, extra))
}

/// Whether the current role holds `p` (on every one of its columns).
pub async fn has_privilege(conn: &mut PgConnection, p: &Privilege) -> sqlx::Result<bool> {
    if p.sequence {
        return sqlx::query_scalar("SELECT has_sequence_privilege($1, $2)")
            .bind(p.table)
            .bind(p.privilege)
            .fetch_one(conn)
            .await;
    }
    if p.columns.is_empty() {
        return sqlx::query_scalar("SELECT has_table_privilege($1, $2)")
            .bind(p.table)
            .bind(p.privilege)
            .fetch_one(conn)
            .await;
    }
    let columns: Vec<String> = p.columns.iter().map(|c| c.to_string()).collect();
    sqlx::query_scalar("SELECT bool_and(has_column_privilege($1, c, $2)) FROM unnest($3::text[]) c")
        .bind(p.table)
        .bind(p.privilege)
        .bind(&columns)
        .fetch_one(conn)
        .await
}

/// Of `privileges` on `table`, those the current role lacks.
pub async fn lacking(
    conn: &mut PgConnection,
    table: &str,
    privileges: &[&'static str],
) -> sqlx::Result<Vec<&'static str>> {
    let mut out = Vec::new();
    for p in privileges {
        let has: Option<bool> =
            sqlx::query_scalar("SELECT has_table_privilege(to_regclass($1), $2)")
                .bind(table)
                .bind(*p)
                .fetch_one(&mut *conn)
                .await?;
        if has == Some(false) {
            out.push(*p);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_checked_and_quoted() {
        assert_eq!(check_role_name("app_ro").unwrap(), "app_ro");
        assert!(check_role_name("").is_err());
        assert!(check_role_name("a\nb").is_err());
        assert!(check_role_name(&"x".repeat(64)).is_err());
        for reserved in ["public", "PUBLIC", "pg_read_all_data", "current_user"] {
            let e = check_role_name(reserved).unwrap_err().to_string();
            assert!(e.contains("reserved"), "{e}");
        }
        let sql = grant_sql(Level::Viewer, "we\"ird; DROP", "db", "public");
        assert!(sql.contains("TO \"we\"\"ird; DROP\";"), "{sql}");
        assert!(!sql.contains("UPDATE"), "{sql}");
    }

    #[test]
    fn editors_may_update_exactly_the_fields_people_edit() {
        let fields: Vec<&str> = crate::domain::Field::ALL
            .iter()
            .map(|f| f.column())
            .collect();
        assert_eq!(fields, EDITABLE_COLUMNS);
    }

    #[test]
    fn an_editor_gets_exactly_the_edit_on_top_of_reading() {
        let sql = grant_sql(Level::Editor, "app", "ctodash", "public");
        assert!(
            sql.contains(
                "GRANT UPDATE (status, severity, assigned_to, is_blocker, title, project_id, \
                 estimated_hours, actual_hours, description) ON \"public\".bugs TO \"app\";"
            ),
            "{sql}"
        );
        assert!(
            sql.contains("GRANT USAGE ON SEQUENCE \"public\".bug_number_seq TO \"app\";"),
            "{sql}"
        );
        assert!(
            sql.contains("GRANT INSERT (bug_id, author, body) ON \"public\".bug_comments"),
            "{sql}"
        );
        assert!(
            sql.contains("REVOKE ALL ON SEQUENCE \"public\".bug_number_seq FROM \"app\";"),
            "{sql}"
        );
        assert!(sql.contains("GRANT INSERT (user_id, action, entity_type, entity_id, details, ip_address, user_agent) ON \"public\".audit_log TO \"app\";"), "{sql}");
        assert!(
            sql.contains("REVOKE ALL ON TABLE \"public\".users"),
            "{sql}"
        );
        assert!(
            !sql.contains("DELETE") && !sql.contains("TRUNCATE"),
            "{sql}"
        );
        assert!(sql.trim_end().ends_with("COMMIT;"));
    }
}
