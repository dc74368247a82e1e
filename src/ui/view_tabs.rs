//! The saved views as one line of tabs above the bug table: the key that
//! switches to each, its name and its live count. The tab of the view the
//! table shows is highlighted; after a hand-made filter change none is.

use super::text::{clean, styled, truncate};
use super::theme::Theme;
use crate::app::keymap::Action;
use crate::app::state::App;
use crate::format::count_label;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

struct Tab {
    key: Option<String>,
    name: String,
    count: String,
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let signed_in = app.me().is_some();
    let tabs: Vec<Tab> = app
        .views
        .list
        .iter()
        .enumerate()
        .map(|(i, v)| Tab {
            key: u8::try_from(i + 1)
                .ok()
                .and_then(|n| app.keys.short_label(Action::View(n))),
            name: clean(&v.name).into_owned(),
            count: match app.views.counts.get(i).copied().flatten() {
                Some(c) => count_label(c),
                None if v.mine && !signed_in => "–".into(),
                None => "…".into(),
            },
        })
        .collect();
    let current = app.current_view();
    let room = usize::from(area.width);
    // Shorter names first, then only the tabs around the current one.
    for name_max in [usize::MAX, 12, 8] {
        let line = tab_line(&tabs, 0..tabs.len(), name_max, current, theme);
        if line.width() <= room {
            frame.render_widget(line, area);
            return;
        }
    }
    let focus = current
        .unwrap_or(app.views.last)
        .min(tabs.len().saturating_sub(1));
    let (mut lo, mut hi) = (focus, focus + 1);
    loop {
        let grown = if hi < tabs.len() {
            Some((lo, hi + 1))
        } else if lo > 0 {
            Some((lo - 1, hi))
        } else {
            None
        };
        match grown {
            Some((l, h)) if tab_line(&tabs, l..h, 8, current, theme).width() <= room => {
                (lo, hi) = (l, h);
            }
            _ => break,
        }
    }
    frame.render_widget(tab_line(&tabs, lo..hi, 8, current, theme), area);
}

fn tab_line<'a>(
    tabs: &[Tab],
    range: std::ops::Range<usize>,
    name_max: usize,
    current: Option<usize>,
    theme: &Theme,
) -> Line<'a> {
    let mut spans: Vec<Span> = Vec::new();
    if range.start > 0 {
        spans.push(styled("‹ ", theme.muted));
    }
    for i in range.clone() {
        let t = &tabs[i];
        if i > range.start {
            spans.push(styled("│", theme.muted));
        }
        let name = truncate(&t.name, name_max).into_owned();
        let key = t
            .key
            .as_deref()
            .map(|k| format!("{k} "))
            .unwrap_or_default();
        if current == Some(i) {
            spans.push(styled(
                format!(" {key}{name} {} ", t.count),
                theme.tab_active,
            ));
        } else {
            spans.push(Span::raw(" "));
            if !key.is_empty() {
                spans.push(styled(key, theme.key));
            }
            spans.push(styled(name, theme.text));
            spans.push(styled(format!(" {} ", t.count), theme.muted));
        }
    }
    if range.end < tabs.len() {
        spans.push(styled(" ›", theme.muted));
    }
    Line::from(spans)
}
