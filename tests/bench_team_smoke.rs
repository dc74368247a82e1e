//! A tiny run of the benchmark's team section (src/bench/team.rs), so it
//! cannot rot between full runs: two viewers each way on a private server.

use ctodash::bench::team::{self, Mode, TeamOptions};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn the_team_benchmark_measures_both_behaviours() {
    let opts = TeamOptions {
        viewers: vec![2],
        bugs: 300,
        idle: Duration::from_secs(2),
        settle: Duration::ZERO,
        changes: 2,
        replica_viewers: 0,
    };
    let report = team::run(&opts).await.expect("team benchmark");
    assert_eq!(report.rows.len(), 2);
    for row in &report.rows {
        assert_eq!(row.push.len(), 4, "two changes seen by two viewers");
        assert!(row.peak_connections >= row.idle_connections);
        assert!(row.idle_connections >= 2, "{row:?}");
    }
    let before = report.rows.iter().find(|r| r.mode == Mode::Before).unwrap();
    assert!(
        before.idle_connections >= 8,
        "the old behaviour holds four a viewer: {before:?}"
    );
    let text = team::markdown(&report, "today");
    assert!(text.starts_with(team::HEADING), "{text}");
    assert!(text.contains("| 2 | ctodash |"), "{text}");
    assert!(text.contains("How measured"), "{text}");
    assert!(text.contains("before ÷ ctodash"), "{text}");
    assert!(text.contains("load average"), "{text}");
}
