//! The config on the command line: `config --default` and `config check`,
//! a bad file stopping every command (the dashboard too) with its line, and
//! `bugs list --view` printing exactly what the same filters print.

#[path = "common/cli.rs"]
mod cli;

use cli::{Cli, seeded};
use ctodash::seed::DEMO_CTO_EMAIL;

/// No database is reached by these: the URL is never used.
fn offline() -> Cli {
    Cli::new("postgres://nobody@127.0.0.1:1/none".into())
}

#[tokio::test]
async fn default_prints_the_shipped_example_even_when_the_config_is_broken() {
    let cli = offline();
    cli.write_config("this is = not toml = at all\n");
    let out = cli.run(&["config", "--default"]).await.ok().stdout;
    assert_eq!(out, include_str!("../assets/config.example.toml"));
    assert!(out.contains("# [keys]") && out.contains("# [[views]]") && out.contains("# [theme]"));
}

#[tokio::test]
async fn check_says_ok_or_names_the_line_and_exits_1() {
    let cli = offline();
    cli.write_config(
        "[[views]]\nname = \"Hot\"\nseverity = [\"critical\"]\n\n[keys]\nquit = [\"Q\"]\n",
    );
    let out = cli.run(&["config", "check"]).await.ok().stdout;
    assert!(out.starts_with("ok: "), "{out}");
    assert!(
        out.contains("1 saved view (\"Hot\")") && out.contains("1 action with remapped keys"),
        "{out}"
    );

    cli.write_config("[keys]\nquit = [\"Q\"]\nhelp = [\"Q\"]\n");
    cli.run(&["config", "check"])
        .await
        .fails_with(1, &["line 3", "\"Q\" is bound to two actions"]);

    // An explicit file beats --config.
    let dir = std::env::temp_dir().join(format!("ctodash-check-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let other = dir.join("other.toml");
    std::fs::write(&other, "theme = \"light\"\n").unwrap();
    let out = cli
        .run(&["config", "check", other.to_str().unwrap()])
        .await
        .ok()
        .stdout;
    assert!(out.contains("other.toml is valid"), "{out}");
    std::fs::write(&other, "theme = \"sepia\"\n").unwrap();
    cli.run(&["config", "check", other.to_str().unwrap()])
        .await
        .fails_with(1, &["other.toml, line 1", "\"sepia\" is not a theme"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_bad_config_stops_the_dashboard_before_it_takes_the_terminal() {
    let cli = offline();
    cli.write_config("[theme]\nbad = \"reddish\"\n");
    // No subcommand: the dashboard. It must fail on the config, not on the
    // missing terminal or database.
    let run = cli.run(&[]).await;
    run.fails_with(1, &["line 2", "\"reddish\" is not a colour"]);
    assert!(
        !run.stdout.contains("\x1b[?1049h"),
        "the alternate screen was never entered"
    );
    cli.run(&["--theme", "neon", "kpis"])
        .await
        .fails_with(1, &["--theme", "\"neon\" is not a theme"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_view_prints_what_the_same_filters_print() {
    let (_db, cli) = seeded().await;
    cli.write_config(
        "[[views]]\nname = \"Breached critical\"\nseverity = [\"critical\", \"high\"]\n\
         sla_breached = true\n\n[[views]]\nname = \"Newest blockers\"\nblocker = true\nsort = \"-age\"\n",
    );
    for (view, flags) in [
        ("Breached", vec!["--sla-breached"]),
        ("blockers", vec!["--blocker"]),
        ("Open", vec![]),
        (
            "Breached critical",
            vec!["--severity", "critical,high", "--sla-breached"],
        ),
        ("Newest blockers", vec!["--blocker", "--sort", "-age"]),
    ] {
        for format in ["json", "csv"] {
            let by_view = cli
                .run(&[
                    "bugs", "list", "--view", view, "--limit", "0", "--format", format,
                ])
                .await
                .ok()
                .stdout;
            let mut args = vec!["bugs", "list", "--limit", "0", "--format", format];
            args.extend(flags.iter().copied());
            let by_flags = cli.run(&args).await.ok().stdout;
            assert_eq!(by_view, by_flags, "{view} as {format}");
            assert!(by_view.lines().count() > 1, "{view} lists bugs");
        }
    }

    // Mine needs a user, and is that user's bugs.
    cli.run(&["bugs", "list", "--view", "Mine"])
        .await
        .fails_with(1, &["\"Mine\" lists your bugs", "--user EMAIL"]);
    let mine = cli
        .run(&[
            "bugs",
            "list",
            "--view",
            "mine",
            "--user",
            DEMO_CTO_EMAIL,
            "--format",
            "json",
            "--limit",
            "0",
        ])
        .await
        .ok()
        .stdout;
    let flags = cli
        .run(&[
            "bugs",
            "list",
            "--assignee",
            DEMO_CTO_EMAIL,
            "--format",
            "json",
            "--limit",
            "0",
        ])
        .await
        .ok()
        .stdout;
    assert_eq!(mine, flags);

    cli.run(&["bugs", "list", "--view", "Nope"])
        .await
        .fails_with(
            1,
            &[
                "no view named \"Nope\"",
                "\"Open\"",
                "\"Breached critical\"",
            ],
        );
    let clash = cli
        .run(&["bugs", "list", "--view", "Open", "--severity", "low"])
        .await;
    assert_eq!(
        clash.code, 2,
        "a view and filter flags together are a usage error: {}",
        clash.stderr
    );
    assert!(clash.stderr.contains("--view"), "{}", clash.stderr);
}
