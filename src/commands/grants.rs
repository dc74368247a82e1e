//! `ctodash grants --viewer ROLE | --editor ROLE`: the least-privilege SQL
//! for a team's roles (see `db::grants`), for this database and schema.

use crate::cli::GrantsArgs;
use crate::config::Config;
use crate::db::grants::{Level, check_role_name, grant_sql};
use crate::db::{self, SchemaPolicy};
use color_eyre::eyre::Result;

pub async fn run(cfg: &Config, args: &GrantsArgs) -> Result<()> {
    // clap requires exactly one of the two; a missing one reads as an empty name.
    let (level, role) = match (&args.viewer, &args.editor) {
        (Some(role), _) => (Level::Viewer, role.as_str()),
        (None, role) => (Level::Editor, role.as_deref().unwrap_or_default()),
    };
    let role = check_role_name(role)?;
    let db = db::open(cfg, SchemaPolicy::MigrateOwned).await?;
    let (database, schema, exists): (String, String, bool) = sqlx::query_as(
        "SELECT current_database()::text, n.nspname::text, \
                EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.oid = 'bugs'::regclass",
    )
    .bind(role)
    .fetch_one(&db.pool)
    .await?;
    db.pool.close().await;
    if !exists {
        eprintln!(
            "note: there is no role {role:?} on this server yet; create it first (the SQL's \
             first comment shows how)"
        );
    }
    print!("{}", grant_sql(level, role, &database, &schema));
    Ok(())
}
