//! Overlays drawn over the panes, with the cells behind them cleared: the
//! search box, the filter menu, and the status-edit dialogs. Help lives in
//! `help.rs`. Each popup states its keys on its bottom border.

use super::popup_edit;
use super::text::{centered, clean, pad, styled, tail, truncate, width};
use super::theme::Theme;
use crate::app::filtering::FILTER_LINES;
use crate::app::state::{App, ConflictInfo, EditTarget, FilterMenu, Overlay};
use crate::domain::{BugStatus, can_transition};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Padding, Paragraph, Wrap};

/// `area` is the screen between the header and the footer; `table` is where
/// the bug table is drawn.
pub fn render(frame: &mut Frame, area: Rect, table: Rect, app: &App, theme: &Theme) {
    let Some(overlay) = &app.overlay else { return };
    match overlay {
        Overlay::Help { scroll, limit } => {
            super::help::render(frame, area, *scroll, limit, &app.keys, theme)
        }
        Overlay::Search { input, .. } => search(frame, area, table, input, theme),
        Overlay::Filter(menu) => filter(frame, area, app, menu, theme),
        Overlay::StatusPicker {
            target,
            options,
            selected,
        } => {
            let inner = status_picker(frame, area, target, options, *selected, theme);
            record_items(app, inner, 3, options.len());
        }
        Overlay::Confirm { target, to } => confirm(frame, area, target, *to, theme),
        Overlay::Saving { target, to } => {
            let text = vec![Line::from(format!(
                "Saving {} → {}…",
                target.bug.number, to
            ))];
            message(frame, area, " Saving ", text, Line::default(), theme);
        }
        Overlay::Conflict(info) => conflict(frame, area, info, theme),
        Overlay::Trends { view } => super::trends_chart::render(frame, area, app, *view, theme),
        Overlay::FieldChooser { targets, selected } => {
            popup_edit::chooser(frame, area, app, targets, *selected, theme)
        }
        Overlay::PickValue {
            targets,
            field,
            picker,
        } => popup_edit::pick_value(frame, area, app, targets, *field, picker, theme),
        Overlay::InputValue {
            targets,
            field,
            input,
            error,
        } => popup_edit::input_value(frame, area, targets, *field, input, error.as_deref(), theme),
        Overlay::Write(w) => popup_edit::write(frame, area, app, w, theme),
        Overlay::Create(form) => super::popup_create::render(frame, area, app, form, theme),
        Overlay::MarkAll { count, capped } => {
            popup_edit::mark_all(frame, area, app, *count, *capped, theme)
        }
        Overlay::Working { text, .. } => {
            let text = vec![Line::from(clean(text).into_owned())];
            message(frame, area, " Saving ", text, Line::default(), theme);
        }
        Overlay::Refused(r) => super::popup_refused::render(frame, area, r, theme),
        Overlay::UndoConfirm { label } => popup_edit::undo_confirm(frame, area, label, theme),
    }
}

/// Clears and frames a `w`×`h` box centred in `area`; returns its inside.
pub fn popup_box(
    frame: &mut Frame,
    area: Rect,
    w: u16,
    h: u16,
    title: Line<'_>,
    hint: Line<'_>,
    theme: &Theme,
) -> Rect {
    // A box within a few columns of the screen's width takes all of it, so
    // no slivers of the panes peek out at the sides.
    let w = if w.saturating_add(4) >= area.width {
        area.width
    } else {
        w
    };
    place(frame, centered(area, w, h), title, hint, theme)
}

fn place(frame: &mut Frame, rect: Rect, title: Line<'_>, hint: Line<'_>, theme: &Theme) -> Rect {
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.popup_border)
        .padding(Padding::horizontal(1))
        .title(title)
        .title_bottom(hint.right_aligned());
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    clip_wide_edge(frame, rect);
    inner
}

/// A wide character just left of the box has its right half under the box's
/// border; a terminal would draw a broken glyph, so blank it instead.
fn clip_wide_edge(frame: &mut Frame, rect: Rect) {
    let Some(x) = rect.x.checked_sub(1) else {
        return;
    };
    let buf = frame.buffer_mut();
    for y in rect.top()..rect.bottom() {
        if let Some(cell) = buf.cell_mut((x, y))
            && width(cell.symbol()) > 1
        {
            cell.set_symbol(" ");
        }
    }
}

