//! The named themes (`theme = "dark" | "light" | "high-contrast" | "mono"`)
//! and the `[theme]` overrides merged over them, one named style at a time.

use super::theme::Theme;
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
    HighContrast,
    Mono,
}

impl ThemeName {
    pub const ALL: [ThemeName; 4] = [
        ThemeName::Dark,
        ThemeName::Light,
        ThemeName::HighContrast,
        ThemeName::Mono,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ThemeName::Dark => "dark",
            ThemeName::Light => "light",
            ThemeName::HighContrast => "high-contrast",
            ThemeName::Mono => "mono",
        }
    }

    pub fn parse(text: &str) -> Option<ThemeName> {
        Self::ALL
            .into_iter()
            .find(|n| n.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// `"dark", "light", "high-contrast" or "mono"`, for error messages.
    pub fn choices() -> String {
        let names: Vec<String> = Self::ALL
            .iter()
            .map(|n| format!("\"{}\"", n.as_str()))
            .collect();
        format!(
            "{} or {}",
            names[..names.len() - 1].join(", "),
            names[names.len() - 1]
        )
    }

    pub fn theme(self) -> Theme {
        match self {
            ThemeName::Dark => Theme::colour(),
            ThemeName::Light => light(),
            ThemeName::HighContrast => high_contrast(),
            ThemeName::Mono => Theme::no_colour(),
        }
    }
}

/// Every style `[theme]` may override, with what it colours (the commented
/// default config lists them from here).
pub const SLOTS: &[(&str, &str)] = &[
    ("text", "ordinary text"),
    ("muted", "secondary text: hints, units, deferred bugs"),
    ("label", "KPI labels"),
    ("app_name", "the name at the top left"),
    ("title", "pane titles"),
    ("border", "pane borders"),
    ("focus_border", "the focused pane's border"),
    ("popup_border", "popup borders"),
    ("table_header", "column headers"),
    ("selected_row", "the selected row"),
    (
        "selected_row_unfocused",
        "the selected row of a pane without focus",
    ),
    ("key", "keys in hints and help"),
    ("tab_active", "the active tab (panes, views)"),
    ("good", "good news: saved, healthy"),
    ("warn", "warnings"),
    ("bad", "errors and bad news"),
    ("blocker", "the blocker mark"),
    ("sla_breached", "breached SLAs"),
    ("sla_ok", "SLAs still running"),
    ("read_only", "the read-only badge"),
    ("cursor", "the text cursor in inputs"),
    ("sparkline", "trend lines"),
    ("sparkline_alt", "second trend line"),
    ("severity_critical", "critical severity"),
    ("severity_high", "high severity"),
    ("severity_medium", "medium severity"),
    ("severity_low", "low severity"),
    ("risk_low", "low risk"),
    ("risk_medium", "medium risk"),
    ("risk_high", "high risk"),
    ("risk_critical", "critical risk"),
];

impl Theme {
    /// The style `[theme]` calls `name`, if there is one.
    fn slot_mut(&mut self, name: &str) -> Option<&mut Style> {
        Some(match name {
            "text" => &mut self.text,
            "muted" => &mut self.muted,
            "label" => &mut self.label,
            "app_name" => &mut self.app_name,
            "title" => &mut self.title,
            "border" => &mut self.border,
            "focus_border" => &mut self.focus_border,
            "popup_border" => &mut self.popup_border,
            "table_header" => &mut self.table_header,
            "selected_row" => &mut self.selected_row,
            "selected_row_unfocused" => &mut self.selected_row_unfocused,
            "key" => &mut self.key,
            "tab_active" => &mut self.tab_active,
            "good" => &mut self.good,
            "warn" => &mut self.warn,
            "bad" => &mut self.bad,
            "blocker" => &mut self.blocker,
            "sla_breached" => &mut self.sla_breached,
            "sla_ok" => &mut self.sla_ok,
            "read_only" => &mut self.read_only,
            "cursor" => &mut self.cursor,
            "sparkline" => &mut self.sparkline,
            "sparkline_alt" => &mut self.sparkline_alt,
            "severity_critical" => &mut self.severities[0],
            "severity_high" => &mut self.severities[1],
            "severity_medium" => &mut self.severities[2],
            "severity_low" => &mut self.severities[3],
            "risk_low" => &mut self.risks[0],
            "risk_medium" => &mut self.risks[1],
            "risk_high" => &mut self.risks[2],
            "risk_critical" => &mut self.risks[3],
            _ => return None,
        })
    }

    /// The colours of style `name` as `[theme]` writes them ("black on
    /// cyan"; "reset" for the terminal's own colour).
    pub fn slot_colours(&self, name: &str) -> Option<String> {
        let style = *self.clone().slot_mut(name)?;
        let name = |c: Option<Color>| match c {
            None | Some(Color::Reset) => "reset".to_string(),
            Some(Color::Indexed(i)) => i.to_string(),
            Some(c) => colour_name(c),
        };
        Some(match style.bg {
            None | Some(Color::Reset) => name(style.fg),
            bg => format!("{} on {}", name(style.fg), name(bg)),
        })
    }

    /// Recolours the style `name` (keeping its bold, underline…). The error
    /// is the sentence that says what to write instead.
    pub fn override_slot(&mut self, name: &str, value: &str) -> Result<(), String> {
        let (fg, bg) = parse_colours(value)?;
        let Some(style) = self.slot_mut(name) else {
            return Err(format!(
                "`{name}` is not a style of the theme; the styles are {}",
                SLOTS.iter().map(|s| s.0).collect::<Vec<_>>().join(", ")
            ));
        };
        if let Some(fg) = fg {
            *style = style.fg(fg);
        }
        if let Some(bg) = bg {
            *style = style.bg(bg);
        }
        self.colour = true;
        Ok(())
    }
}

/// `"red"`, `"#ff8800"`, `"208"` (a 256-colour index), `"black on cyan"`
/// or `"on blue"`: a foreground, a background, or both. Colour names and
/// numbers are ratatui's own parser's.
pub fn parse_colours(value: &str) -> Result<(Option<Color>, Option<Color>), String> {
    let colour = |text: &str| {
        text.trim().parse::<Color>().map_err(|_| {
            format!(
                "\"{}\" is not a colour; write a name (\"red\", \"light-blue\", \"dark-gray\"), \
                 \"#rrggbb\", a 256-colour number (\"208\"), or \"FG on BG\" (\"black on cyan\")",
                text.trim()
            )
        })
    };
    let value = value.trim();
    let (fg, bg) = match value.split_once(" on ") {
        Some((fg, bg)) => (Some(fg), Some(bg)),
        None => match value.strip_prefix("on ") {
            Some(bg) => (None, Some(bg)),
            None => (Some(value), None),
        },
    };
    let fg = fg
        .filter(|f| !f.trim().is_empty())
        .map(colour)
        .transpose()?;
    let bg = bg.map(colour).transpose()?;
    if fg.is_none() && bg.is_none() {
        return Err("an empty colour; write a colour name such as \"red\"".into());
    }
    Ok((fg, bg))
}

/// "LightRed" → "light-red": the spelling the config file documents.
fn colour_name(c: Color) -> String {
    let raw = c.to_string();
    let mut out = String::new();
    for (i, ch) in raw.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 && !raw.starts_with('#') {
            out.push('-');
        }
        out.push(ch.to_ascii_lowercase());
    }
    out
}

