//! The config file as written: its keys, read with spans so every later
//! complaint can name the line.

use super::ConfigError;
use super::validate::Source;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

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
    pub refresh_seconds: Option<Spanned<f64>>,
    /// How many connections a dashboard may use at once while loading.
    pub pool_size: Option<Spanned<i64>>,
    /// `theme = "light"`, or a `[theme]` table: `base` and colour overrides.
    pub theme: Option<Spanned<ThemeSetting>>,
    /// `[[views]]`: saved filters, shown as tabs after the built-in ones.
    #[serde(default)]
    pub views: Vec<ViewEntry>,
    /// `[keys]`: action name → the keys that replace its defaults.
    #[serde(default)]
    pub keys: BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
    /// Whether the dashboard reads the mouse (default true).
    pub mouse: Option<bool>,
    /// `[[alerts]]`: KPI thresholds the header marks (see `domain::alert`).
    #[serde(default)]
    pub alerts: Vec<AlertRule>,
}

/// One `[[alerts]]` entry as written; checked into a `domain::alert::Alert`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    pub kpi: String,
    pub above: Option<rust_decimal::Decimal>,
    pub below: Option<rust_decimal::Decimal>,
    #[serde(default)]
    pub bell: bool,
}

/// One `[[views]]` entry, every filter optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewEntry {
    pub name: Spanned<String>,
    pub severity: Option<Spanned<OneOrMany>>,
    pub status: Option<Spanned<OneOrMany>>,
    pub project: Option<Spanned<String>>,
    pub assignee: Option<Spanned<String>>,
    pub blocker: Option<bool>,
    pub sla_breached: Option<bool>,
    pub search: Option<Spanned<String>>,
    pub sort: Option<Spanned<String>>,
}

/// `"open"` or `["pending", "verified"]`: a word or a list of words.
#[derive(Debug, Clone, PartialEq)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn items(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

// Hand-written visitors rather than `#[serde(untagged)]`: untagged buffers
// the value and loses the spans that error messages need.
impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(OneOrMany::Many(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// `theme = "light"` or `[theme]` with an optional `base` and styles.
#[derive(Debug, Default)]
pub struct ThemeSetting {
    pub base: Option<Spanned<String>>,
    /// Style name → colour, with the colour's place in the file.
    pub overrides: Vec<(String, Spanned<String>)>,
}

impl<'de> Deserialize<'de> for ThemeSetting {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ThemeSetting;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a theme name or a [theme] table of colours")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ThemeSetting, E> {
                Ok(ThemeSetting {
                    // The whole value's span is the caller's; this one is unused.
                    base: Some(Spanned::new(0..0, v.to_string())),
                    overrides: vec![],
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ThemeSetting, A::Error> {
                let mut out = ThemeSetting::default();
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value::<Spanned<String>>()?;
                    if key == "base" {
                        out.base = Some(value);
                    } else {
                        out.overrides.push((key, value));
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}

/// The file's text and its parsed keys (not yet checked for meaning).
pub(super) fn read_file(path: &Path) -> Result<(String, FileConfig), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let src = Source { path, text: &text };
    let file = toml::from_str(&text).map_err(|e| src.toml_error(&e))?;
    Ok((text, file))
}
