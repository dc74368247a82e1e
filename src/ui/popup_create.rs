//! The new-bug form: one line per field, the focused one highlighted; a
//! picker field shows what is typed and the choice it currently lands on.

use super::popup::{hint, popup_box};
use super::text::{clean, pad, styled, truncate};
use super::theme::Theme;
use crate::app::create::{CreateForm, FormField};
use crate::app::forms::Picker;
use crate::app::state::App;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

const LABEL_W: usize = 13;

/// "typed → Grace Hopper <grace@…>  (3 match)" for a focused picker, the
/// choice alone otherwise.
fn picker_value<T: Clone>(p: &Picker<T>, focused: bool) -> String {
    let visible = p.visible();
    let picked = visible
        .get(p.selected)
        .map_or("(nothing matches)".to_string(), |c| c.label.clone());
    if !focused {
        return picked;
    }
    let typed = &p.filter.text;
    let more = if visible.len() > 1 {
        format!("  ↑↓ {} of {}", p.selected + 1, visible.len())
    } else {
        String::new()
    };
    if typed.is_empty() {
        format!("{picked}{more}")
    } else {
        format!("{typed} → {picked}{more}")
    }
}

fn value(form: &CreateForm, f: FormField, focused: bool) -> String {
    match f {
        FormField::Title => form.title.text.clone(),
        FormField::Severity => picker_value(&form.severity, focused),
        FormField::Project => picker_value(&form.project, focused),
        FormField::Assignee => picker_value(&form.assignee, focused),
        FormField::Blocker => if form.blocker { "[x] yes" } else { "[ ] no" }.into(),
        FormField::Description => String::new(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, form: &CreateForm, theme: &Theme) {
    let w = area.width.min(78);
    let inner_w = usize::from(w.saturating_sub(4));
    let value_w = inner_w.saturating_sub(LABEL_W);
    let mut lines = vec![];
    for (i, f) in FormField::ORDER.iter().enumerate() {
        let focused = i == form.focus;
        let marker = if focused { "▶ " } else { "  " };
        let label = styled(pad(&format!("{marker}{}", f.label()), LABEL_W), theme.label);
        let mut text = clean(&value(form, *f, focused)).into_owned();
        if focused && *f == FormField::Title {
            text = super::text::tail(&text, value_w.saturating_sub(1)).to_string();
            text.push('▏');
        }
        let mut line = Line::from(vec![
            label,
            Span::raw(truncate(&text, value_w).into_owned()),
        ]);
        if focused && *f != FormField::Description {
            line = line.style(theme.selected_row);
        }
        lines.push(line);
    }
    // The description's own lines, below its label.
    let rows = usize::from(area.height.saturating_sub(14).clamp(2, 6));
    let d = &form.description;
    let first = d.row.saturating_sub(rows - 1);
    for (i, l) in d.lines.iter().enumerate().skip(first).take(rows) {
        let mut text = clean(&l.text).into_owned();
        if form.field() == FormField::Description && i == d.row {
            text.push('▏');
        }
        lines.push(Line::from(vec![
            Span::raw(" ".repeat(LABEL_W)),
            Span::raw(truncate(&text, value_w).into_owned()),
        ]));
    }
    for _ in d.lines.len().saturating_sub(first)..rows {
        lines.push(Line::from(vec![
            Span::raw(" ".repeat(LABEL_W)),
            styled("·", theme.muted),
        ]));
    }
    lines.push(Line::default());
    let status = match (&form.error, app.users.is_none()) {
        (Some(e), _) => styled(truncate(&clean(e), inner_w).into_owned(), theme.bad),
        (None, true) => styled("loading users…", theme.muted),
        (None, false) => styled(
            "type to narrow a list · Space: blocker · Enter: next field",
            theme.muted,
        ),
    };
    lines.push(Line::from(status));
    let keys = hint(
        &[
            ("Tab", "next field"),
            ("Ctrl-s", "create"),
            ("Esc", "cancel"),
        ],
        theme,
    );
    let title = Line::from(styled(" New bug ", theme.title));
    let h = lines.len() as u16 + 2;
    let inner = popup_box(frame, area, w, h, title, keys, theme);
    frame.render_widget(Paragraph::new(lines), inner);
}
