//! `theme = "NAME"` or `[theme]`: the chosen palette with overrides merged
//! over it; `--theme` picks the palette, NO_COLOR forces mono.

use super::ConfigError;
use super::file::ThemeSetting;
use super::validate::Source;
use crate::ui::{Theme, ThemeName};
use toml::Spanned;

/// The theme to draw with. `flag` is `--theme`; `no_color` is whether
/// NO_COLOR is set (to anything but the empty string).
pub(super) fn theme(
    src: Option<&Source>,
    setting: Option<&Spanned<ThemeSetting>>,
    flag: Option<&str>,
    no_color: bool,
) -> Result<Theme, ConfigError> {
    let name = match flag {
        Some(f) => ThemeName::parse(f).ok_or_else(|| ConfigError::ThemeFlag(f.to_string()))?,
        None => match (src, setting.and_then(|s| s.get_ref().base.as_ref())) {
            (Some(src), Some(base)) => {
                // `theme = "x"`: the span is the whole value's.
                let span = if base.span().is_empty() {
                    setting.map(|s| s.span())
                } else {
                    Some(base.span())
                };
                ThemeName::parse(base.get_ref()).ok_or_else(|| {
                    src.error(
                        span.as_ref(),
                        format!("\"{}\" is not a theme", base.get_ref()),
                        format!("Use {}", ThemeName::choices()),
                    )
                })?
            }
            _ => ThemeName::default(),
        },
    };
    let mut theme = name.theme();
    if let (Some(src), Some(setting)) = (src, setting) {
        for (slot, value) in &setting.get_ref().overrides {
            theme.override_slot(slot, value.get_ref()).map_err(|why| {
                src.error(
                    Some(&value.span()),
                    format!("[theme] {slot}: {why}"),
                    "Fix the value, or remove the line to keep the theme's own colour",
                )
            })?;
        }
    }
    // Checked above either way, so a mistake shows whatever the terminal.
    Ok(if no_color { Theme::no_colour() } else { theme })
}
