//! `ctodash config`: print the commented default file, or check one.

use crate::cli::{ConfigAction, ConfigArgs, GlobalArgs};
use crate::config;
use std::process::ExitCode;

/// Runs before any config is loaded, so a broken file can still be checked
/// (and replaced by the default one).
pub fn run(global: &GlobalArgs, args: &ConfigArgs) -> ExitCode {
    let env = |k: &str| std::env::var(k).ok();
    if args.default {
        print!("{}", config::default::text());
        return ExitCode::SUCCESS;
    }
    let file = match &args.action {
        Some(ConfigAction::Check { file }) => file.clone(),
        None => None,
    };
    let global = GlobalArgs {
        config: file.or_else(|| global.config.clone()),
        ..global.clone()
    };
    match config::load(&global, env) {
        Ok(cfg) => {
            println!("{}", summary(&cfg, args.action.is_some()));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn summary(cfg: &config::Config, checking: bool) -> String {
    let Some(path) = &cfg.source else {
        let place = config::default_config_path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the usual place".into());
        return format!(
            "no config file at {place}: ctodash runs on its defaults. \
             `ctodash config --default > {place}` writes one to start from."
        );
    };
    let views = match cfg.views.len() {
        0 => "no saved views".to_string(),
        n => format!(
            "{n} saved view{} ({})",
            if n == 1 { "" } else { "s" },
            crate::views::names(&cfg.views)
        ),
    };
    let remapped = cfg
        .keys
        .entries()
        .iter()
        .zip(crate::app::keys::Keymap::default().entries())
        .filter(|(now, default)| now.keys != default.keys)
        .count();
    let verdict = if checking { "ok: " } else { "" };
    format!(
        "{verdict}{} is valid: {views}, {remapped} action{} with remapped keys. \
         `ctodash config check` checks it again after an edit.",
        path.display(),
        if remapped == 1 { "" } else { "s" }
    )
}
