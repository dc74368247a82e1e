use crate::config::Config;
use crate::db::session::refuse_writes;
use crate::db::{self, migrate};
use color_eyre::eyre::Result;

/// `ctodash migrate`: the one command allowed to change any database's schema.
pub async fn run(cfg: &Config) -> Result<()> {
    refuse_writes(cfg, "migrate the schema", "ctodash migrate")?;
    let found = db::find(cfg).await?;
    let pool = db::connect(&found, db::COMMAND_CONNECTIONS).await?;
    let ran = migrate::run(&pool).await?;
    match ran {
        0 => println!(
            "{}: schema is up to date (version {}).",
            found.display,
            migrate::latest_version()
        ),
        n => println!(
            "{}: applied {n} migration{}; schema is now at version {}.",
            found.display,
            if n == 1 { "" } else { "s" },
            migrate::latest_version()
        ),
    }
    Ok(())
}
