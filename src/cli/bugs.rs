//! `ctodash bugs …`: listing, showing and every edit from the shell.

use super::DataFormat;
use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum BugsCommand {
    /// List bugs with the dashboard's filters; streams, so any size exports in bounded memory
    #[command(
        after_help = "Examples:\n  ctodash bugs list --severity critical --blocker\n  \
        ctodash bugs list --status all --sort age --limit 0 --format csv > bugs.csv\n  \
        ctodash bugs list --search checkout --format json\n  \
        ctodash bugs list --view Breached --format csv\n  \
        ctodash bugs list --view \"Breached critical\"   # a [[views]] entry of the config file"
    )]
    List(BugsListArgs),
    /// Show one bug with every field and its history
    #[command(
        after_help = "Examples:\n  ctodash bugs show BUG-1001\n  ctodash bugs show 1001 --format json"
    )]
    Show(BugsShowArgs),
    /// Change the status of one or more bugs (same rules, history, audit and conflict check as the dashboard)
    #[command(
        after_help = "Examples:\n  ctodash bugs set-status BUG-1001 verified --user cto@example.com\n  \
        CTODASH_USER=cto@example.com ctodash bugs set-status 1001 shipped\n  \
        ctodash bugs set-status BUG-1 BUG-2 BUG-3 verified --user cto@example.com\n\n\
        Who you are comes from --user, CTODASH_USER or `user` in the config file and must be a \
        row in users; with --read-only or no user nothing is written. Several bugs change all or \
        nothing, in one transaction: if any of them may not move (the lifecycle) or changed \
        between reading and writing, nothing is written, each refused bug is listed with its \
        reason and the exit code is 1; running the same command again applies the status to the \
        bugs as they are now (checked against their current status).",
        override_usage = "ctodash bugs set-status [OPTIONS] BUG... STATUS"
    )]
    SetStatus(BugsSetStatusArgs),
    /// Change fields of one or more bugs: severity, assignee, blocker, title, project, hours, description
    #[command(after_help = BUGS_SET_HELP, override_usage = "ctodash bugs set [OPTIONS] BUG... --user EMAIL")]
    Set(BugsSetArgs),
    /// Create a bug and print its number
    #[command(
        after_help = "Examples:\n  ctodash bugs new --title \"Checkout double-charges\" --severity \
        critical --project \"Nova Pay\" --assignee ada@example.com --blocker --user cto@example.com\n\n\
        The bug starts pending; its number comes from the bug number sequence (safe when many \
        create at once), its SLA and priority from the rules (severity, blocker flag), and you are \
        recorded as its reporter, with an audit row. Prints the new number, e.g. BUG-1042."
    )]
    New(BugsNewArgs),
    /// Add a comment to a bug
    #[command(
        after_help = "Examples:\n  ctodash bugs comment BUG-1001 \"Seen on iOS too\" --user cto@example.com\n  \
        git log -1 --format=%B | ctodash bugs comment 1001 - --user cto@example.com\n\n\
        The text may span lines (\"-\" reads it from standard input). The comment is audited, shown \
        by `bugs show` and the dashboard's timeline, and pushed to open dashboards."
    )]
    Comment(BugsCommentArgs),
}

const BUGS_SET_HELP: &str = "Examples:\n  \
    ctodash bugs set BUG-1001 --severity critical --assignee ada@example.com --user cto@example.com\n  \
    ctodash bugs set BUG-1001 --assignee none --blocker false --estimated-hours 6.5\n  \
    ctodash bugs set BUG-1 BUG-2 BUG-3 --project \"Nova Pay\" --user cto@example.com\n\n\
    Rules: a title is one line of 1 to 200 characters; hours are 0 to 20000 with at most two \
    decimals (\"none\" clears them); the assignee is a user's email (\"none\": unassigned) and the \
    project a project's name (\"none\": no project), both existing; a description may span lines \
    (\"\" clears it); a severity change resets the SLA to the new severity's hours (critical 4, \
    high 24, medium 72, low 720) and recomputes the priority. Several bugs change all or nothing, \
    checked against the version read; each refused bug is listed with its reason and the exit \
    code is 1. One history row per changed field and one audit row per bug are written.";

