//! The `?` overlay. Every line comes from the keys in force (`app.keys`:
//! `BINDINGS` with the config file's remaps) and `POPUP_HELP`, so help can
//! never disagree with what the keys do.

use super::popup::popup_box;
use super::text::{styled, width};
use super::theme::{BLOCKER_MARK, BREACH_MARK, Theme};
use crate::app::keymap::{Action, POPUP_HELP};
use crate::app::keys::Keymap;
use crate::app::state::ScrollLimit;
use crate::domain::Severity;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

struct Entry {
    key: Vec<Span<'static>>,
    desc: &'static str,
}

fn key_entry(label: impl Into<String>, desc: &'static str, theme: &Theme) -> Entry {
    let label: String = label.into();
    Entry {
        key: vec![styled(label, theme.key)],
        desc,
    }
}

/// The nine numbered views make one line ("1…9"), not nine.
fn key_entries(keys: &Keymap, theme: &Theme) -> Vec<Entry> {
    let mut out = Vec::new();
    for e in keys.entries() {
        match e.action {
            Action::View(1) => {
                let firsts: Vec<String> = keys
                    .entries()
                    .iter()
                    .filter(|e| matches!(e.action, Action::View(_)))
                    .map(|e| e.keys.first().map_or("–".into(), |k| k.label()))
                    .collect();
                let defaults: Vec<String> = (1..=firsts.len()).map(|n| n.to_string()).collect();
                let label = match firsts.as_slice() {
                    [first, .., last] if firsts == defaults => format!("{first}…{last}"),
                    _ => firsts.join(" "),
                };
                out.push(key_entry(
                    label,
                    "switch to that view (the tabs above the table)",
                    theme,
                ));
            }
            Action::View(_) => {}
            _ => out.push(key_entry(e.label.clone(), e.help, theme)),
        }
    }
    out
}

fn sections(keys: &Keymap, theme: &Theme) -> [(&'static str, Vec<Entry>); 3] {
    let keys = key_entries(keys, theme);
    let popups = POPUP_HELP
        .iter()
        .map(|(k, d)| key_entry(*k, d, theme))
        .collect();
    let mut severities = Vec::new();
    for (i, s) in Severity::ALL.into_iter().enumerate() {
        if i > 0 {
            severities.push(Span::raw(" "));
        }
        severities.push(styled(super::theme::severity_tag(s), theme.severity(s)));
    }
    let legend = vec![
        Entry {
            key: severities,
            desc: "severity, most severe first",
        },
        Entry {
            key: vec![styled(BLOCKER_MARK, theme.blocker)],
            desc: "blocker",
        },
        Entry {
            key: vec![styled(BREACH_MARK, theme.sla_breached)],
            desc: "SLA breached: time over",
        },
        Entry {
            key: vec![styled("def", theme.muted)],
            desc: "deferred: its SLA clock still runs",
        },
        Entry {
            key: vec![styled("┏━┓", theme.focus_border)],
            desc: "thick border: the focused pane",
        },
    ];
    [("Keys", keys), ("In popups", popups), ("Legend", legend)]
}

fn key_width(e: &Entry) -> usize {
    e.key.iter().map(Span::width).sum()
}

/// Columns a section needs: indent, keys, gap, descriptions.
fn section_width(entries: &[Entry]) -> usize {
    let key_w = entries.iter().map(key_width).max().unwrap_or(0);
    let desc_w = entries.iter().map(|e| width(e.desc)).max().unwrap_or(0);
    2 + key_w + 2 + desc_w
}

fn render_section(title: &str, entries: &[Entry], theme: &Theme, out: &mut Vec<Line<'static>>) {
    let key_w = entries.iter().map(key_width).max().unwrap_or(0);
    if !out.is_empty() {
        out.push(Line::default());
    }
    out.push(Line::from(styled(title.to_string(), theme.title)));
    for e in entries {
        let w = key_width(e);
        let mut spans = vec![Span::raw("  ")];
        spans.extend(e.key.iter().cloned());
        spans.push(Span::raw(" ".repeat(key_w.saturating_sub(w) + 2)));
        spans.push(Span::raw(e.desc));
        out.push(Line::from(spans));
    }
}

pub fn render(
    frame: &mut Frame,
    area: Rect,
    scroll: u16,
    limit: &ScrollLimit,
    keys: &Keymap,
    theme: &Theme,
) {
    let sections = sections(keys, theme);
    let col_w = sections
        .iter()
        .map(|(_, es)| section_width(es))
        .max()
        .unwrap_or(0);

    // Two columns (keys | popups and legend) when both fit side by side.
    let two = usize::from(area.width) >= 2 * col_w + 3 + 4;
    let (mut left, mut right) = (Vec::new(), Vec::new());
    render_section(sections[0].0, &sections[0].1, theme, &mut left);
    for (title, entries) in &sections[1..] {
        render_section(
            title,
            entries,
            theme,
            if two { &mut right } else { &mut left },
        );
    }
    let content_h = left.len().max(right.len());
    let inner_w = if two { 2 * col_w + 3 } else { col_w };
    let want_h = (content_h + 2) as u16;
    let inner_h = usize::from(want_h.min(area.height)).saturating_sub(2);
    let max_scroll = content_h.saturating_sub(inner_h);
    limit.record(u16::try_from(max_scroll).unwrap_or(u16::MAX));
    let scroll = usize::from(scroll).min(max_scroll);

    let hint = if max_scroll > 0 {
        format!(
            " j/k scroll · {}–{} of {} · Esc close ",
            scroll + 1,
            scroll + inner_h,
            content_h
        )
    } else {
        " Esc close ".to_string()
    };
    let title = Line::from(styled(" Help ", theme.title));
    let inner = popup_box(
        frame,
        area,
        (inner_w + 4) as u16,
        want_h,
        title,
        Line::from(styled(hint, theme.muted)),
        theme,
    );
    let scroll = scroll as u16;
    if two {
        let [l, _, r] = inner.layout(&Layout::horizontal([
            Constraint::Length(col_w as u16),
            Constraint::Length(3),
            Constraint::Fill(1),
        ]));
        frame.render_widget(Paragraph::new(left).scroll((scroll, 0)), l);
        frame.render_widget(Paragraph::new(right).scroll((scroll, 0)), r);
    } else {
        frame.render_widget(Paragraph::new(left).scroll((scroll, 0)), inner);
    }
}