/// For light terminal backgrounds: dark text colours, a pale selection.
fn light() -> Theme {
    let fg = |c: Color| Style::new().fg(c);
    let bold = Modifier::BOLD;
    Theme {
        colour: true,
        muted: fg(Color::Indexed(244)),
        label: fg(Color::Indexed(238)),
        app_name: fg(Color::White).bg(Color::Blue).add_modifier(bold),
        border: fg(Color::Indexed(248)),
        focus_border: fg(Color::Blue).add_modifier(bold),
        popup_border: fg(Color::Blue),
        table_header: fg(Color::Indexed(238)).add_modifier(bold | Modifier::UNDERLINED),
        selected_row: Style::new().bg(Color::Indexed(253)).add_modifier(bold),
        key: fg(Color::Blue).add_modifier(bold),
        tab_active: fg(Color::White).bg(Color::Blue).add_modifier(bold),
        good: fg(Color::Indexed(28)),
        warn: fg(Color::Indexed(130)),
        bad: fg(Color::Red),
        blocker: fg(Color::Red).add_modifier(bold),
        sla_breached: fg(Color::Red).add_modifier(bold),
        read_only: fg(Color::Black).bg(Color::Yellow).add_modifier(bold),
        sparkline: fg(Color::Blue),
        sparkline_alt: fg(Color::Indexed(28)),
        severities: [
            fg(Color::Red).add_modifier(bold),
            fg(Color::Indexed(130)),
            fg(Color::Blue),
            fg(Color::Indexed(244)),
        ],
        risks: [
            fg(Color::Indexed(28)),
            fg(Color::Indexed(130)),
            fg(Color::Red),
            fg(Color::Red).add_modifier(bold),
        ],
        ..Theme::colour()
    }
}