#[derive(Debug, Args)]
pub struct BugsListArgs {
    /// A saved view by name instead of filter flags: Open, Mine, Breached, Blockers, or a [[views]] entry of the config file
    #[arg(long, value_name = "NAME", conflicts_with_all = [
        "severity", "status", "project", "assignee", "blocker", "sla_breached", "search", "sort"
    ])]
    pub view: Option<String>,
    /// Severities to include (repeat or comma-separate): critical, high, medium, low
    #[arg(long, value_delimiter = ',')]
    pub severity: Vec<String>,
    /// "open" (default), "all", or statuses (comma-separated)
    #[arg(long, default_value = "open")]
    pub status: String,
    /// Project name (case-insensitive)
    #[arg(long)]
    pub project: Option<String>,
    /// Assignee email or name (case-insensitive); "none" for unassigned
    #[arg(long)]
    pub assignee: Option<String>,
    /// Only blockers
    #[arg(long)]
    pub blocker: bool,
    /// Only bugs past their SLA
    #[arg(long)]
    pub sla_breached: bool,
    /// Case-insensitive substring of title or description
    #[arg(long)]
    pub search: Option<String>,
    /// priority, number, severity, status, title, assignee, project, age, sla; prefix with - to reverse
    #[arg(long, default_value = "priority", allow_hyphen_values = true)]
    pub sort: String,
    /// At most this many rows (0 = no limit)
    #[arg(long, default_value_t = 50)]
    pub limit: u64,
    #[arg(long, value_enum, default_value_t = DataFormat::Table)]
    pub format: DataFormat,
}

#[derive(Debug, Args)]
pub struct BugsShowArgs {
    /// BUG-1001 (or 1001)
    pub bug: String,
    /// table and json include the history (newest first); csv is one row of fields, without history
    #[arg(long, value_enum, default_value_t = DataFormat::Table)]
    pub format: DataFormat,
}

#[derive(Debug, Args)]
pub struct BugsSetStatusArgs {
    /// One or more bugs (BUG-1001 or 1001), then the new status: pending, in_progress,
    /// verified, shipped, closed, deferred
    #[arg(value_name = "BUG... STATUS", num_args = 2.., required = true)]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct BugsSetArgs {
    /// One or more bugs: BUG-1001 (or 1001)
    #[arg(value_name = "BUG", num_args = 1.., required = true)]
    pub bugs: Vec<String>,
    /// critical, high, medium or low (resets the SLA)
    #[arg(long)]
    pub severity: Option<String>,
    /// A user's email, or "none" to unassign
    #[arg(long, value_name = "EMAIL|none")]
    pub assignee: Option<String>,
    /// true or false
    #[arg(long, value_name = "true|false")]
    pub blocker: Option<String>,
    /// The new title (one line, at most 200 characters)
    #[arg(long)]
    pub title: Option<String>,
    /// A project's name (case-insensitive), or "none"
    #[arg(long, value_name = "NAME|none")]
    pub project: Option<String>,
    /// Hours, e.g. 6.5, or "none"
    #[arg(long, value_name = "H|none", allow_negative_numbers = true)]
    pub estimated_hours: Option<String>,
    /// Hours, e.g. 2.25, or "none"
    #[arg(long, value_name = "H|none", allow_negative_numbers = true)]
    pub actual_hours: Option<String>,
    /// The new description ("" clears it)
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
}

#[derive(Debug, Args)]
pub struct BugsNewArgs {
    /// One line, at most 200 characters
    #[arg(long)]
    pub title: String,
    /// critical, high, medium or low
    #[arg(long)]
    pub severity: String,
    /// A project's name (case-insensitive)
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// A user's email
    #[arg(long, value_name = "EMAIL")]
    pub assignee: Option<String>,
    /// The bug blocks a release
    #[arg(long)]
    pub blocker: bool,
    /// What happens, steps to reproduce (may span lines)
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
}

#[derive(Debug, Args)]
pub struct BugsCommentArgs {
    /// BUG-1001 (or 1001)
    pub bug: String,
    /// The comment ("-" reads it from standard input)
    pub text: String,
}
