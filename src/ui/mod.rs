//! Drawing the dashboard: a pure function of `&App`, one file per pane.
//!
//! Wide (≥ 120×32):
//! ```text
//!  ctodash │ Ada Lovelace <ada@…> │ postgres://…            ● live · updated 3s ago
//! ┌ KPIs ──────────────────────────────────────────────────────── as of 11:59 UTC ┐
//! │ Open bugs 1,234 │ SLA breached ! 14 │ Opened, 7 d 312 │ At risk/mo … │ (All bugs │ Open ▁▂▃▅▆▇█ │
//! │   critical   12 │   of them def.  3 │ Resolved, 7 d … │ Valuation …  │  by status,│ Critical ▂▃▅ │
//! │   …  (6 rows)   │ SLA met …         │ …               │ ARR …        │  when room)│ …            │
//! └────────────────────────────────────────────────────────────────────────────────┘
//! ┏ Bugs · open · priority ↓ ─── 3 of 4,567 ┓┌ Detail · BUG-1001 ────────────────┐
//! ┃ Bug      Sev  Status  Title     …  SLA  ┃│ title, severity, SLA clock, money, │
//! ┃ BUG-1001 CRIT pending ■ Checkout …      ┃│ hours, description, history …      │
//! ┗━━━━━━━━━━━━━━━ (~60%) ━━━━━━━━━━━━━━━━━┛└────────────── (~40%) ─────────────┘
//! ┌ Portfolio · 8 projects ─────────────────────────────────────────── 1 of 8 ┐
//! │ Project  Status  ROI  Valuation  ARR  Infra/mo  Milestones  Open … Risk … │
//! └──────────────────────── (~35% of what is left) ──────────────────────────┘
//!  ✓ BUG-1001 → verified                ? help  / search  f filter  s status  q quit
//! ```
//!
//! Compact (≥ 60×16, below the wide size):
//! ```text
//!  ctodash │ Ada Lovelace                         ● live · updated 3s ago
//!  Open 1,234: CRIT 12 high 80 med 300 low 842 │ ■ 9 blockers │ 41 deferred
//!  ! 14 SLA breached (3 deferred) │ SLA met 94.37% · 30 d 91.25%
//!  At risk $12.5K/day ($375K/mo) │ Valuation $48.2M │ ARR $9.1M │ Infra $8.4K/mo
//!  7 days +312 opened / −298 resolved (+14) │ MTTR 2d 4h │ Open trend ▁▃▅▇
//!  Bugs │ Detail │ Portfolio │ KPIs                        Tab switches
//! ┏ the focused pane, full size ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
//! ┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┛
//!  notice                          ? help  / search  f filter  s status  q quit
//! ```
//! The compact KPIs tab shows the wide pane's four figure columns two by two
//! (`kpis::render_focused`), for drill-down. Smaller than 60×16: a centred
//! "terminal too small" message. Overlays (the trends chart `t` among them)
//! are drawn last, over whichever layout is showing.

mod bug_detail;
mod bug_table;
mod footer;
mod grid;
mod header;
mod help;
mod kpis;
mod popup;
mod popup_create;
mod popup_edit;
mod popup_refused;
mod portfolio;
mod text;
pub mod theme;
pub mod themes;
mod trends_chart;
mod view_tabs;

use crate::app::state::{App, Pane};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState, Tabs};
use text::{styled, truncate, truncate_line};
pub use theme::Theme;
pub use themes::ThemeName;

pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;
pub const WIDE_WIDTH: u16 = 120;
pub const WIDE_HEIGHT: u16 = 32;

/// Draws with the process-wide theme (NO_COLOR decided once).
pub fn render(frame: &mut Frame, app: &App) {
    render_with(frame, app, Theme::global());
}

/// Draws with an explicit theme; tests pass one so they do not depend on
/// the environment.
pub fn render_with(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    app.hits.clear();
    let Some(l) = layout(area, app.focus) else {
        too_small(frame, area, theme);
        return;
    };
    header::render(frame, l.head, app, theme);
    if let Some(tabs) = l.tabs {
        kpis::render_compact(frame, l.kpis, app, theme);
        tab_bar(frame, tabs, app, theme);
    } else {
        kpis::render_wide(frame, l.kpis, app, theme);
    }
    let focus = |pane| l.tabs.is_some() || app.focus == pane;
    if let Some(r) = l.views {
        view_tabs::render(frame, r, app, theme);
    }
    if let Some(r) = l.table {
        bug_table::render(frame, r, app, theme, focus(Pane::Bugs));
    }
    app.hits.tabs.set(l.tabs);
    app.hits.detail.set(l.detail);
    app.hits.portfolio.set(l.portfolio);
    if let Some(r) = l.detail {
        bug_detail::render(frame, r, app, theme, focus(Pane::Detail));
    }
    if let Some(r) = l.portfolio {
        portfolio::render(frame, r, app, theme, focus(Pane::Portfolio));
    }
    if let Some(r) = l.figures {
        kpis::render_focused(frame, r, app, theme);
    }
    footer::render(frame, l.foot, app, theme);
    popup::render(frame, l.body, l.table.unwrap_or(l.body), app, theme);
}

/// How many bug rows the table shows on a terminal of `size` (for paging).
/// In the compact layout this is the table's height when its tab is shown.
pub fn table_viewport(size: Rect) -> usize {
    let Some(l) = layout(size, Pane::Bugs) else {
        return 1;
    };
    // Borders and the column header.
    usize::from(l.table.map_or(0, |t| t.height.saturating_sub(3))).max(1)
}

