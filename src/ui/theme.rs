//! Every colour the dashboard uses, by meaning rather than by hue, so the
//! no-colour variant (NO_COLOR) can swap the whole palette for modifiers and
//! each pane only asks "what does a breached SLA look like?".

use crate::app::state::Tone;
use crate::domain::{RiskLevel, Severity, SlaState};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::BorderType;
use std::sync::OnceLock;

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub colour: bool,
    pub text: Style,
    pub muted: Style,
    pub label: Style,
    pub app_name: Style,
    pub title: Style,
    pub border: Style,
    pub focus_border: Style,
    pub popup_border: Style,
    pub table_header: Style,
    pub selected_row: Style,
    /// The selection of a pane that does not have focus: still findable, quieter.
    pub selected_row_unfocused: Style,
    pub key: Style,
    pub tab_active: Style,
    pub good: Style,
    pub warn: Style,
    pub bad: Style,
    pub blocker: Style,
    pub sla_breached: Style,
    pub sla_ok: Style,
    pub read_only: Style,
    pub cursor: Style,
    pub sparkline: Style,
    pub sparkline_alt: Style,
    pub(super) severities: [Style; 4],
    pub(super) risks: [Style; 4],
}

impl Theme {
    pub fn colour() -> Theme {
        let fg = |c: Color| Style::new().fg(c);
        Theme {
            colour: true,
            text: Style::new(),
            muted: fg(Color::DarkGray),
            label: fg(Color::Gray),
            app_name: fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            title: Style::new().add_modifier(Modifier::BOLD),
            border: fg(Color::DarkGray),
            focus_border: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            popup_border: fg(Color::LightCyan),
            table_header: fg(Color::Gray).add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            // A 256-colour grey rather than DarkGray, so the muted (DarkGray)
            // text of the selected row stays readable on it.
            selected_row: Style::new()
                .bg(Color::Indexed(237))
                .add_modifier(Modifier::BOLD),
            selected_row_unfocused: Style::new().add_modifier(Modifier::UNDERLINED),
            key: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            tab_active: fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            good: fg(Color::Green),
            warn: fg(Color::Yellow),
            bad: fg(Color::LightRed),
            blocker: fg(Color::LightRed).add_modifier(Modifier::BOLD),
            sla_breached: fg(Color::Red).add_modifier(Modifier::BOLD),
            sla_ok: Style::new(),
            read_only: fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            cursor: Style::new().add_modifier(Modifier::REVERSED),
            sparkline: fg(Color::Cyan),
            sparkline_alt: fg(Color::Green),
            severities: [
                fg(Color::Red).add_modifier(Modifier::BOLD),
                fg(Color::Yellow),
                fg(Color::Cyan),
                fg(Color::Gray),
            ],
            risks: [
                fg(Color::Green),
                fg(Color::Yellow),
                fg(Color::LightRed),
                fg(Color::Red).add_modifier(Modifier::BOLD),
            ],
        }
    }

    /// Readable with modifiers alone: every meaning that colour carries in
    /// `colour()` is also spelled out in text (CRIT, !, ■, risk words), so
    /// here weight and inversion only rank what matters most.
    pub fn no_colour() -> Theme {
        let m = |m: Modifier| Style::new().add_modifier(m);
        let plain = Style::new();
        Theme {
            colour: false,
            text: plain,
            muted: plain,
            label: plain,
            app_name: m(Modifier::BOLD | Modifier::REVERSED),
            title: m(Modifier::BOLD),
            border: plain,
            focus_border: m(Modifier::BOLD),
            popup_border: m(Modifier::BOLD),
            table_header: m(Modifier::BOLD | Modifier::UNDERLINED),
            selected_row: m(Modifier::REVERSED),
            selected_row_unfocused: m(Modifier::UNDERLINED),
            key: m(Modifier::BOLD),
            tab_active: m(Modifier::REVERSED | Modifier::BOLD),
            good: plain,
            warn: m(Modifier::BOLD),
            bad: m(Modifier::BOLD),
            blocker: m(Modifier::BOLD),
            sla_breached: m(Modifier::BOLD | Modifier::UNDERLINED),
            sla_ok: plain,
            read_only: m(Modifier::REVERSED | Modifier::BOLD),
            cursor: m(Modifier::REVERSED),
            sparkline: plain,
            sparkline_alt: plain,
            severities: [m(Modifier::BOLD), m(Modifier::BOLD), plain, plain],
            risks: [
                plain,
                plain,
                m(Modifier::BOLD),
                m(Modifier::BOLD | Modifier::REVERSED),
            ],
        }
    }

    /// NO_COLOR set to anything but the empty string turns colour off
    /// (https://no-color.org).
    pub fn from_env() -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::no_colour(),
            _ => Theme::colour(),
        }
    }

    /// Decided once per process: the environment does not change under us,
    /// and reading it every frame would cost a syscall per draw.
    pub fn global() -> &'static Theme {
        static THEME: OnceLock<Theme> = OnceLock::new();
        THEME.get_or_init(Theme::from_env)
    }

    pub fn severity(&self, s: Severity) -> Style {
        self.severities[match s {
            Severity::Critical => 0,
            Severity::High => 1,
            Severity::Medium => 2,
            Severity::Low => 3,
        }]
    }

    pub fn risk(&self, level: RiskLevel) -> Style {
        self.risks[match level {
            RiskLevel::Low => 0,
            RiskLevel::Medium => 1,
            RiskLevel::High => 2,
            RiskLevel::Critical => 3,
        }]
    }

    pub fn sla(&self, state: &SlaState) -> Style {
        match state {
            SlaState::Overdue { .. } => self.sla_breached,
            SlaState::Remaining {
                deferred: false, ..
            } => self.sla_ok,
            SlaState::Remaining { deferred: true, .. } | SlaState::Met => self.muted,
        }
    }

    pub fn tone(&self, tone: Tone) -> Style {
        match tone {
            Tone::Info | Tone::Progress => self.text,
            Tone::Success => self.good,
            Tone::Error => self.bad,
        }
    }

    /// 0–100, higher is healthier.
    pub fn health(&self, score: i32) -> Style {
        match score {
            70.. => self.good,
            40.. => self.warn,
            _ => self.bad,
        }
    }

    pub fn border_for(&self, focused: bool) -> (Style, BorderType) {
        // A thicker line as well as a colour, so focus survives NO_COLOR and
        // terminals that render bold box-drawing the same as plain.
        if focused {
            (self.focus_border, BorderType::Thick)
        } else {
            (self.border, BorderType::Plain)
        }
    }
}

/// Severity as a short word that carries the meaning without colour:
/// critical is the only one in capitals, so it stands out in monochrome.
pub fn severity_tag(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRIT",
        Severity::High => "high",
        Severity::Medium => "med",
        Severity::Low => "low",
    }
}

pub const BLOCKER_MARK: &str = "■";
pub const BREACH_MARK: &str = "!";
