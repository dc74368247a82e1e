//! Every command line ctodash accepts. Settings given here win over environment
//! variables, which win over the config file (see `config`).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "ctodash",
    version,
    about = "A fast, keyboard-first terminal dashboard over a PostgreSQL database of bugs and projects.",
    long_about = "A fast, keyboard-first terminal dashboard over a PostgreSQL database of bugs \
        and projects.\n\nWith no subcommand it opens the dashboard. With no database configured \
        it finds a local PostgreSQL server (or starts a private one from the installed \
        PostgreSQL binaries), creates its own `ctodash` database there and fills it with demo \
        data.",
    after_help = "Examples:\n  ctodash                          open the dashboard (demo data on first run)\n  \
        ctodash seed --bugs 1000000 --reset\n  ctodash kpis --format json\n  \
        DATABASE_URL=postgres://me@db/bugs ctodash migrate"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// PostgreSQL URL, e.g. postgres://user:pass@host:5432/db [env: DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Config file to read instead of the default one [env: CTODASH_CONFIG]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Who you are: the email of a row in `users`; needed to edit [env: CTODASH_USER]
    #[arg(long, global = true, value_name = "EMAIL")]
    pub user: Option<String>,
    /// Never write to the database, even with a user set
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Where ctodash keeps its log and, if it needs one, its private PostgreSQL [env: CTODASH_DATA_DIR]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// More detail in the log file (repeat for even more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply the database schema (safe to run again; only missing steps run)
    Migrate,
    /// Fill the database with realistic, deterministic demo data
    #[command(after_help = "Examples:\n  ctodash seed --bugs 100000\n  \
        ctodash seed --bugs 1000000 --projects 1000 --reset\n  ctodash seed --seed 7 --reset")]
    Seed(SeedArgs),
    /// Print the KPIs the dashboard shows
    #[command(
        after_help = "Examples:\n  ctodash kpis\n  ctodash kpis --format json | jq .open_total"
    )]
    Kpis(KpisArgs),
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Number of bugs to generate
    #[arg(long, default_value_t = 20_000)]
    pub bugs: u64,
    /// Number of projects [default: bugs/1000, between 12 and 1000]
    #[arg(long)]
    pub projects: Option<u32>,
    /// Number of users [default: bugs/2000, between 12 and 400]
    #[arg(long)]
    pub users: Option<u32>,
    /// Seed for the generator: the same seed gives the same rows
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Wipe every ctodash table first (required when the database is not empty)
    #[arg(long)]
    pub reset: bool,
}

#[derive(Debug, Args)]
pub struct KpisArgs {
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}
