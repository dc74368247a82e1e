use clap::Parser;
use color_eyre::eyre::Result;
use ctodash::cli::{Cli, Command};
use ctodash::db::timeouts::Timeouts;
use ctodash::{commands, config, logging};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Needs neither the config nor a database: a broken config must not
    // break tab completion.
    if let Some(Command::Completions(args)) = &cli.command {
        commands::completions::run(args.shell);
        return ExitCode::SUCCESS;
    }
    if let Err(e) = color_eyre::install() {
        eprintln!("warning: could not install the error reporter: {e}");
    }
    // Before loading the config: a broken file can still be checked, or
    // replaced by the default one.
    if let Some(Command::Config(args)) = &cli.command {
        return commands::config::run(&cli.global, args);
    }
    let cfg = match config::load(&cli.global, |k| std::env::var(k).ok()) {
        Ok(cfg) => cfg,
        Err(e) => return fail(&e.into()),
    };
    register_secrets(&cfg);
    let _log = logging::init(&cfg);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return fail(&e.into()),
    };
    match runtime.block_on(dispatch(&cli, &cfg)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<commands::Finished>() {
            Some(done) => ExitCode::from(done.code),
            None => {
                let hint = ctodash::db::timeouts::hint(&e, timeouts_for(&cli.command));
                fail_with(&e, hint.as_deref().unwrap_or(""))
            }
        },
    }
}

/// Each kind of work gets its own server-side time limits (see `db::timeouts`).
fn timeouts_for(command: &Option<Command>) -> Timeouts {
    match command {
        None => Timeouts::DASHBOARD,
        Some(Command::Migrate | Command::Seed(_) | Command::Import(_) | Command::Snapshot(_)) => {
            Timeouts::BULK
        }
        Some(_) => Timeouts::COMMAND,
    }
}

/// What pg_stat_activity shows for this run's connections, so a DBA can tell
/// the dashboards from the commands (and tests can count them).
fn application_name(command: &Option<Command>) -> String {
    let name = match command {
        None => return "ctodash".to_string(),
        Some(Command::Migrate) => "migrate",
        Some(Command::Seed(_)) => "seed",
        Some(Command::Kpis(_)) => "kpis",
        Some(Command::Bugs(_)) => "bugs",
        Some(Command::Projects(_)) => "projects",
        Some(Command::Import(_)) => "import",
        Some(Command::Snapshot(_)) => "snapshot",
        Some(Command::Doctor) => "doctor",
        Some(Command::Grants(_)) => "grants",
        Some(Command::Completions(_)) => "completions",
        Some(Command::Db(_)) => "db",
        Some(Command::Config(_)) => "config",
    };
    format!("ctodash {name}")
}

async fn dispatch(cli: &Cli, cfg: &config::Config) -> Result<()> {
    let cfg = &config::Config {
        timeouts: timeouts_for(&cli.command),
        application_name: application_name(&cli.command),
        ..cfg.clone()
    };
    match &cli.command {
        Some(Command::Migrate) => commands::migrate::run(cfg).await,
        Some(Command::Seed(args)) => commands::seed::run(cfg, args).await,
        Some(Command::Kpis(args)) => commands::kpis::run(cfg, args).await,
        Some(Command::Bugs(cmd)) => commands::bugs::run(cfg, cmd).await,
        Some(Command::Projects(cmd)) => commands::projects::run(cfg, cmd).await,
        Some(Command::Import(cmd)) => commands::import::run(cfg, cmd).await,
        Some(Command::Snapshot(args)) => commands::snapshot::run(cfg, args).await,
        Some(Command::Doctor) => commands::doctor::run(cfg).await,
        Some(Command::Grants(args)) => commands::grants::run(cfg, args).await,
        Some(Command::Completions(args)) => {
            commands::completions::run(args.shell);
            Ok(())
        }
        Some(Command::Db(cmd)) => commands::cluster::run(cfg, cmd).await,
        // Handled in `main`, before the config is loaded.
        Some(Command::Config(_)) => Ok(()),
        None => ctodash::runtime::run(cfg).await,
    }
}

/// Whatever this run may print or log, these are masked in it.
fn register_secrets(cfg: &config::Config) {
    for url in [&cfg.database_url, &cfg.replica_url].into_iter().flatten() {
        ctodash::redact::register_url_secrets(url);
    }
    for var in ["PGPASSWORD", "GITHUB_TOKEN"] {
        if let Ok(secret) = std::env::var(var) {
            ctodash::redact::register_secret(secret.trim());
        }
    }
}

/// One paragraph on stderr, the details in the log file; never a backtrace.
/// A write refused by a read-only session reads the same whichever command
/// and whichever statement ran into it.
fn fail(e: &color_eyre::eyre::Report) -> ExitCode {
    fail_with(e, "")
}

fn fail_with(e: &color_eyre::eyre::Report, hint: &str) -> ExitCode {
    // The log's writer redacts too; this also covers a failure before it exists.
    tracing::error!("{}", ctodash::redact::redact(&format!("{e:?}")));
    let text = match ctodash::db::session::read_only_refusal(e.as_ref()) {
        Some(refusal) => refusal.to_string(),
        None => format!("{}{hint}", logging::one_paragraph(e)),
    };
    eprintln!("error: {text}");
    ExitCode::FAILURE
}
