//! `ctodash config --default`: a complete config file, every key commented
//! with its default. The keys and styles are listed from the code (the
//! keymap, the theme's styles), so a new binding shows up here by itself;
//! `assets/config.example.toml` is this text, checked by a test.

use crate::app::keymap::Action;
use crate::app::keys::Keymap;
use crate::ui::themes::SLOTS;
use std::fmt::Write;

const SETTINGS: &str = r##"# ctodash configuration. Copy to ~/.config/ctodash/config.toml (or pass --config).
# Environment variables (DATABASE_URL, CTODASH_REPLICA_URL, CTODASH_USER,
# CTODASH_DATA_DIR) override these values, and command-line flags override both.
# `ctodash config check` checks a file and names the line of any mistake.

# Where the data lives. Leave unset to let ctodash find a local server or start its own.
# database_url = "postgres://me@db.internal:5432/bugs"

# A streaming-replication hot standby of that database to read from (CTODASH_REPLICA_URL,
# --replica-url). The dashboard and the read-only commands read here; writes still go
# to database_url.
# replica_url = "postgres://me@db-replica.internal:5432/bugs"

# Who you are: the email of a row in `users`. Needed to change statuses, and for the
# "Mine" view and views with assignee = "me".
# user = "me@example.com"

# Never write, even with a user set: every command and the dashboard open read-only
# sessions, and commands that write (seed, migrate, import, snapshot, set-status) refuse.
# A guard against mistakes, not a security boundary: see `ctodash grants` for roles.
read_only = false

# Seconds between dashboard refreshes.
refresh_seconds = 2

# Where the log file and (if needed) the private PostgreSQL cluster live.
# data_dir = "/var/lib/ctodash"

# Most connections one dashboard uses at once while loading (1-32; default 3).
# An idle dashboard holds only its listener's connection.
# pool_size = 3

# Clicks select rows, panes and popup items; the wheel scrolls. Reading the
# mouse takes over the terminal's own text selection (most terminals still
# select with Shift held); false (or --no-mouse) leaves the mouse to the terminal.
# mouse = true

# Alerts: the header marks a KPI past its limit; with bell = true the terminal bell
# rings once as it crosses. KPI names are those of `ctodash kpis --check`
# (the keys of `ctodash kpis --format json`, e.g. sla_breached, open_critical,
# revenue_at_risk_daily, sla_compliance_pct, backlog_change_7d).
# [[alerts]]
# kpi = "sla_breached"
# above = 100
# bell = true
#
# [[alerts]]
# kpi = "sla_compliance_pct"
# below = 90
"##;

const THEME: &str = r##"
# ---------------------------------------------------------------------------
# Colours: "dark" (the default), "light", "high-contrast" or "mono" (no colour;
# NO_COLOR set in the environment forces it). --theme NAME overrides this line.
# theme = "dark"
#
# Or a [theme] table: `base` picks the theme, and any style below is recoloured
# over it (bold and underline stay); the values below are the dark theme's,
# "reset" meaning the terminal's own colour. A colour is a name ("red", "light-blue",
# "dark-gray"), "#rrggbb", a 256-colour number ("208"), or "FG on BG"
# ("black on cyan", "on blue"). A [theme] table replaces the theme = line.
# [theme]
# base = "dark"
"##;

const VIEWS: &str = r##"
# ---------------------------------------------------------------------------
# Saved views: tabs above the bug table, after the built-in Open, Mine, Breached
# and Blockers, with live counts; 1-9 (or [ and ]) switch to them. The same names
# work on the command line: ctodash bugs list --view "Breached critical".
# Every filter is optional:
#   severity      a list of critical, high, medium, low
#   status        "open" (the default: not shipped or closed), "all", or a list of
#                 pending, in_progress, verified, shipped, closed, deferred
#   project       a project's name (ignoring case)
#   assignee      an email or full name, "me" (the user above) or "none" (unassigned)
#   blocker       true: blockers only
#   sla_breached  true: open bugs past their SLA only
#   search        text in the title or description
#   sort          priority, number, severity, status, title, assignee, project, age
#                 or sla; a leading - reverses it ("-age": newest first)
#
# [[views]]
# name = "Breached critical"
# severity = ["critical", "high"]
# sla_breached = true
#
# [[views]]
# name = "My in progress"
# assignee = "me"
# status = ["in_progress"]
# sort = "-age"
"##;

const KEYS: &str = r##"
# ---------------------------------------------------------------------------
# Keys: an action and the list of keys that replace its defaults (listed here).
# A key is a character ("j", "Q", "?"), a named key ("down", "enter", "esc",
# "tab", "shift-tab", "pageup", "home", "f5", "space") or ctrl- with a letter
# ("ctrl-n"). A key may mean only one action; ctrl-c always quits.
# [keys]
"##;

pub fn text() -> String {
    let mut out = String::from(SETTINGS);
    out.push_str(THEME);
    let dark = crate::ui::Theme::colour();
    let values: Vec<(&str, String, &str)> = SLOTS
        .iter()
        .map(|(name, what)| {
            let value = dark.slot_colours(name).unwrap_or_default();
            (*name, format!("\"{value}\""), *what)
        })
        .collect();
    let name_w = values.iter().map(|v| v.0.len()).max().unwrap_or(0);
    let value_w = values.iter().map(|v| v.1.len()).max().unwrap_or(0);
    for (name, value, what) in values {
        let _ = writeln!(out, "# {name:<name_w$} = {value:<value_w$}   # {what}");
    }
    out.push_str(VIEWS);
    out.push_str(KEYS);
    let keys = Keymap::default();
    let lines: Vec<(String, String, &str)> = keys
        .entries()
        .iter()
        .map(|e| {
            let list = e
                .keys
                .iter()
                .map(|k| format!("\"{}\"", k.config_name()))
                .collect::<Vec<_>>()
                .join(", ");
            let help = match e.action {
                Action::View(_) => "switch to that view tab",
                _ => e.help,
            };
            (e.action.name(), format!("[{list}]"), help)
        })
        .collect();
    let name_w = lines.iter().map(|l| l.0.len()).max().unwrap_or(0);
    let list_w = lines.iter().map(|l| l.1.len()).max().unwrap_or(0);
    for (name, list, help) in lines {
        let _ = writeln!(out, "# {name:<name_w$} = {list:<list_w$}   # {help}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file the repository ships is this text: regenerate it with
    /// `cargo run -- config --default > assets/config.example.toml`.
    #[test]
    fn the_shipped_example_is_the_default_text() {
        let shipped = include_str!("../../assets/config.example.toml");
        assert!(
            shipped == text(),
            "assets/config.example.toml is out of date: run \
             `cargo run -- config --default > assets/config.example.toml`"
        );
    }

    #[test]
    fn every_action_and_style_is_listed() {
        let t = text();
        for a in crate::app::keys::actions() {
            assert!(t.contains(&format!("# {} ", a.name())), "{}", a.name());
        }
        for (slot, _) in SLOTS {
            assert!(t.contains(&format!("# {slot} ")), "{slot}");
        }
    }
}
