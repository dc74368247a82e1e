//! The bug table. Columns are sized here rather than by the layout solver so
//! the title gets exactly the columns that are left, truncated with "…" by
//! display width; as the pane narrows, whole columns go (project, assignee,
//! age, priority, status) before the title gets cramped.

use super::grid::{Grid, window};
use super::text::{clean, count_label, styled, truncate, width};
use super::theme::{BLOCKER_MARK, BREACH_MARK, Theme, severity_tag};
use super::{pane_block, scrollbar};
use crate::app::model::BugRow;
use crate::app::mouse::ListHit;
use crate::app::state::{App, Connection};
use crate::domain::{format_duration_short, sla_state};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Number,
    Severity,
    Status,
    Title,
    Assignee,
    Project,
    Age,
    Sla,
    Priority,
}

const ORDER: [Col; 9] = [
    Col::Number,
    Col::Severity,
    Col::Status,
    Col::Title,
    Col::Assignee,
    Col::Project,
    Col::Age,
    Col::Sla,
    Col::Priority,
];
/// Which columns go first when space runs out.
const DROP_ORDER: [Col; 5] = [
    Col::Project,
    Col::Assignee,
    Col::Age,
    Col::Priority,
    Col::Status,
];
const TITLE_MIN: u16 = 20;
/// Before the number of a marked bug.
const MARK: &str = "✓";
const SPACING: u16 = 1;

impl Col {
    fn header(self) -> &'static str {
        match self {
            Col::Number => "Bug",
            Col::Severity => "Sev",
            Col::Status => "Status",
            Col::Title => "Title",
            Col::Assignee => "Assignee",
            Col::Project => "Project",
            Col::Age => "Age",
            Col::Sla => "SLA",
            Col::Priority => "Pri",
        }
    }

    fn width(self, number_w: u16) -> u16 {
        match self {
            Col::Number => number_w,
            Col::Severity => 4,
            Col::Status => 11,
            Col::Title => TITLE_MIN,
            Col::Assignee | Col::Project => 14,
            Col::Age => 7,
            // "! 9d 23h over", "  23h 59m left", "! 23h 59m over def"
            Col::Sla => 18,
            Col::Priority => 3,
        }
    }
}

/// The columns that fit in `inner_w`, with their widths; the title takes the rest.
fn columns(inner_w: u16, number_w: u16) -> Vec<(Col, u16)> {
    let mut cols: Vec<Col> = ORDER.to_vec();
    let fixed = |cols: &[Col]| -> u16 {
        let w: u16 = cols
            .iter()
            .filter(|c| **c != Col::Title)
            .map(|c| c.width(number_w))
            .sum();
        w + SPACING * (cols.len() as u16 - 1)
    };
    for drop in DROP_ORDER {
        if fixed(&cols) + TITLE_MIN <= inner_w {
            break;
        }
        cols.retain(|c| *c != drop);
    }
    let title_w = inner_w.saturating_sub(fixed(&cols));
    cols.into_iter()
        .map(|c| {
            (
                c,
                if c == Col::Title {
                    title_w
                } else {
                    c.width(number_w)
                },
            )
        })
        .collect()
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, focused: bool) {
    let t = &app.table;
    let sort = t.query.sort;
    let arrow = if sort.descending() { "↓" } else { "↑" };
    let drilled = crate::app::drill::active(app)
        .map(|k| format!("KPI {} ⇒ ", k.label()))
        .unwrap_or_default();
    let left = Line::from(vec![
        styled(" Bugs ", theme.title),
        styled("· ", theme.text),
        styled(drilled, theme.key),
        styled(
            format!("{} · ", clean(&t.query.filter.summary())),
            theme.text,
        ),
        styled(format!("{} {arrow} ", sort.key.label()), theme.key),
    ]);
    let mut right = vec![Span::raw(" ")];
    if !app.marks.is_empty() {
        let n = crate::format::count(app.marks.len() as i64);
        right.push(styled(format!("{n} marked "), theme.key));
        right.push(styled("· ", theme.muted));
    }
    if t.loading {
        right.push(styled("loading… ", theme.muted));
    }
    let pos = if t.rows.is_empty() {
        0
    } else {
        t.position() + 1
    };
    let pos = crate::format::count(pos as i64);
    match t.total {
        Some(total) => right.push(styled(
            format!("{pos} of {} ", count_label(total)),
            theme.text,
        )),
        None if !t.rows.is_empty() => right.push(styled(format!("{pos} "), theme.text)),
        None => {}
    }
    if t.total.is_some_and(|c| c.estimated) {
        right.push(styled("≈ estimate ", theme.muted));
    }
    if right.len() == 1 {
        right.clear();
    }
    let legend = Line::from(vec![
        styled(format!(" {BLOCKER_MARK}"), theme.blocker),
        styled(" blocker  ", theme.muted),
        styled(BREACH_MARK, theme.sla_breached),
        styled(" SLA breached ", theme.muted),
    ]);
    let block = pane_block(theme, focused, area.width, left, Line::from(right))
        .title_bottom(legend.right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    app.hits.table.set(Some(area));
    if inner.height == 0 || inner.width == 0 {
        return;
    }

    if t.rows.is_empty() {
        // Never say "no bugs match" before a query has answered.
        let (msg, style) = match &app.connection {
            Connection::Down { error, .. } => {
                (format!("waiting for the database — {error}"), theme.muted)
            }
            Connection::Full { status, .. } => (
                format!("waiting for a free connection — {status}"),
                theme.muted,
            ),
            _ if t.loading || t.anchor.is_none() => ("loading…".to_string(), theme.muted),
            _ => ("no bugs match — x clears filters".to_string(), theme.text),
        };
        frame.render_widget(
            Paragraph::new(styled(clean(&msg).into_owned(), style))
                .alignment(Alignment::Center)
                .wrap(ratatui::widgets::Wrap { trim: true }),
            Rect {
                y: inner.y + inner.height / 3,
                height: inner.height - inner.height / 3,
                ..inner
            },
        );
        return;
    }

    let number_w = t
        .rows
        .iter()
        .map(|r| width(&r.number))
        .max()
        .unwrap_or(0)
        .max(3) as u16
        + if app.marks.is_empty() { 0 } else { 2 };
    let cols = columns(inner.width, number_w);
    let header: Vec<Line> = cols.iter().map(|(c, _)| header_cell(*c)).collect();
    // Only the rows on screen are built, not the whole loaded window.
    let win = window(t.rows.len(), t.selected, inner.height);
    app.hits.table_rows.set(Some(ListHit {
        area: Rect {
            y: inner.y + 1,
            height: (win.rows.len() as u16).min(inner.height.saturating_sub(1)),
            ..inner
        },
        first: win.rows.start,
    }));
    let rows = t.rows[win.rows].iter().map(|r| row(r, &cols, app, theme));
    let widths: Vec<u16> = cols.iter().map(|(_, w)| *w).collect();
    Grid::new(&widths, SPACING, theme, focused).render(
        inner,
        frame.buffer_mut(),
        &header,
        rows,
        Some(win.selected),
    );

    if let Some(total) = t.total {
        scrollbar(
            frame,
            area,
            theme,
            focused,
            total.n as usize,
            t.position() as usize,
            win.visible,
        );
    }
}

fn header_cell(c: Col) -> Line<'static> {
    let text = Line::from(c.header());
    if c == Col::Priority {
        text.right_aligned()
    } else {
        text
    }
}

