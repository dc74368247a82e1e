//! The config file as written: its keys, read with spans so every later
//! complaint can name the line.

use super::ConfigError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The config file's contents; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    /// A hot standby of `database_url` that read-only work reads from.
    pub replica_url: Option<String>,
    pub user: Option<String>,
    pub read_only: Option<bool>,
    pub data_dir: Option<PathBuf>,
    /// Seconds between dashboard refreshes.
    pub refresh_seconds: Option<f64>,
    /// How many connections a dashboard may use at once while loading.
    pub pool_size: Option<i64>,
}

pub(super) fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.message().to_string(),
    })
}