pub(super) fn hint<'a>(keys: &[(&'a str, &'a str)], theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::raw(" ")];
    for (i, (k, d)) in keys.iter().enumerate() {
        if i > 0 {
            spans.push(styled(" · ", theme.muted));
        }
        spans.push(styled(*k, theme.key));
        spans.push(styled(format!(" {d}"), theme.muted));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

/// Rows a wrapped paragraph needs, with one spare row per wrapped line
/// because word wrapping can waste the end of a row.
pub(crate) fn wrapped_height(lines: &[Line<'_>], inner_w: u16) -> u16 {
    let w = usize::from(inner_w.max(1));
    let rows: usize = lines
        .iter()
        .map(|l| match l.width() {
            0 => 1,
            lw if lw <= w => 1,
            lw => lw.div_ceil(w) + 1,
        })
        .sum();
    u16::try_from(rows).unwrap_or(u16::MAX)
}

pub(super) fn message(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    text: Vec<Line<'_>>,
    hint: Line<'_>,
    theme: &Theme,
) {
    let w = area.width.min(72);
    let h = wrapped_height(&text, w.saturating_sub(4)).saturating_add(2);
    let inner = popup_box(
        frame,
        area,
        w,
        h,
        Line::from(styled(title.to_string(), theme.title)),
        hint,
        theme,
    );
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), inner);
}

/// At the bottom of the bug table rather than in the middle of the screen:
/// the table filters live as you type, and its first rows are the ones to
/// watch.
fn search(frame: &mut Frame, area: Rect, table: Rect, input: &str, theme: &Theme) {
    let host = if table.height >= 6 && table.width >= 24 {
        // Inside the table's frame, so its borders stay whole.
        Rect {
            height: table.height - 1,
            ..table.inner(ratatui::layout::Margin::new(1, 0))
        }
    } else {
        area
    };
    let w = host.width.min(72);
    let h = 3.min(host.height);
    let rect = Rect {
        x: host.x + (host.width - w) / 2,
        y: host.bottom() - h,
        width: w,
        height: h,
    };
    let title = Line::from(styled(" Search titles and descriptions ", theme.title));
    let inner = place(
        frame,
        rect,
        title,
        hint(&[("Enter", "keep"), ("Esc", "cancel")], theme),
        theme,
    );
    if inner.width < 4 || inner.height == 0 {
        return;
    }
    let input = clean(input);
    let shown = tail(&input, usize::from(inner.width) - 3);
    let line = Line::from(vec![
        styled("/ ", theme.key),
        Span::raw(shown.to_string()),
        styled(" ", theme.cursor),
    ]);
    frame.render_widget(Paragraph::new(line), inner);
    let x = inner.x + 2 + width(shown) as u16;
    frame.set_cursor_position(Position::new(x.min(inner.right() - 1), inner.y));
}

fn filter_value(app: &App, i: usize) -> String {
    let f = &app.table.query.filter;
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    match i {
        0 if f.severities.is_empty() => "any".into(),
        0 => f
            .severities
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        1 => f.status.label(),
        2 => f.project.clone().unwrap_or_else(|| "any".into()),
        3 => f.assignee.clone().unwrap_or_else(|| "any".into()),
        4 => yes_no(f.blocker_only),
        _ => yes_no(f.sla_breached_only),
    }
}

fn filter(frame: &mut Frame, area: Rect, app: &App, menu: &FilterMenu, theme: &Theme) {
    let w = area.width.min(60);
    let inner_w = usize::from(w.saturating_sub(4));
    let label_w = FILTER_LINES.iter().map(|l| width(l)).max().unwrap_or(0) + 4;
    let mut lines = Vec::with_capacity(FILTER_LINES.len() + 2);
    for (i, label) in FILTER_LINES.iter().enumerate() {
        let selected = i == menu.selected;
        let marker = if selected { "▶ " } else { "  " };
        let head = pad(&format!("{marker}{label}"), label_w);
        let value_w = inner_w.saturating_sub(label_w);
        let mut spans = vec![styled(head, theme.label)];
        match (&menu.editing, selected) {
            (Some(text), true) => {
                let text = clean(text);
                spans.push(Span::raw(
                    tail(&text, value_w.saturating_sub(1)).to_string(),
                ));
                spans.push(styled(" ", theme.cursor));
            }
            _ => spans.push(Span::raw(
                truncate(&clean(&filter_value(app, i)), value_w).into_owned(),
            )),
        }
        let mut line = Line::from(spans);
        if selected {
            let fill = inner_w.saturating_sub(line.width());
            line.push_span(Span::raw(" ".repeat(fill)));
            line = line.style(theme.selected_row);
        }
        lines.push(line);
    }
    let keys: &[(&str, &str)] = if menu.editing.is_some() {
        &[("Enter", "apply"), ("Esc", "cancel")]
    } else {
        &[
            ("j/k", "choose"),
            ("Enter", "change"),
            ("x", "clear all"),
            ("Esc", "close"),
        ]
    };
    let matches = app.table.total.map_or(String::new(), |c| {
        format!("· {} match ", super::text::count_label(c))
    });
    let title = Line::from(vec![
        styled(" Filter ", theme.title),
        styled(matches, theme.muted),
    ]);
    let h = lines.len() as u16 + 2;
    let inner = popup_box(frame, area, w, h, title, hint(keys, theme), theme);
    record_items(app, inner, 0, FILTER_LINES.len());
    frame.render_widget(Paragraph::new(lines), inner);
}