/// Where everything goes; `None` when the terminal is too small. Panes not
/// shown (the other tabs of the compact layout) get no rectangle.
struct Areas {
    head: Rect,
    body: Rect,
    kpis: Rect,
    tabs: Option<Rect>,
    /// The saved views' tabs, the line above the bug table.
    views: Option<Rect>,
    table: Option<Rect>,
    detail: Option<Rect>,
    portfolio: Option<Rect>,
    /// The compact layout's KPIs tab: the figures to drill down from.
    figures: Option<Rect>,
    foot: Rect,
}

fn layout(area: Rect, focus: Pane) -> Option<Areas> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let [head, body, foot] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ]));
    if area.width >= WIDE_WIDTH && area.height >= WIDE_HEIGHT {
        let kpi_h = kpis::wide_height(area.height);
        let rest = body.height.saturating_sub(kpi_h);
        let portfolio_h = (rest * 35 / 100).max(6);
        let [kpis, middle, bottom] = body.layout(&Layout::vertical([
            Constraint::Length(kpi_h),
            Constraint::Fill(1),
            Constraint::Length(portfolio_h),
        ]));
        let [table, detail] = middle.layout(&Layout::horizontal([
            Constraint::Percentage(60),
            Constraint::Percentage(40),
        ]));
        let (views, table) = views_above(table);
        return Some(Areas {
            head,
            body,
            kpis,
            tabs: None,
            views: Some(views),
            table: Some(table),
            detail: Some(detail),
            portfolio: Some(bottom),
            figures: None,
            foot,
        });
    }
    let kpi_h = kpis::compact_lines(body.height);
    let [kpis, tabs, pane] = body.layout(&Layout::vertical([
        Constraint::Length(kpi_h),
        Constraint::Length(1),
        Constraint::Fill(1),
    ]));
    let only = |p: Pane| (focus == p).then_some(pane);
    let (views, table) = match only(Pane::Bugs) {
        Some(r) => {
            let (v, t) = views_above(r);
            (Some(v), Some(t))
        }
        None => (None, None),
    };
    Some(Areas {
        head,
        body,
        kpis,
        tabs: Some(tabs),
        views,
        table,
        detail: only(Pane::Detail),
        portfolio: only(Pane::Portfolio),
        figures: only(Pane::Kpis),
        foot,
    })
}

/// The line for the view tabs, and the table below it.
fn views_above(area: Rect) -> (Rect, Rect) {
    let [views, table] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
    ]));
    (views, table)
}

fn tab_bar(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let selected = Pane::ORDER.iter().position(|p| *p == app.focus);
    let tabs = Tabs::new(Pane::ORDER.iter().map(|p| p.title()))
        .select(selected)
        .style(theme.muted)
        .highlight_style(theme.tab_active)
        .divider(styled("│", theme.muted));
    frame.render_widget(tabs, area);
    let hint = Line::from(vec![
        styled("Tab", theme.key),
        styled(" switches pane ", theme.muted),
    ]);
    frame.render_widget(Paragraph::new(hint).alignment(Alignment::Right), area);
}

/// A pane's frame: thick and highlighted when focused; the title on the left
/// is cut (with "…") so it never runs into the one on the right.
pub(crate) fn pane_block<'a>(
    theme: &Theme,
    focused: bool,
    outer_w: u16,
    left: Line<'a>,
    right: Line<'a>,
) -> Block<'a> {
    let (style, kind) = theme.border_for(focused);
    let room = usize::from(outer_w.saturating_sub(2));
    let right = truncate_line(right, room);
    let left_room = room.saturating_sub(right.width() + usize::from(right.width() > 0));
    let mut block = Block::bordered()
        .border_type(kind)
        .border_style(style)
        .title(truncate_line(left, left_room));
    if right.width() > 0 {
        block = block.title_top(right.right_aligned());
    }
    block
}

/// A thumb on the pane's right border showing where the selection sits in the
/// whole result (not just the loaded window).
pub(crate) fn scrollbar(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    focused: bool,
    total: usize,
    position: usize,
    visible: usize,
) {
    if total <= visible || area.height < 5 {
        return;
    }
    let mut state = ScrollbarState::new(total)
        .position(position)
        .viewport_content_length(visible);
    let bar = Scrollbar::new(ScrollbarOrientation::VerticalRight)
        .begin_symbol(None)
        .end_symbol(None)
        .track_symbol(None)
        .thumb_symbol(if focused { "█" } else { "┃" })
        .thumb_style(if focused {
            theme.focus_border
        } else {
            theme.title
        });
    // Below the header row and above the bottom corner.
    let track = area.inner(Margin {
        vertical: 1,
        horizontal: 0,
    });
    let track = Rect {
        y: track.y + 1,
        height: track.height.saturating_sub(1),
        ..track
    };
    frame.render_stateful_widget(bar, track, &mut state);
}

fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let w = usize::from(area.width);
    let lines = [
        "terminal too small".to_string(),
        format!(
            "need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{}",
            area.width, area.height
        ),
    ];
    let lines: Vec<Line> = lines
        .iter()
        .take(usize::from(area.height))
        .map(|l| Line::from(Span::styled(truncate(l, w).into_owned(), theme.warn)))
        .collect();
    let h = lines.len() as u16;
    let y = area.y + (area.height - h) / 2;
    frame.render_widget(
        Paragraph::new(lines).alignment(Alignment::Center),
        Rect {
            y,
            height: h,
            ..area
        },
    );
}