/// The 16 basic colours at full brightness, bold where it ranks, and
/// nothing dim: for low vision, projectors and washed-out screens.
fn high_contrast() -> Theme {
    let fg = |c: Color| Style::new().fg(c);
    let bold = Modifier::BOLD;
    Theme {
        colour: true,
        text: fg(Color::White),
        muted: fg(Color::White),
        label: fg(Color::White),
        app_name: fg(Color::Black).bg(Color::Yellow).add_modifier(bold),
        border: fg(Color::White),
        focus_border: fg(Color::Yellow).add_modifier(bold),
        popup_border: fg(Color::Yellow).add_modifier(bold),
        table_header: fg(Color::White).add_modifier(bold | Modifier::UNDERLINED),
        selected_row: fg(Color::Black).bg(Color::Yellow).add_modifier(bold),
        key: fg(Color::Yellow).add_modifier(bold),
        tab_active: fg(Color::Black).bg(Color::Yellow).add_modifier(bold),
        good: fg(Color::LightGreen).add_modifier(bold),
        warn: fg(Color::LightYellow).add_modifier(bold),
        bad: fg(Color::LightRed).add_modifier(bold),
        blocker: fg(Color::LightRed).add_modifier(bold),
        sla_breached: fg(Color::Black).bg(Color::LightRed).add_modifier(bold),
        sla_ok: fg(Color::White),
        sparkline: fg(Color::LightCyan),
        sparkline_alt: fg(Color::LightGreen),
        severities: [
            fg(Color::Black).bg(Color::LightRed).add_modifier(bold),
            fg(Color::LightYellow).add_modifier(bold),
            fg(Color::LightCyan),
            fg(Color::White),
        ],
        risks: [
            fg(Color::LightGreen),
            fg(Color::LightYellow),
            fg(Color::LightRed).add_modifier(bold),
            fg(Color::Black).bg(Color::LightRed).add_modifier(bold),
        ],
        ..Theme::colour()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slot_can_be_overridden_and_names_parse() {
        let mut t = ThemeName::Dark.theme();
        for (name, _) in SLOTS {
            t.override_slot(name, "#123456").unwrap();
        }
        assert_eq!(t.key.fg, Some(Color::Rgb(0x12, 0x34, 0x56)));
        assert_eq!(
            t.severity(crate::domain::Severity::Critical).fg,
            Some(Color::Rgb(0x12, 0x34, 0x56))
        );
        for n in ThemeName::ALL {
            assert_eq!(ThemeName::parse(n.as_str()), Some(n));
        }
        assert_eq!(
            ThemeName::parse("High-Contrast"),
            Some(ThemeName::HighContrast)
        );
    }

    #[test]
    fn slot_colours_read_back_as_the_same_colours() {
        for name in ThemeName::ALL {
            let theme = name.theme();
            for (slot, _) in SLOTS {
                let text = theme.slot_colours(slot).unwrap();
                let mut copy = theme.clone();
                copy.override_slot(slot, &text).unwrap();
                let (a, b) = (
                    copy.slot_colours(slot).unwrap(),
                    theme.slot_colours(slot).unwrap(),
                );
                assert_eq!(a, b, "{slot} in {}", name.as_str());
            }
        }
        assert_eq!(
            Theme::colour().slot_colours("tab_active").unwrap(),
            "black on cyan"
        );
        assert_eq!(Theme::colour().slot_colours("bad").unwrap(), "light-red");
    }

    #[test]
    fn colours_parse_with_a_background_and_explain_mistakes() {
        assert_eq!(
            parse_colours("black on cyan"),
            Ok((Some(Color::Black), Some(Color::Cyan)))
        );
        assert_eq!(parse_colours("on blue"), Ok((None, Some(Color::Blue))));
        assert_eq!(parse_colours("208"), Ok((Some(Color::Indexed(208)), None)));
        assert!(
            parse_colours("redd")
                .unwrap_err()
                .contains("is not a colour")
        );
        let mut t = ThemeName::Dark.theme();
        assert!(
            t.override_slot("keys", "red")
                .unwrap_err()
                .contains("not a style")
        );
        assert!(t.override_slot("key", "on").unwrap_err().contains("colour"));
    }
}
