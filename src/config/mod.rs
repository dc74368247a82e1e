//! Settings from the config file, then environment variables, then flags — each
//! later source overriding the earlier one.

use crate::cli::GlobalArgs;
use crate::domain::alert::{Alert, KpiName};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub mod default;
mod file;
mod keys;
mod theme;
mod validate;
mod views;
use file::read_file;
pub use file::{AlertRule, FileConfig};
use validate::Source;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: Option<String>,
    /// Reads (the dashboard's and the read-only commands') go here when set.
    pub replica_url: Option<String>,
    pub user: Option<String>,
    pub read_only: bool,
    pub data_dir: PathBuf,
    pub refresh: Duration,
    /// The most connections the dashboard's reads use at once (idle: none
    /// besides the listener's); see `db::connect_dashboard`.
    pub pool_size: u32,
    /// What pg_stat_activity shows for our connections: `ctodash` for the
    /// dashboard, `ctodash <command>` for a command (`main` sets it).
    pub application_name: String,
    pub verbose: u8,
    /// The file the settings were read from, if there was one.
    pub source: Option<PathBuf>,
    /// Server-side time limits for this kind of work; `main` sets them per
    /// command (see `db::timeouts`).
    pub timeouts: crate::db::timeouts::Timeouts,
    pub alerts: Vec<crate::domain::alert::Alert>,
    /// The dashboard reads clicks and the wheel (which takes the terminal's
    /// own text selection: `mouse = false` or `--no-mouse` gives it back).
    pub mouse: bool,
    /// `[[views]]`: the saved views after the built-in ones.
    pub views: Vec<crate::views::View>,
    /// The keys in force: the defaults with `[keys]` applied.
    pub keys: crate::app::keys::Keymap,
    /// The chosen theme with `[theme]` merged over it (mono under NO_COLOR).
    pub theme: crate::ui::Theme,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "cannot read the config file {path}: {source}. Fix its permissions or pass --config with another file."
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Anything wrong inside the file: where, what, and what to write instead.
    #[error("the config file {}{}: {problem}. {fix}.", path.display(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        line: Option<usize>,
        problem: String,
        fix: String,
    },
    #[error(
        "--theme: \"{0}\" is not a theme; use {choices}.",
        choices = crate::ui::ThemeName::choices()
    )]
    ThemeFlag(String),
    #[error(
        "pool_size must be a whole number from 1 to {max} (got {value} from {origin}): it is how \
         many connections one dashboard may use at once while loading, and every open dashboard \
         counts against the server's max_connections. Set a value in that range (the default \
         is {default})."
    )]
    PoolSize {
        value: String,
        origin: String,
        max: u32,
        default: u32,
    },
    #[error(
        "the config file {path} has a bad [[alerts]] entry (number {index}): {message}. An alert \
         is kpi = \"NAME\" with above = N and/or below = N, and optionally bell = true."
    )]
    Alert {
        path: PathBuf,
        index: usize,
        message: String,
    },
}

fn alerts(path: Option<&Path>, rules: &[AlertRule]) -> Result<Vec<Alert>, ConfigError> {
    let check = |r: &AlertRule| {
        let kpi = r.kpi.parse::<KpiName>()?;
        Alert::new(kpi, r.above, r.below, r.bell)
    };
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            check(r).map_err(|message| ConfigError::Alert {
                path: path.map(Path::to_path_buf).unwrap_or_default(),
                index: i + 1,
                message,
            })
        })
        .collect()
}

/// The dashboard's default `pool_size`: enough for the KPI, page, count and
/// detail loads to overlap a little, small enough for a team on one server.
pub const DEFAULT_POOL_SIZE: u32 = 3;
pub const MAX_POOL_SIZE: u32 = 32;

fn pool_size(raw: &str, origin: impl Into<String>) -> Result<u32, ConfigError> {
    match raw.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_POOL_SIZE).contains(&n) => Ok(n),
        _ => Err(ConfigError::PoolSize {
            value: raw.to_string(),
            origin: origin.into(),
            max: MAX_POOL_SIZE,
            default: DEFAULT_POOL_SIZE,
        }),
    }
}

pub fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "ctodash").map(|d| d.config_dir().join("config.toml"))
}

