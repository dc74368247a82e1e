//! `bugs new`: create a bug (`db::edit::create_bug`) and print its number.

use super::parse_severities;
use super::writer::{assignee_id, open_writer, project_id};
use crate::cli::BugsNewArgs;
use crate::config::Config;
use crate::db::edit::{CreateOutcome, NewBug, create_bug};
use crate::domain::check_title;
use color_eyre::eyre::{Result, bail, eyre};

pub(super) async fn new_command(cfg: &Config, args: &BugsNewArgs) -> Result<()> {
    let severity = match parse_severities(std::slice::from_ref(&args.severity))?.as_slice() {
        [one] => *one,
        _ => bail!("--severity: give one severity: critical, high, medium or low"),
    };
    check_title(&args.title).map_err(|e| eyre!("--title: {e}; nothing was written"))?;
    let w = open_writer(cfg, "create a bug", "ctodash bugs new").await?;
    let mut conn = w.db.pool.acquire().await?;
    let database = &w.db.found.display;
    let assignee = match &args.assignee {
        Some(a) => assignee_id(&mut conn, a, database).await?,
        None => None,
    };
    let project = match &args.project {
        Some(p) => project_id(&mut conn, p, database).await?,
        None => None,
    };
    drop(conn);
    let new = NewBug {
        title: args.title.clone(),
        severity,
        project,
        assignee,
        is_blocker: args.blocker,
        description: args.description.clone(),
    };
    match create_bug(&w.db.pool, &w.ctx, &new).await? {
        CreateOutcome::Created(row) => {
            // The number alone on stdout, for scripts: `n=$(ctodash bugs new ...)`.
            println!("{}", row.number);
            Ok(())
        }
        CreateOutcome::Refused(e) => bail!("{e}; nothing was written"),
        CreateOutcome::Failed { error } => bail!("{error}"),
    }
}
