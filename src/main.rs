use clap::Parser;
use color_eyre::eyre::Result;
use ctodash::cli::{Cli, Command};
use ctodash::{commands, config, logging};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = color_eyre::install() {
        eprintln!("warning: could not install the error reporter: {e}");
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
            None => fail(&e),
        },
    }
}

async fn dispatch(cli: &Cli, cfg: &config::Config) -> Result<()> {
    match &cli.command {
        Some(Command::Migrate) => commands::migrate::run(cfg).await,
        Some(Command::Seed(args)) => commands::seed::run(cfg, args).await,
        Some(Command::Kpis(args)) => commands::kpis::run(cfg, args).await,
        Some(Command::Bugs(cmd)) => commands::bugs::run(cfg, cmd).await,
        Some(Command::Projects(cmd)) => commands::projects::run(cfg, cmd).await,
        Some(Command::Import(cmd)) => commands::import::run(cfg, cmd).await,
        Some(Command::Snapshot(args)) => commands::snapshot::run(cfg, args).await,
        Some(Command::Doctor) => commands::doctor::run(cfg).await,
        None => ctodash::runtime::run(cfg).await,
    }
}

/// Whatever this run may print or log, these are masked in it.
fn register_secrets(cfg: &config::Config) {
    if let Some(url) = &cfg.database_url {
        ctodash::redact::register_url_secrets(url);
    }
    for var in ["PGPASSWORD", "GITHUB_TOKEN"] {
        if let Ok(secret) = std::env::var(var) {
            ctodash::redact::register_secret(secret.trim());
        }
    }
}

/// One paragraph on stderr, the details in the log file; never a backtrace.
fn fail(e: &color_eyre::eyre::Report) -> ExitCode {
    // The log's writer redacts too; this also covers a failure before it exists.
    tracing::error!("{}", ctodash::redact::redact(&format!("{e:?}")));
    eprintln!("error: {}", logging::one_paragraph(e));
    ExitCode::FAILURE
}
