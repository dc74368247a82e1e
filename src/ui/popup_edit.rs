//! The editing popups: the field chooser, value pickers, one-line inputs, the
//! text box, and the small confirmations (mark all, undo, working). Lists
//! record where their items are drawn so a click can pick one.

use super::grid::window;
use super::popup::{hint, message, popup_box};
use super::text::{clean, pad, styled, tail, truncate, width};
use super::theme::Theme;
use crate::app::change::CHOOSER;
use crate::app::forms::{LineInput, Picker, TextArea};
use crate::app::model::BugRow;
use crate::app::mouse::ListHit;
use crate::app::state::{App, WritePurpose, Writing};
use crate::domain::Field;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// "BUG-1003  Checkout fails…" or "5 marked bugs: BUG-1, BUG-2, …".
pub fn subject_line(targets: &[BugRow], inner_w: usize, theme: &Theme) -> Line<'static> {
    match targets {
        [one] => {
            let room = inner_w.saturating_sub(width(&one.number) + 2);
            Line::from(vec![
                styled(clean(&one.number).into_owned(), theme.title),
                Span::raw("  "),
                Span::raw(truncate(&clean(&one.title), room).into_owned()),
            ])
        }
        many => {
            let numbers: Vec<&str> = many.iter().map(|b| b.number.as_str()).collect();
            let head = format!("{} marked bugs: ", many.len());
            let room = inner_w.saturating_sub(width(&head));
            Line::from(vec![
                styled(head, theme.title),
                styled(
                    truncate(&numbers.join(", "), room).into_owned(),
                    theme.muted,
                ),
            ])
        }
    }
}

/// The input line with its cursor, scrolled so the cursor shows.
fn input_line(input: &LineInput, w: usize, theme: &Theme) -> (Line<'static>, u16) {
    let text = clean(&input.text).into_owned();
    let cut = text
        .char_indices()
        .nth(input.cursor)
        .map_or(text.len(), |(i, _)| i);
    let before = tail(&text[..cut], w.saturating_sub(2)).to_string();
    let at = text[cut..].chars().next().map_or(" ".into(), String::from);
    let after_room = w.saturating_sub(width(&before) + width(&at));
    let rest: String = text[cut..].chars().skip(1).collect();
    let after = truncate(&rest, after_room).into_owned();
    let x = width(&before) as u16;
    (
        Line::from(vec![
            Span::raw(before),
            styled(at, theme.cursor),
            Span::raw(after),
        ]),
        x,
    )
}

/// A list popup: `head` lines, then the items (a window around the
/// selection when they do not fit), then `foot` lines.
#[allow(clippy::too_many_arguments)]
fn list_popup(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    title: Line<'_>,
    head: Vec<Line<'static>>,
    items: &[String],
    selected: usize,
    foot: Vec<Line<'static>>,
    keys: Line<'_>,
    theme: &Theme,
) {
    let w = area.width.min(64);
    let inner_w = usize::from(w.saturating_sub(4));
    let room = area
        .height
        .saturating_sub(2 + (head.len() + foot.len()) as u16)
        .max(1);
    let shown = (items.len() as u16).clamp(1, room);
    let h = shown + (head.len() + foot.len()) as u16 + 2;
    let rect = super::text::centered(area, w, h);
    let inner = popup_box(frame, area, w, h, title, keys, theme);
    app.hits.popup.set(Some(rect));
    let mut lines = head.clone();
    if items.is_empty() {
        lines.push(Line::from(styled("nothing matches", theme.muted)));
    } else {
        let win = window(items.len(), selected, shown + 1);
        app.hits.popup_items.set(Some(ListHit {
            area: Rect {
                y: inner.y + head.len() as u16,
                height: win.rows.len() as u16,
                ..inner
            },
            first: win.rows.start,
        }));
        for i in win.rows {
            let mark = if i == selected { "▶ " } else { "  " };
            let text = pad(&format!("{mark}{}", clean(&items[i])), inner_w);
            let style = if i == selected {
                theme.selected_row
            } else {
                theme.text
            };
            lines.push(Line::from(styled(text, style)));
        }
    }
    lines.extend(foot);
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn chooser(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    targets: &[BugRow],
    selected: usize,
    theme: &Theme,
) {
    let inner_w = usize::from(area.width.min(64).saturating_sub(4));
    let head = vec![subject_line(targets, inner_w, theme), Line::default()];
    let items: Vec<String> = CHOOSER
        .iter()
        .map(|(k, f)| format!("{k}  {}", f.label()))
        .collect();
    let title = Line::from(styled(" Edit which field? ", theme.title));
    let keys = hint(&[("letter / Enter", "choose"), ("Esc", "cancel")], theme);
    list_popup(
        frame,
        area,
        app,
        title,
        head,
        &items,
        selected,
        vec![],
        keys,
        theme,
    );
}

pub fn pick_value<T: Clone>(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    targets: &[BugRow],
    field: Field,
    picker: &Picker<T>,
    theme: &Theme,
) {
    let inner_w = usize::from(area.width.min(64).saturating_sub(4));
    let (filter, _) = input_line(&picker.filter, inner_w.saturating_sub(8), theme);
    let mut filter_spans = vec![styled("filter  ", theme.label)];
    filter_spans.extend(filter.spans);
    let head = vec![
        subject_line(targets, inner_w, theme),
        Line::from(filter_spans),
        Line::default(),
    ];
    let items: Vec<String> = picker.visible().iter().map(|c| c.label.clone()).collect();
    let mut foot = vec![];
    if field == Field::Assignee && app.users.is_none() {
        foot.push(Line::from(styled("loading users…", theme.muted)));
    }
    let title = Line::from(styled(format!(" Set {} ", field.label()), theme.title));
    let keys = hint(
        &[
            ("type", "filter"),
            ("↑↓", "choose"),
            ("Enter", "set"),
            ("Esc", "cancel"),
        ],
        theme,
    );
    list_popup(
        frame,
        area,
        app,
        title,
        head,
        &items,
        picker.selected,
        foot,
        keys,
        theme,
    );
}

pub fn input_value(
    frame: &mut Frame,
    area: Rect,
    targets: &[BugRow],
    field: Field,
    input: &LineInput,
    error: Option<&str>,
    theme: &Theme,
) {
    let w = area.width.min(72);
    let inner_w = usize::from(w.saturating_sub(4));
    let (line, x) = input_line(input, inner_w, theme);
    let mut lines = vec![subject_line(targets, inner_w, theme), Line::default(), line];
    let help = match field {
        Field::Title => "one line, up to 200 characters".to_string(),
        _ => "hours, e.g. 4 or 2.5 — empty clears it".to_string(),
    };
    lines.push(Line::from(styled(help, theme.muted)));
    if let Some(e) = error {
        lines.push(Line::from(styled(clean(e).into_owned(), theme.bad)));
    }
    let h = super::popup::wrapped_height(&lines, w.saturating_sub(4)) + 2;
    let title = Line::from(styled(format!(" Set {} ", field.label()), theme.title));
    let keys = hint(&[("Enter", "set"), ("Esc", "cancel")], theme);
    let inner = popup_box(frame, area, w, h, title, keys, theme);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    frame.set_cursor_position(Position::new(inner.x + x, inner.y + 2));
}

/// The text area's lines around the cursor row, cursor drawn.
fn area_lines(area: &TextArea, w: usize, rows: usize, theme: &Theme) -> Vec<Line<'static>> {
    let first = area.row.saturating_sub(rows.saturating_sub(1));
    area.lines
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, l)| {
            if i == area.row {
                input_line(l, w, theme).0
            } else {
                Line::from(truncate(&clean(&l.text), w).into_owned())
            }
        })
        .collect()
}