fn row<'a>(r: &'a BugRow, cols: &[(Col, u16)], app: &App, theme: &Theme) -> Vec<Line<'a>> {
    cols.iter()
        .map(|(c, w)| cell(r, *c, usize::from(*w), app, theme))
        .collect()
}

fn cell<'a>(r: &'a BugRow, c: Col, w: usize, app: &App, theme: &Theme) -> Line<'a> {
    let none = || Line::from(styled("—", theme.muted));
    match c {
        Col::Number if app.marks.is_empty() => Line::from(clean(&r.number).into_owned()),
        Col::Number if app.marks.contains(r.id) => Line::from(vec![
            styled(format!("{MARK} "), theme.key),
            Span::raw(clean(&r.number).into_owned()),
        ]),
        Col::Number => Line::from(format!("  {}", clean(&r.number))),
        Col::Severity => Line::from(styled(severity_tag(r.severity), theme.severity(r.severity))),
        Col::Status => Line::from(styled(r.status.as_str(), theme.text)),
        Col::Title => {
            let mut spans = Vec::with_capacity(2);
            let mut room = w;
            if r.is_blocker {
                spans.push(styled(format!("{BLOCKER_MARK} "), theme.blocker));
                room = room.saturating_sub(2);
            }
            spans.push(Span::raw(truncate(&clean(&r.title), room).into_owned()));
            Line::from(spans)
        }
        Col::Assignee => match &r.assignee {
            Some(a) => Line::from(truncate(&clean(a), w).into_owned()),
            None => none(),
        },
        Col::Project => match &r.project {
            Some(p) => Line::from(truncate(&clean(p), w).into_owned()),
            None => none(),
        },
        Col::Age => Line::from(styled(
            format_duration_short(app.now - r.created_at),
            theme.muted,
        )),
        Col::Sla => {
            let state = sla_state(r.status, r.created_at, r.sla_hours, app.now);
            // The mark takes the first two columns for every row so the
            // durations line up whether or not a row is breached.
            let mark = if state.is_overdue() { BREACH_MARK } else { " " };
            Line::from(styled(
                format!("{mark} {}", state.short_label()),
                theme.sla(&state),
            ))
        }
        Col::Priority => Line::from(r.priority.to_string()).right_aligned(),
    }
}
