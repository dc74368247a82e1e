//! Every command line ctodash accepts. Settings given here win over environment
//! variables, which win over the config file (see `config`).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

mod bugs;
pub use bugs::*;

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
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// PostgreSQL URL, e.g. postgres://user:pass@host:5432/db [env: DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// A streaming-replication standby to read from; writes still go to --database-url [env: CTODASH_REPLICA_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub replica_url: Option<String>,
    /// Most connections one dashboard uses at once while loading, 1-32 (default 3) [env: CTODASH_POOL_SIZE]
    #[arg(long, global = true, value_name = "N")]
    pub pool_size: Option<String>,
    /// Config file to read instead of the default one [env: CTODASH_CONFIG]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Who you are: the email of a row in `users`; needed to edit [env: CTODASH_USER]
    #[arg(long, global = true, value_name = "EMAIL")]
    pub user: Option<String>,
    /// Never write to the database, even with a user set
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Leave the mouse to the terminal (its own text selection) instead of clicks and the wheel
    #[arg(long, global = true)]
    pub no_mouse: bool,
    /// Where ctodash keeps its log and, if it needs one, its private PostgreSQL [env: CTODASH_DATA_DIR]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Colours: dark (default), light, high-contrast or mono; NO_COLOR forces mono
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
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
    /// Print the KPIs the dashboard shows, or check them against limits
    #[command(
        after_help = "With --check, prints one line per check (the value, ok or FAIL) \
        instead of the table and exits 3 when any check fails, 0 when all pass; an unknown KPI \
        or a malformed check is a usage error (exit 2). A mean time to resolve with nothing \
        resolved has no value, and its checks pass. KPI names are the keys of --format json \
        (severities as open_critical, open_high, …) plus backlog_change_7d.\n\nExamples:\n  \
        ctodash kpis\n  ctodash kpis --format json | jq .open_total\n  \
        ctodash kpis --check 'sla_breached<=100' --check 'revenue_at_risk_daily<=50000'\n  \
        # cron, hourly:  0 * * * *  ctodash kpis --check 'blockers<=10' || notify-oncall"
    )]
    Kpis(KpisArgs),
    /// List, show and change bugs
    #[command(subcommand)]
    Bugs(BugsCommand),
    /// List projects (the portfolio pane's content)
    #[command(subcommand)]
    Projects(ProjectsCommand),
    /// Import bugs or projects from CSV, or projects from GitHub
    #[command(subcommand)]
    Import(ImportCommand),
    /// Compute and upsert monthly_metrics for a month and today's portfolio_metrics row
    #[command(
        after_help = "Examples:\n  ctodash snapshot\n  ctodash snapshot --month 2026-10\n  \
        # cron, nightly:  5 0 * * *  ctodash snapshot"
    )]
    Snapshot(SnapshotArgs),
    /// Check connectivity, versions, schema, extensions, indexes, clock skew, the role and write access
    #[command(
        after_help = "Prints one line per check: ok, warn or fail, what was found, and the fix. \
        Never migrates or repairs anything. The role line says whether the role is a superuser, \
        the tables' owner, an editor or a viewer; the write access line makes a real edit inside \
        a transaction that is rolled back (skipped with --read-only), and names the missing GRANT \
        when the database refuses it. With --replica-url it also checks the replica: reachable, a \
        standby, its lag and schema. Exit code 0 when nothing failed, 1 \
        otherwise.\n\nExamples:\n  ctodash doctor\n  ctodash doctor --user cto@example.com\n  \
        DATABASE_URL=postgres://me@db/bugs ctodash doctor || echo unhealthy"
    )]
    Doctor,
    /// Print the least-privilege SQL that makes a role a viewer or an editor
    #[command(
        after_help = "Read-only (--read-only) guards against mistakes; it is not a security \
        boundary, since anyone with the same credentials can write with psql. Roles are: a viewer \
        may only SELECT; an editor may also save edits (UPDATE of a bug's editable fields, INSERT of \
        new bugs with a number from bug_number_seq, of comments and of audit rows; the triggers \
        write history and summaries with the schema owner's rights). The \
        SQL revokes everything else on ctodash's tables first, so applying it leaves the role with \
        exactly these rights. Apply it as the tables' owner, and again after `ctodash migrate`.\n\n\
        Examples:\n  ctodash grants --viewer dashboard_ro | psql -d ctodash\n  \
        ctodash grants --editor triage | psql -d ctodash\n  \
        ctodash doctor   # as that role: says viewer or editor"
    )]
    Grants(GrantsArgs),
    /// Print a shell completion script (bash, zsh or fish)
    #[command(after_help = "Examples:\n  \
        ctodash completions bash > ~/.local/share/bash-completion/completions/ctodash\n  \
        ctodash completions zsh > \"${fpath[1]}/_ctodash\"\n  \
        ctodash completions fish > ~/.config/fish/completions/ctodash.fish")]
    Completions(CompletionsArgs),
    /// The private PostgreSQL cluster ctodash starts when it finds no server
    #[command(subcommand)]
    Db(DbCommand),
    /// Print a complete commented config file, or check one
    #[command(
        after_help = "The config file holds connection settings, saved views ([[views]]), \
        key remaps ([keys]) and colours (theme, [theme]). Mistakes are reported with the file, \
        the line and the fix before the dashboard starts.\n\nExamples:\n  \
        ctodash config --default > ~/.config/ctodash/config.toml\n  ctodash config check\n  \
        ctodash config check ./my-config.toml"
    )]
    Config(ConfigArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Whether the private cluster is running: its data directory, port, socket and size
    #[command(
        after_help = "The private cluster lives in the data directory (--data-dir, \
        CTODASH_DATA_DIR); it keeps running after the dashboard quits, so the next start is \
        instant. `ctodash db stop` stops it.\n\nExamples:\n  ctodash db status\n  \
        ctodash db status --data-dir /var/lib/ctodash"
    )]
    Status,
    /// Stop the private cluster cleanly (says so when none is running)
    #[command(
        after_help = "Stops the server with `pg_ctl stop -m fast`: open sessions are \
        disconnected and their transactions rolled back; committed data is safe. The next \
        dashboard start finds the cluster stopped and starts it again.\n\nExamples:\n  \
        ctodash db stop"
    )]
    Stop,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ConfigArgs {
    /// Print a complete config file: every key, commented, with its default
    #[arg(long)]
    pub default: bool,
    #[command(subcommand)]
    pub action: Option<ConfigAction>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Check a config file (default: the one ctodash reads) and name the line of any mistake; exit 1 if there is one
    Check {
        /// The file to check [default: --config, CTODASH_CONFIG, or the usual place]
        file: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct GrantsArgs {
    /// The role may read everything and write nothing
    #[arg(long, value_name = "ROLE")]
    pub viewer: Option<String>,
    /// The role may read everything and save edits, nothing more
    #[arg(long, value_name = "ROLE")]
    pub editor: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ProjectsCommand {
    /// Every project with status, money, milestones, bug counts, risk and health
    #[command(
        after_help = "Examples:\n  ctodash projects list\n  ctodash projects list --format csv"
    )]
    List(ProjectsListArgs),
}

#[derive(Debug, Args)]
pub struct ProjectsListArgs {
    #[arg(long, value_enum, default_value_t = DataFormat::Table)]
    pub format: DataFormat,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import a CSV file of bugs or projects (FILE or - for stdin)
    #[command(
        after_help = "Examples:\n  ctodash import csv --kind bugs assets/csv/bugs_sample.csv\n  \
        ctodash import csv --kind projects --dry-run projects.csv\n  \
        cat bugs.csv | ctodash import csv --kind bugs --all-or-nothing -"
    )]
    Csv(ImportCsvArgs),
    /// Import projects from a GitHub "list repositories" JSON file or an organisation
    #[command(
        after_help = "Examples:\n  ctodash import github --file repos.json\n  \
        GITHUB_TOKEN=... ctodash import github --org acme"
    )]
    Github(ImportGithubArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportKind {
    Bugs,
    Projects,
}

#[derive(Debug, Args)]
pub struct ImportCsvArgs {
    #[arg(long, value_enum)]
    pub kind: ImportKind,
    /// The CSV file, or - for standard input
    pub file: String,
    /// Validate and report only; write nothing (not even import_logs)
    #[arg(long)]
    pub dry_run: bool,
    /// Abort on the first bad row and import nothing
    #[arg(long)]
    pub all_or_nothing: bool,
    /// Apply rows whose bug changed since the file was exported (its version
    /// column differs); they are still listed
    #[arg(long)]
    pub overwrite: bool,
    /// Bugs: create a user (role engineer, name from the address) for each
    /// unknown assignee email instead of skipping the row
    #[arg(long)]
    pub create_users: bool,
    /// Bugs: create a bare active project for each unknown project name
    /// instead of skipping the row
    #[arg(long)]
    pub create_projects: bool,
    #[arg(long, value_enum, default_value_t = DataFormat::Table)]
    pub format: DataFormat,
}

#[derive(Debug, Args)]
pub struct ImportGithubArgs {
    /// A JSON file as returned by GitHub's "list repositories" API
    #[arg(long, conflicts_with = "org", required_unless_present = "org")]
    pub file: Option<String>,
    /// Fetch the organisation's repositories from the GitHub API (token from GITHUB_TOKEN)
    #[arg(long)]
    pub org: Option<String>,
    /// API base URL
    #[arg(long, env = "GITHUB_API_URL", default_value = "https://api.github.com")]
    pub api_url: String,
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = DataFormat::Table)]
    pub format: DataFormat,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The month to compute, YYYY-MM [default: the current month]
    #[arg(long)]
    pub month: Option<String>,
}

/// Output formats of the commands that print data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    Table,
    Json,
    Csv,
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
    /// NAME OP NUMBER, e.g. 'sla_breached<=100' (OP: < <= > >= ==); repeatable
    #[arg(long = "check", value_name = "NAME OP NUMBER", value_parser = parse_check)]
    pub checks: Vec<crate::domain::alert::Check>,
}

fn parse_check(expr: &str) -> Result<crate::domain::alert::Check, String> {
    expr.parse()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}
