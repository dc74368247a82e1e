//! `bugs comment`: add a comment to a bug (`db::edit::add_comment`).

use super::parse_bug_number;
use super::writer::open_writer;
use crate::cli::BugsCommentArgs;
use crate::config::Config;
use crate::db::edit::{CommentOutcome, RefusalReason, add_comment};
use crate::domain::check_comment;
use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use std::io::Read;

pub(super) async fn comment_command(cfg: &Config, args: &BugsCommentArgs) -> Result<()> {
    let number = parse_bug_number(&args.bug)?;
    let text = if args.text == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .wrap_err("could not read the comment from standard input")?;
        s
    } else {
        args.text.clone()
    };
    check_comment(&text).map_err(|e| eyre!("{e}; nothing was written"))?;
    let action = format!("comment on {number}");
    let w = open_writer(cfg, &action, "ctodash bugs comment").await?;
    let bug = w.rows(std::slice::from_ref(&number)).await?.remove(0);
    match add_comment(&w.db.pool, &w.ctx, bug.id, &text).await? {
        CommentOutcome::Added(c) => {
            println!(
                "{}: comment added at {}",
                bug.number,
                c.at.format("%Y-%m-%d %H:%M:%S UTC")
            );
            Ok(())
        }
        CommentOutcome::Refused(RefusalReason::Gone) => bail!(
            "{} was deleted while commenting on it: nothing was written",
            bug.number
        ),
        CommentOutcome::Refused(r) => bail!("{r}; nothing was written"),
        CommentOutcome::Failed { error } => bail!("{}: {error}", bug.number),
    }
}
