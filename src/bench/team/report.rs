//! The team benchmark's section of BENCHMARKS.md: the table, the ratios to
//! the old behaviour, and replacing the section in place on a re-run.

use super::{Mode, TeamReport};

/// The section's heading; `--only team` replaces the section it starts.
pub const HEADING: &str = "## Team: many dashboards on one server";

/// The "Team" section of BENCHMARKS.md.
pub(super) fn machine_load() -> String {
    let avg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let avg: Vec<&str> = avg.split_whitespace().take(3).collect();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("load average {} on {cpus} CPUs", avg.join(" / "))
}

/// Before ÷ ctodash for each viewer count measured both ways.
fn ratios(r: &TeamReport) -> String {
    use crate::bench::stats::ms;
    let mut s = String::from(
        "
| viewers | before ÷ ctodash: connections idle | connections peak | statements / min | \
         push p95 | server CPU, idle |\n|---:|---:|---:|---:|---:|---:|\n",
    );
    let ratio = |before: f64, ours: f64| {
        if ours > 0.0 {
            format!("{:.1}×", before / ours)
        } else {
            "—".to_string()
        }
    };
    for ours in r.rows.iter().filter(|row| row.mode == Mode::Ours) {
        let Some(before) = r
            .rows
            .iter()
            .find(|b| b.mode == Mode::Before && b.viewers == ours.viewers)
        else {
            continue;
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            ours.viewers,
            ratio(before.idle_connections as f64, ours.idle_connections as f64),
            ratio(before.peak_connections as f64, ours.peak_connections as f64),
            ratio(before.statements_per_minute, ours.statements_per_minute),
            ratio(ms(before.push.p95()), ms(ours.push.p95())),
            ratio(before.cpu_ms_per_minute, ours.cpu_ms_per_minute),
        ));
    }
    s
}

pub fn markdown(r: &TeamReport, date: &str) -> String {
    use crate::bench::stats::ms;
    let mut s = format!("{HEADING} ({date})\n\n");
    s.push_str(
        "| viewers | behaviour | connections idle | connections peak | statements / min per idle viewer | \
         push p50 / p95 ms (all viewers) | server CPU ms / min, idle |\n\
         |---:|---|---:|---:|---:|---:|---:|\n",
    );
    for row in &r.rows {
        let mode = match row.mode {
            Mode::Ours => "ctodash",
            Mode::Before => "before issue 11 (emulated)",
        };
        s.push_str(&format!(
            "| {} | {mode} | {} | {} | {:.2} | {:.0} / {:.0} | {:.0} |\n",
            row.viewers,
            row.idle_connections,
            row.peak_connections,
            row.statements_per_minute,
            ms(row.push.p50()),
            ms(row.push.p95()),
            row.cpu_ms_per_minute,
        ));
    }
    s.push_str(&ratios(r));
    if let Some(why) = &r.replica_failed {
        s.push_str(&format!(
            "\nReplica: not measured in this run — {}.\n",
            crate::text_safety::one_line(why)
        ));
    }
    if let Some(rep) = &r.replica {
        s.push_str(&format!(
            "\nReplica: {} viewers reading a streaming hot standby (`--replica-url`): a commit on \
             the primary is on every viewer's screen in p50 {:.0} ms / p95 {:.0} ms ({} samples, \
             replication lag and the 1 s change-signal poll included); the viewers hold {} \
             connections on the primary.\n",
            rep.viewers,
            ms(rep.propagation.p50()),
            ms(rep.propagation.p95()),
            rep.propagation.len(),
            rep.primary_connections
        ));
    }
    s.push_str(&format!(
        "\nHow measured (`cargo bench -- --only team`, code in src/bench/team.rs): a private \
         PostgreSQL server (max_connections {}) with the seeded demo data; the viewers are the real \
         dashboard without a screen (`runtime::spawn_headless`: startup, worker, pool, listener), \
         read-only, `pool_size` 3, all in the bench process. *Connections* are counted in \
         `pg_stat_activity` by application_name: idle after the pool's idle timeout has passed, \
         peak sampled every 100 ms from start to the end of the push figure (all viewers load at \
         the same instant: the worst case). *Statements* are the dashboards' database's \
         committed + rolled-back transactions in `pg_stat_database` over an idle window (every \
         dashboard statement is its own transaction), per viewer per minute; the window is shorter \
         than the half-hourly safety reload, which adds about 0.5 a minute to ctodash's figure \
         (tests/team_full.rs counts it). *Push* is from an \
         `UPDATE` committing to the changed title being in each viewer's table (notification, \
         reload and all), over every viewer and change. *Server CPU* is the whole server's \
         user + system time over the idle window, from /proc/<pid>/stat of the postmaster (its \
         reaped children included) and every live child. The *before issue 11* rows emulate the \
         old settings on today's code: the same headless dashboard with the old 20 s heartbeat, \
         its read pool holding its 3 connections idle (the old min_connections 3 — the held \
         connections are the ones its reloads use) and the old KPI re-read once a minute; its \
         reloads on a change are today's. The machine: {} at the end of the run.\n",
        r.max_connections, r.load
    ));
    s
}

/// `doc` with its Team section replaced by `section` (appended if absent).
pub fn splice(doc: &str, section: &str) -> String {
    let Some(start) = doc.find(HEADING) else {
        return format!("{}\n\n{section}", doc.trim_end());
    };
    let after = &doc[start + HEADING.len()..];
    let end = after
        .find("\n## ")
        .map_or(doc.len(), |i| start + HEADING.len() + i + 1);
    format!("{}{section}{}", &doc[..start], &doc[end..])
}

/// The Team section of `old`, if it has one (a full run keeps it).
pub fn section_of(old: &str) -> Option<&str> {
    let start = old.find(HEADING)?;
    let after = &old[start + HEADING.len()..];
    let end = after
        .find("\n## ")
        .map_or(old.len(), |i| start + HEADING.len() + i + 1);
    Some(&old[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_is_replaced_in_place_and_kept() {
        let doc = format!("# B\n\n## One\nx\n{HEADING} (old)\nold\n## Two\ny\n");
        let new = splice(&doc, &format!("{HEADING} (new)\nnew\n"));
        assert_eq!(
            new,
            format!("# B\n\n## One\nx\n{HEADING} (new)\nnew\n## Two\ny\n")
        );
        assert_eq!(section_of(&new), Some(&*format!("{HEADING} (new)\nnew\n")));
        let added = splice("# B\n", "S\n");
        assert_eq!(added, "# B\n\nS\n");
    }
}
