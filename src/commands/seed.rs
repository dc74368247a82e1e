use crate::cli::SeedArgs;
use crate::config::Config;
use crate::db::session::refuse_writes;
use crate::db::{self, SchemaPolicy};
use crate::seed::{self, DEMO_CTO_EMAIL, SeedOptions};
use color_eyre::eyre::Result;

pub async fn run(cfg: &Config, args: &SeedArgs) -> Result<()> {
    refuse_writes(cfg, "seed demo data", "ctodash seed")?;
    // Two connections: the seed builds its indexes on both at once.
    let db = db::open_with(cfg, SchemaPolicy::MigrateOwnedOrEmpty, seed::CONNECTIONS).await?;
    let opts = SeedOptions {
        bugs: args.bugs,
        projects: args.projects,
        users: args.users,
        seed: args.seed,
        reset: args.reset,
    };
    eprintln!(
        "Seeding {} with {} bugs, {} projects, {} users (seed {})...",
        db.found.display,
        opts.bugs,
        opts.project_count(),
        opts.user_count(),
        opts.seed
    );
    let report = seed::run(&db.pool, &opts).await?;
    println!(
        "Loaded {} users, {} projects, {} bugs and {} history rows in {:.1} s. \
         Try `ctodash --user {DEMO_CTO_EMAIL}` to edit as the demo CTO.",
        report.users,
        report.projects,
        report.bugs,
        report.history_rows,
        report.elapsed.as_secs_f64()
    );
    let phases: Vec<String> = report
        .phases
        .iter()
        .map(|(name, d)| format!("{name} {:.1} s", d.as_secs_f64()))
        .collect();
    eprintln!("({})", phases.join(", "));
    Ok(())
}
