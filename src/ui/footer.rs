//! The bottom line: the outcome of the last action on the left (every edit
//! reports here), the keys that matter most on the right.

use super::text::{clean, styled, truncate, width};
use super::theme::Theme;
use crate::app::keymap::Action;
use crate::app::state::{App, Tone};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// (action, what it does, rank): shown in this order, dropped highest rank
/// first when the line is short. The key shown is the action's first key in
/// force, so a remap in the config file shows here.
const HINTS: &[(Action, &str, u8)] = &[
    (Action::NextPane, "pane", 5),
    (Action::Open, "open", 6),
    (Action::Search, "search", 1),
    (Action::Filter, "filter", 2),
    (Action::CycleSort, "sort", 7),
    (Action::ChangeStatus, "status", 3),
    (Action::Refresh, "refresh", 8),
    (Action::EditField, "edit", 9),
    (Action::NewBug, "new", 10),
    (Action::Undo, "undo", 11),
    (Action::Trends, "trends", 12),
    (Action::Help, "help", 0),
    (Action::Quit, "quit", 4),
];

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let total = usize::from(area.width);
    let read_only = app.me().is_none();
    let hints: Vec<(String, &str, u8)> = HINTS
        .iter()
        .filter(|h| {
            let writes = [
                Action::ChangeStatus,
                Action::EditField,
                Action::NewBug,
                Action::Undo,
            ];
            !(read_only && writes.contains(&h.0))
        })
        .filter_map(|(action, what, rank)| app.keys.short_label(*action).map(|k| (k, *what, *rank)))
        .collect();
    let help_w = hints
        .iter()
        .find(|h| h.1 == "help")
        .map_or(0, |h| width(&h.0) + 1 + width(h.1));
    let hint_w = |h: &(String, &str, u8)| width(&h.0) + 1 + width(h.1) + 2;

    // The notice is what just happened, so it wins over all hints but "? help".
    let notice = app.notice.as_ref().map(|n| {
        let mark = match n.tone {
            Tone::Success => "✓ ",
            Tone::Error => "✗ ",
            Tone::Info | Tone::Progress => "",
        };
        let budget = total.saturating_sub(help_w + 3);
        let text = truncate(&format!(" {mark}{}", clean(&n.text)), budget).into_owned();
        styled(text, theme.tone(n.tone))
    });
    let left_w = notice.as_ref().map_or(0, Span::width);

    let mut budget = total.saturating_sub(left_w + 1);
    let mut ranked: Vec<_> = hints.iter().collect();
    ranked.sort_by_key(|h| h.2);
    let mut shown = Vec::new();
    for h in ranked {
        if hint_w(h) <= budget {
            budget -= hint_w(h);
            shown.push(h.1);
        }
    }
    let mut right = Vec::new();
    for h in hints.iter().filter(|h| shown.contains(&h.1)) {
        if !right.is_empty() {
            right.push(Span::raw("  "));
        }
        right.push(styled(h.0.clone(), theme.key));
        right.push(styled(format!(" {}", h.1), theme.muted));
    }
    right.push(Span::raw(" "));
    if let Some(notice) = notice {
        frame.render_widget(notice, area);
    }
    frame.render_widget(Line::from(right).right_aligned(), area);
}
