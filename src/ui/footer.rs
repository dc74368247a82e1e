//! The bottom line: the outcome of the last action on the left (every edit
//! reports here), the keys that matter most on the right.

use super::text::{clean, styled, truncate, width};
use super::theme::Theme;
use crate::app::state::{App, Tone};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// (key, what it does, rank): shown in this order, dropped highest rank first
/// when the line is short.
const HINTS: &[(&str, &str, u8)] = &[
    ("Tab", "pane", 5),
    ("Enter", "open", 6),
    ("/", "search", 1),
    ("f", "filter", 2),
    ("o", "sort", 7),
    ("s", "status", 3),
    ("r", "refresh", 8),
    ("t", "trends", 12),
    ("e", "edit", 9),
    ("n", "new", 10),
    ("u", "undo", 11),
    ("?", "help", 0),
    ("q", "quit", 4),
];

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let total = usize::from(area.width);
    let read_only = app.me().is_none();
    let hints: Vec<_> = HINTS
        .iter()
        .filter(|h| !(read_only && ["s", "e", "n", "u"].contains(&h.0)))
        .collect();
    let hint_w = |h: &(&str, &str, u8)| width(h.0) + 1 + width(h.1) + 2;

    // The notice is what just happened, so it wins over all hints but "? help".
    let notice = app.notice.as_ref().map(|n| {
        let mark = match n.tone {
            Tone::Success => "✓ ",
            Tone::Error => "✗ ",
            Tone::Info | Tone::Progress => "",
        };
        let budget = total.saturating_sub(width("? help") + 3);
        let text = truncate(&format!(" {mark}{}", clean(&n.text)), budget).into_owned();
        styled(text, theme.tone(n.tone))
    });
    let left_w = notice.as_ref().map_or(0, Span::width);

    let mut budget = total.saturating_sub(left_w + 1);
    let mut ranked: Vec<_> = hints.clone();
    ranked.sort_by_key(|h| h.2);
    let mut shown = Vec::new();
    for h in ranked {
        if hint_w(h) <= budget {
            budget -= hint_w(h);
            shown.push(h.0);
        }
    }
    let mut right = Vec::new();
    for h in hints.iter().filter(|h| shown.contains(&h.0)) {
        if !right.is_empty() {
            right.push(Span::raw("  "));
        }
        right.push(styled(h.0, theme.key));
        right.push(styled(format!(" {}", h.1), theme.muted));
    }
    right.push(Span::raw(" "));
    if let Some(notice) = notice {
        frame.render_widget(notice, area);
    }
    frame.render_widget(Line::from(right).right_aligned(), area);
}