impl Config {
    /// A dashboard's settings for `database_url` with every default and no
    /// config file: what tests and the benchmark open many headless
    /// dashboards with (`Config { read_only: true, ..Config::headless(..) }`).
    pub fn headless(database_url: String, application_name: String) -> Config {
        Config {
            database_url: Some(database_url),
            replica_url: None,
            user: None,
            read_only: false,
            data_dir: std::env::temp_dir().join("ctodash-headless-unused"),
            refresh: Duration::from_secs(2),
            pool_size: DEFAULT_POOL_SIZE,
            application_name,
            verbose: 0,
            source: None,
            timeouts: crate::db::timeouts::Timeouts::DASHBOARD,
            alerts: Vec::new(),
            mouse: false,
            views: Vec::new(),
            keys: Default::default(),
            theme: crate::ui::Theme::colour(),
        }
    }
}

/// `env` is passed in (not read here) so tests can supply their own.
pub fn load(
    args: &GlobalArgs,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let non_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let explicit = args
        .config
        .clone()
        .or_else(|| non_empty(env("CTODASH_CONFIG")).map(PathBuf::from));
    let path = explicit.clone().or_else(default_config_path);
    let file = match &path {
        Some(p) if explicit.is_some() || p.exists() => Some((p.clone(), read_file(p)?)),
        _ => None,
    };
    let (source, text, file) = match file {
        Some((p, (text, f))) => (Some(p), text, f),
        None => (None, String::new(), FileConfig::default()),
    };
    let src = source.as_deref().map(|path| Source { path, text: &text });
    let no_color = env("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = theme::theme(
        src.as_ref(),
        file.theme.as_ref(),
        args.theme.as_deref(),
        no_color,
    )?;
    let (views, keys) = match &src {
        Some(src) => (
            views::views(src, &file.views)?,
            keys::keymap(src, &file.keys)?,
        ),
        None => (Vec::new(), Default::default()),
    };
    let refresh = match (&src, &file.refresh_seconds) {
        (Some(src), Some(r)) if !(0.2..=3600.0).contains(r.get_ref()) => {
            return Err(src.error(
                Some(&r.span()),
                format!(
                    "refresh_seconds must be between 0.2 and 3600 (got {})",
                    r.get_ref()
                ),
                "Set a value in that range (seconds between dashboard refreshes; the default is 2)",
            ));
        }
        (_, Some(r)) => *r.get_ref(),
        (_, None) => 2.0,
    };
    let pool_size = match (
        &args.pool_size,
        non_empty(env("CTODASH_POOL_SIZE")),
        file.pool_size,
    ) {
        (Some(flag), _, _) => pool_size(flag, "--pool-size")?,
        (None, Some(env), _) => pool_size(&env, "CTODASH_POOL_SIZE")?,
        (None, None, Some(n)) => {
            let place = match &src {
                Some(src) => format!(
                    "the config file {}, line {}",
                    src.path.display(),
                    src.line(&n.span())
                ),
                None => "the config file".to_string(),
            };
            pool_size(&n.get_ref().to_string(), place)?
        }
        (None, None, None) => DEFAULT_POOL_SIZE,
    };
    let alerts = alerts(source.as_deref(), &file.alerts)?;
    Ok(Config {
        alerts,
        database_url: args
            .database_url
            .clone()
            .or_else(|| non_empty(env("DATABASE_URL")))
            .or(file.database_url),
        replica_url: args
            .replica_url
            .clone()
            .or_else(|| non_empty(env("CTODASH_REPLICA_URL")))
            .or(file.replica_url),
        user: args
            .user
            .clone()
            .or_else(|| non_empty(env("CTODASH_USER")))
            .or(file.user),
        read_only: args.read_only || file.read_only.unwrap_or(false),
        data_dir: args
            .data_dir
            .clone()
            .or_else(|| env("CTODASH_DATA_DIR").map(PathBuf::from))
            .or(file.data_dir)
            .unwrap_or_else(crate::db::discover::default_data_dir),
        refresh: Duration::from_secs_f64(refresh),
        pool_size,
        application_name: "ctodash".to_string(),
        verbose: args.verbose,
        source,
        timeouts: crate::db::timeouts::Timeouts::COMMAND,
        mouse: !args.no_mouse && file.mouse.unwrap_or(true),
        views,
        keys,
        theme,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::path::Path;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn write(dir: &Path, text: &str) -> PathBuf {
        let p = dir.join("config.toml");
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn flags_beat_env_beat_file() {
        let dir = std::env::temp_dir().join(format!("ctodash-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = write(
            &dir,
            "database_url = 'postgres://file/db'\nreplica_url = 'postgres://file-replica/db'\n\
             user = 'file@x.io'\nrefresh_seconds = 5\n",
        );
        let mut args = GlobalArgs {
            config: Some(path.clone()),
            ..Default::default()
        };

        let c = load(&args, env_of(&[])).unwrap();
        assert_eq!(c.database_url.as_deref(), Some("postgres://file/db"));
        assert_eq!(c.replica_url.as_deref(), Some("postgres://file-replica/db"));
        assert_eq!(c.user.as_deref(), Some("file@x.io"));
        assert_eq!(c.refresh, Duration::from_secs(5));

        let env = [
            ("DATABASE_URL", "postgres://env/db"),
            ("CTODASH_USER", "env@x.io"),
            ("CTODASH_REPLICA_URL", "postgres://env-replica/db"),
        ];
        let c = load(&args, env_of(&env)).unwrap();
        assert_eq!(c.database_url.as_deref(), Some("postgres://env/db"));
        assert_eq!(c.replica_url.as_deref(), Some("postgres://env-replica/db"));
        assert_eq!(c.user.as_deref(), Some("env@x.io"));

        args.database_url = Some("postgres://flag/db".into());
        args.user = Some("flag@x.io".into());
        args.replica_url = Some("postgres://flag-replica/db".into());
        let c = load(&args, env_of(&env)).unwrap();
        assert_eq!(c.database_url.as_deref(), Some("postgres://flag/db"));
        assert_eq!(c.replica_url.as_deref(), Some("postgres://flag-replica/db"));
        assert_eq!(c.user.as_deref(), Some("flag@x.io"));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn bad_file_names_the_key_and_the_fix() {
        let dir = std::env::temp_dir().join(format!("ctodash-cfg-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = write(&dir, "databse_url = 'x'\n");
        let args = GlobalArgs {
            config: Some(path),
            ..Default::default()
        };
        let msg = load(&args, env_of(&[])).unwrap_err().to_string();
        assert!(msg.contains("databse_url"), "{msg}");
        assert!(msg.contains("Valid keys"), "{msg}");
        assert!(msg.contains("line 1"), "{msg}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn pool_size_comes_from_file_then_env_then_flag_and_is_checked() {
        let dir = std::env::temp_dir().join(format!("ctodash-cfg-pool-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = write(&dir, "pool_size = 5\n");
        let mut args = GlobalArgs {
            config: Some(path),
            ..Default::default()
        };
        assert_eq!(load(&args, env_of(&[])).unwrap().pool_size, 5);
        let env = [("CTODASH_POOL_SIZE", "7")];
        assert_eq!(load(&args, env_of(&env)).unwrap().pool_size, 7);
        args.pool_size = Some("2".into());
        assert_eq!(load(&args, env_of(&env)).unwrap().pool_size, 2);
        assert_eq!(
            load(&GlobalArgs::default(), env_of(&[])).unwrap().pool_size,
            DEFAULT_POOL_SIZE
        );
        for bad in ["0", "33", "-1", "three", "2.5"] {
            args.pool_size = Some(bad.into());
            let msg = load(&args, env_of(&[])).unwrap_err().to_string();
            assert!(
                msg.contains("pool_size must be a whole number from 1 to 32"),
                "{msg}"
            );
            assert!(
                msg.contains(&format!("got {bad} from --pool-size")),
                "{msg}"
            );
            assert!(!msg.contains('\n'), "{msg}");
        }
        args.pool_size = None;
        let msg = load(&args, env_of(&[("CTODASH_POOL_SIZE", "100")]))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("from CTODASH_POOL_SIZE"), "{msg}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let args = GlobalArgs {
            config: Some("/nonexistent/ctodash.toml".into()),
            ..Default::default()
        };
        let err = load(&args, env_of(&[])).unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }));
        assert!(err.to_string().contains("/nonexistent/ctodash.toml"));
    }
}