pub fn write(frame: &mut Frame, area: Rect, app: &App, w: &Writing, theme: &Theme) {
    let width_ = area.width.min(80);
    let inner_w = usize::from(width_.saturating_sub(4));
    let (title, targets) = match &w.purpose {
        WritePurpose::Description(t) => (" Description ", t.clone()),
        WritePurpose::Comment(bug) => (" New comment ", vec![bug.clone()]),
    };
    let h = area.height.clamp(8, 16);
    let text_rows = usize::from(h.saturating_sub(6));
    let mut lines = vec![subject_line(&targets, inner_w, theme), Line::default()];
    lines.extend(area_lines(&w.area, inner_w, text_rows, theme));
    while lines.len() < 2 + text_rows {
        lines.push(Line::default());
    }
    let status = match (&w.error, &app.editor_request) {
        (Some(e), _) => styled(truncate(&clean(e), inner_w).into_owned(), theme.bad),
        (None, Some(_)) => styled("writing in $EDITOR…", theme.muted),
        (None, None) => styled(
            format!("line {} of {}", w.area.row + 1, w.area.lines.len()),
            theme.muted,
        ),
    };
    lines.push(Line::from(status));
    let keys = hint(
        &[("Enter", "new line"), ("Ctrl-s", "save"), ("Esc", "cancel")],
        theme,
    );
    let inner = popup_box(
        frame,
        area,
        width_,
        h,
        Line::from(styled(title, theme.title)),
        keys,
        theme,
    );
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn mark_all(frame: &mut Frame, area: Rect, app: &App, count: u64, capped: bool, theme: &Theme) {
    let filter = clean(&app.table.query.filter.summary()).into_owned();
    let mut text = vec![Line::from(vec![
        Span::raw("Mark "),
        styled(crate::format::count(count as i64), theme.title),
        Span::raw(" bugs of this filter?"),
    ])];
    text.push(Line::from(styled(filter, theme.muted)));
    if capped {
        text.push(Line::from(styled(
            format!(
                "the filter has more; the first {} in table order are marked",
                crate::format::count(count as i64)
            ),
            theme.warn,
        )));
    }
    text.push(Line::default());
    text.push(yes_no(theme));
    message(frame, area, " Mark all ", text, Line::default(), theme);
}

pub fn yes_no(theme: &Theme) -> Line<'static> {
    Line::from(vec![
        styled("y", theme.key),
        Span::raw(" = yes, "),
        styled("n", theme.key),
        Span::raw("/"),
        styled("Esc", theme.key),
        Span::raw(" = no"),
    ])
}

pub fn undo_confirm(frame: &mut Frame, area: Rect, label: &str, theme: &Theme) {
    let text = vec![
        Line::from(vec![
            Span::raw("Undo "),
            styled(clean(label).into_owned(), theme.title),
            Span::raw("?"),
        ]),
        Line::from(styled(
            "writes the old values back, as a new change in the history",
            theme.muted,
        )),
        Line::default(),
        yes_no(theme),
    ];
    message(frame, area, " Undo ", text, Line::default(), theme);
}
