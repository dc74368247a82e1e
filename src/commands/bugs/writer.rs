//! What every writing `bugs` command does first: refuse in a read-only
//! session, know who is writing (a row in users), open the database; and the
//! names on its command line (an assignee's email, a project's name) as ids.

use crate::app::model::BugRow;
use crate::config::Config;
use crate::db::edit::EditContext;
use crate::db::session::refuse_writes;
use crate::db::{self, Database, SchemaPolicy};
use crate::domain::BugNumber;
use color_eyre::eyre::{Result, bail};
use sqlx::PgConnection;
use uuid::Uuid;

/// An open database and the editing user.
pub(super) struct Writer {
    pub db: Database,
    pub ctx: EditContext,
}

/// Refuses `action` (e.g. "change BUG-1001") in a read-only session or without
/// a known user, before anything is written; `command` is how it is run.
pub(super) async fn open_writer(cfg: &Config, action: &str, command: &str) -> Result<Writer> {
    refuse_writes(cfg, action, command)?;
    let Some(email) = cfg.user.as_deref().map(str::trim).filter(|e| !e.is_empty()) else {
        bail!(
            "refusing to {action}: ctodash does not know who you are, and every change \
             is recorded with its author, so nothing was written. Pass --user EMAIL, set \
             CTODASH_USER, or put user = \"EMAIL\" in the config file; the email must be a row \
             in the users table"
        );
    };
    let db = db::open(cfg, SchemaPolicy::MigrateOwned).await?;
    let mut conn = db.pool.acquire().await?;
    let Some(me) = db::users::find_by_email(&mut conn, email).await? else {
        bail!(
            "refusing to {action}: there is no user with the email {email} in {}, so \
             nothing was written. Use the email of an existing user (see `SELECT email FROM \
             users`), or add yourself to the users table first",
            db.found.display
        );
    };
    drop(conn);
    Ok(Writer {
        db,
        ctx: EditContext::new(me),
    })
}

impl Writer {
    /// The rows of `numbers` as they are now (what the change is checked
    /// against), or an error naming the first that does not exist.
    pub async fn rows(&self, numbers: &[BugNumber]) -> Result<Vec<BugRow>> {
        let mut conn = self.db.pool.acquire().await?;
        let mut out: Vec<BugRow> = Vec::with_capacity(numbers.len());
        for n in numbers {
            let row = super::load_detail(&mut conn, n.clone(), &self.db.found.display)
                .await?
                .row;
            if !out.iter().any(|r| r.id == row.id) {
                out.push(row);
            }
        }
        Ok(out)
    }
}

/// `--assignee EMAIL|none` → the user's id (None for "none").
pub(super) async fn assignee_id(
    conn: &mut PgConnection,
    email: &str,
    database: &str,
) -> Result<Option<Uuid>> {
    if is_none(email) {
        return Ok(None);
    }
    match db::users::find_by_email(conn, email).await? {
        Some(u) => Ok(Some(u.id)),
        None => bail!(
            "--assignee: there is no user with the email {email} in {database}, so nothing was \
             written. Give the email of an existing user (see `SELECT email FROM users`), or \
             \"none\" to leave the bug unassigned"
        ),
    }
}

/// `--project NAME|none` → the project's id (None for "none").
pub(super) async fn project_id(
    conn: &mut PgConnection,
    name: &str,
    database: &str,
) -> Result<Option<Uuid>> {
    if is_none(name) {
        return Ok(None);
    }
    match db::lookup::project_by_name(conn, name).await? {
        Some((id, _)) => Ok(Some(id)),
        None => bail!(
            "--project: there is no project named \"{name}\" in {database} (names are matched \
             whole, ignoring case), so nothing was written. `ctodash projects list` shows every \
             project's name; \"none\" takes the bug out of its project"
        ),
    }
}

pub(super) fn is_none(v: &str) -> bool {
    v.trim().eq_ignore_ascii_case("none")
}