fn bug_line<'a>(target: &'a EditTarget, inner_w: usize, theme: &Theme) -> Line<'a> {
    let number = &target.bug.number;
    let room = inner_w.saturating_sub(width(number) + 2);
    Line::from(vec![
        styled(number.as_str(), theme.title),
        Span::raw("  "),
        Span::raw(truncate(&clean(&target.bug.title), room).into_owned()),
    ])
}

fn status_picker(
    frame: &mut Frame,
    area: Rect,
    target: &EditTarget,
    options: &[BugStatus],
    selected: usize,
    theme: &Theme,
) -> Rect {
    let w = area.width.min(60);
    let inner_w = usize::from(w.saturating_sub(4));
    let mut lines = vec![
        bug_line(target, inner_w, theme),
        Line::from(vec![
            styled("now  ", theme.label),
            styled(target.bug.status.as_str(), theme.title),
        ]),
        Line::default(),
    ];
    if options.is_empty() {
        lines.push(Line::from(styled(
            format!("no change is allowed from {}", target.bug.status),
            theme.muted,
        )));
    }
    for (i, s) in options.iter().enumerate() {
        let text = pad(
            &format!("{} {}", if i == selected { "▶" } else { " " }, s),
            inner_w,
        );
        let style = if i == selected {
            theme.selected_row
        } else {
            theme.text
        };
        lines.push(Line::from(styled(text, style)));
    }
    let title = Line::from(styled(" Change status ", theme.title));
    let keys = hint(&[("Enter", "choose"), ("Esc", "cancel")], theme);
    let inner = popup_box(frame, area, w, lines.len() as u16 + 2, title, keys, theme);
    frame.render_widget(Paragraph::new(lines), inner);
    inner
}

/// A popup's list of `n` items starts `skip` lines into `inner`: where a
/// click picks one.
fn record_items(app: &App, inner: Rect, skip: u16, n: usize) {
    let top = inner.y + skip.min(inner.height);
    let height = (n as u16).min(inner.bottom().saturating_sub(top));
    app.hits.popup_items.set(Some(crate::app::mouse::ListHit {
        area: Rect {
            y: top,
            height,
            ..inner
        },
        first: 0,
    }));
}

fn confirm(frame: &mut Frame, area: Rect, target: &EditTarget, to: BugStatus, theme: &Theme) {
    let inner_w = usize::from(area.width.min(72).saturating_sub(4));
    let b = &target.bug;
    let text = vec![
        Line::from(vec![
            Span::raw("Change "),
            styled(b.number.as_str(), theme.title),
            Span::raw(" from "),
            styled(b.status.as_str(), theme.title),
            Span::raw(" to "),
            styled(to.as_str(), theme.title),
            Span::raw("?"),
        ]),
        Line::from(styled(
            truncate(&clean(&b.title), inner_w).into_owned(),
            theme.muted,
        )),
        Line::default(),
        Line::from(vec![
            styled("y", theme.key),
            Span::raw(" = yes, "),
            styled("n", theme.key),
            Span::raw("/"),
            styled("Esc", theme.key),
            Span::raw(" = no"),
        ]),
    ];
    message(frame, area, " Confirm ", text, Line::default(), theme);
}

fn conflict(frame: &mut Frame, area: Rect, info: &ConflictInfo, theme: &Theme) {
    let mut text: Vec<Line> = info
        .changes
        .iter()
        .map(|c| Line::from(clean(c).into_owned()))
        .collect();
    if text.is_empty() {
        text.push(Line::from("someone else saved this bug first"));
    }
    let row = |label: &'static str, value: String| {
        Line::from(vec![
            styled(format!("{label:<11}"), theme.label),
            styled(value, theme.title),
        ])
    };
    text.push(Line::default());
    text.push(row("you saw", info.mine.status.to_string()));
    text.push(row("now", info.theirs.status.to_string()));
    text.push(row("you chose", info.wanted.to_string()));
    text.push(Line::default());
    // Offer the re-apply only when the lifecycle allows it from the fresh status.
    if can_transition(info.theirs.status, info.wanted) {
        text.push(Line::from(vec![
            styled("r", theme.key),
            Span::raw(" re-apply on the fresh row · "),
            styled("Esc", theme.key),
            Span::raw(" cancel"),
        ]));
    } else {
        text.push(Line::from(vec![
            Span::raw(format!(
                "{} → {} is not allowed · ",
                info.theirs.status, info.wanted
            )),
            styled("Esc", theme.key),
            Span::raw(" cancel"),
        ]));
    }
    let title = format!(" {} changed while you were editing ", info.theirs.number);
    let w = area.width.min(72);
    let h = wrapped_height(&text, w.saturating_sub(4)).saturating_add(2);
    let t = Line::from(styled(title, theme.bad));
    let inner = popup_box(frame, area, w, h, t, Line::default(), theme);
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), inner);
}
