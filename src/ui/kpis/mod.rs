//! The KPI pane: the figures a CTO glances at, and their monthly trends.
//! Wide screens get a bordered pane of columns (open work; SLA and risk;
//! flow; money; all bugs by status, when there is room) beside the trends;
//! compact ones get two to four dense lines (`compact`).

mod compact;
mod trends;

pub use compact::{compact_lines, render_compact};

use super::text::{kv, styled, utc};
use super::theme::{BLOCKER_MARK, BREACH_MARK, Theme};
use crate::app::drill::{FigureCursor, drill};
use crate::app::model::KpiData;
use crate::app::state::{App, Pane};
use crate::domain::{BugStatus, Severity, format_duration_short};
use crate::format::{count as n, money, money_short};
use chrono::TimeDelta;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Padding, Paragraph};

/// Widths of the figure columns, rule and padding included.
const OPEN_W: u16 = 24;
const SLA_W: u16 = 30;
const FLOW_W: u16 = 28;
const MONEY_W: u16 = 31;
const STATUS_W: u16 = 24;
/// The four figure columns of [`GRID`], in order.
const FIGURE_WIDTHS: [u16; 4] = [OPEN_W, SLA_W, FLOW_W, MONEY_W];
/// Below this the sparklines say nothing (label 16 + value 9 + bars).
const TRENDS_MIN_W: u16 = 40;

/// The wide pane's height: six rows of figures, seven (room for all bugs by
/// status) on terminals tall enough that the table keeps its rows.
pub fn wide_height(term_h: u16) -> u16 {
    if term_h >= 40 { 9 } else { 8 }
}

/// Bordered pane for the wide layout.
pub fn render_wide(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus == Pane::Kpis;
    let as_of = app.kpis.as_ref().map_or_else(Line::default, |k| {
        Line::from(styled(
            format!(" as of {} ", utc(k.kpis.refreshed_at)),
            theme.muted,
        ))
    });
    let block = crate::ui::pane_block(
        theme,
        focused,
        area.width,
        title(app, theme, focused),
        as_of,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(k) = &app.kpis else {
        frame.render_widget(Paragraph::new(styled("loading…", theme.muted)), inner);
        return;
    };
    let (show_status, show_trends) = extras(inner);
    let mut widths = FIGURE_WIDTHS.to_vec();
    if show_status {
        widths.push(STATUS_W);
    }
    let mut constraints: Vec<Constraint> = widths.iter().map(|w| Constraint::Length(*w)).collect();
    constraints.push(Constraint::Fill(1));
    let areas = Layout::horizontal(constraints).split(inner);
    let cursor = focused.then_some(app.kpi_cursor);
    for (col, area) in areas[..4].iter().enumerate() {
        figure_column(frame, *area, k, theme, col, cursor, col > 0);
    }
    if show_status {
        let area = areas[4];
        let w = area.width.saturating_sub(3);
        column(frame, area, status_lines(k, theme, w), theme, true);
    }
    if show_trends {
        trends::trends(frame, areas[areas.len() - 1], &k.trend, theme);
    }
}

/// The pane's title; while focused it names the selected figure, so the
/// selection reads without colour too.
fn title(app: &App, theme: &Theme, focused: bool) -> Line<'static> {
    let mut spans = vec![styled(" KPIs ", theme.title)];
    if focused {
        let kpi = app.kpi_cursor.kpi();
        spans.push(styled(format!("· ▶ {} ", kpi.label()), theme.key));
        if let Some(d) = drill(kpi) {
            spans.push(styled(format!("· Enter: {} ", d.shows), theme.muted));
        }
    }
    Line::from(spans)
}

/// Column `col` of [`GRID`] (the first without a rule on its left), the
/// cursor's figure highlighted.
fn figure_column(
    frame: &mut Frame,
    area: Rect,
    k: &KpiData,
    theme: &Theme,
    col: usize,
    cursor: Option<FigureCursor>,
    rule: bool,
) {
    let w = if rule {
        area.width.saturating_sub(3)
    } else {
        area.width
    };
    let columns: [LinesFn; 4] = [open_lines, sla_lines, flow_lines, money_lines];
    let mut lines = columns[col](k, theme, w);
    if let Some(cur) = cursor.filter(|c| c.col == col)
        && let Some(line) = lines.get_mut(cur.row)
    {
        for span in &mut line.spans {
            span.style = span.style.patch(theme.selected_row);
        }
    }
    column(frame, area, lines, theme, rule);
}

/// The figure grid as a pane of its own (the compact layout's KPIs tab): the
/// four columns two by two, or the cursor's column alone when that does not
/// fit.
pub fn render_focused(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (border, kind) = theme.border_for(true);
    let block = Block::bordered()
        .border_type(kind)
        .border_style(border)
        .title(title(app, theme, false))
        .title_bottom(
            Line::from(vec![
                styled(" ←↑↓→", theme.key),
                styled(" choose  ", theme.muted),
                styled("Enter", theme.key),
                styled(" show its bugs ", theme.muted),
            ])
            .right_aligned(),
        );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(k) = &app.kpis else {
        frame.render_widget(Paragraph::new(styled("loading…", theme.muted)), inner);
        return;
    };
    let cur = app.kpi_cursor;
    let kpi = cur.kpi();
    let about = drill(kpi).map_or_else(String::new, |d| format!("Enter: {}", d.shows));
    let [grid, _, chosen] = inner.layout(&Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(u16::from(inner.height > 8)),
        Constraint::Length(2),
    ]));
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(styled(format!("▶ {}", kpi.label()), theme.key)),
            Line::from(styled(about, theme.muted)),
        ])
        .wrap(ratatui::widgets::Wrap { trim: true }),
        chosen,
    );
    let pair_w = |a: usize| FIGURE_WIDTHS[a] + FIGURE_WIDTHS[a + 1];
    let fits_2x2 = grid.width >= pair_w(0).max(pair_w(2)) && grid.height >= 12;
    if !fits_2x2 {
        let w = FIGURE_WIDTHS[cur.col].min(grid.width);
        let area = Rect { width: w, ..grid };
        figure_column(frame, area, k, theme, cur.col, Some(cur), false);
        return;
    }
    let [top, bottom] = grid.layout(&Layout::vertical([
        Constraint::Length(6),
        Constraint::Length(6),
    ]));
    for (row_area, first) in [(top, 0), (bottom, 2)] {
        let [a, b, _] = row_area.layout(&Layout::horizontal([
            Constraint::Length(FIGURE_WIDTHS[first]),
            Constraint::Length(FIGURE_WIDTHS[first + 1]),
            Constraint::Fill(1),
        ]));
        figure_column(frame, a, k, theme, first, Some(cur), false);
        figure_column(frame, b, k, theme, first + 1, Some(cur), true);
    }
}

/// Whether the all-bugs-by-status column and the trends fit beside the four
/// figure columns. Trends (the pane's history) come first; the status column
/// needs a header row plus one per status.
fn extras(inner: Rect) -> (bool, bool) {
    let left = inner
        .width
        .saturating_sub(OPEN_W + SLA_W + FLOW_W + MONEY_W);
    let status_fits_rows = usize::from(inner.height) > BugStatus::ALL.len();
    if status_fits_rows && left >= STATUS_W + TRENDS_MIN_W {
        (true, true)
    } else if left >= TRENDS_MIN_W {
        (false, true)
    } else {
        (status_fits_rows && left >= STATUS_W, false)
    }
}

type LinesFn = fn(&KpiData, &Theme, u16) -> Vec<Line<'static>>;

fn column(frame: &mut Frame, area: Rect, lines: Vec<Line<'static>>, theme: &Theme, rule: bool) {
    let block = if rule {
        Block::new()
            .borders(Borders::LEFT)
            .border_style(theme.border)
            .padding(Padding::left(1))
    } else {
        Block::new()
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn open_lines(k: &KpiData, theme: &Theme, w: u16) -> Vec<Line<'static>> {
    let w = usize::from(w).saturating_sub(1);
    let mut lines = vec![kv(
        styled("Open bugs", theme.title),
        styled(n(k.kpis.open_total), theme.title),
        w,
    )];
    for sev in Severity::ALL {
        let label = format!("  {}", sev.as_str());
        let value = n(k.kpis.open_by_severity.get(sev));
        lines.push(kv(
            styled(label, theme.severity(sev)),
            styled(value, theme.text),
            w,
        ));
    }
    lines.push(kv(
        styled("  deferred", theme.muted),
        styled(n(k.kpis.deferred), theme.muted),
        w,
    ));
    lines
}

/// Label on the left, value flush right, one line each.
fn figures(items: Vec<(&'static str, String, Style)>, theme: &Theme, w: u16) -> Vec<Line<'static>> {
    let w = usize::from(w);
    items
        .into_iter()
        .map(|(label, value, style)| kv(styled(label, theme.label), styled(value, style), w))
        .collect()
}

/// A percentage with two decimals: "97.12%".
pub(super) fn pct(p: f64) -> String {
    format!("{p:.2}%")
}

/// Breaches first (deferred ones included, their share beneath), then how
/// often the SLA was met, then what is blocking and what it costs.
fn sla_lines(k: &KpiData, theme: &Theme, w: u16) -> Vec<Line<'static>> {
    let k = &k.kpis;
    let alarm = |v: i64| if v > 0 { theme.bad } else { theme.good };
    let items = vec![
        (
            "SLA breached",
            format!("{BREACH_MARK} {}", n(k.sla_breached)),
            alarm(k.sla_breached),
        ),
        (
            "  of them deferred",
            n(k.sla_breached_deferred),
            theme.muted,
        ),
        ("SLA met", pct(k.sla_compliance_pct), theme.text),
        ("  last 30 days", pct(k.sla_compliance_pct_30d), theme.text),
        (
            "Blockers",
            format!("{BLOCKER_MARK} {}", n(k.blockers)),
            alarm(k.blockers),
        ),
        ("At risk / day", money(k.revenue_at_risk_daily), theme.bad),
    ];
    figures(items, theme, w)
}

fn flow_lines(k: &KpiData, theme: &Theme, w: u16) -> Vec<Line<'static>> {
    let k = &k.kpis;
    let net = k.opened_last_7d - k.resolved_last_7d;
    // A growing backlog is the bad direction.
    let net_style = if net > 0 { theme.bad } else { theme.good };
    let items = vec![
        ("Opened, 7 days", n(k.opened_last_7d), theme.text),
        ("Resolved, 7 days", n(k.resolved_last_7d), theme.text),
        ("Backlog change", signed(net), net_style),
        (
            "Resolve, 30 days",
            mttr(k.mean_time_to_resolve_hours),
            theme.text,
        ),
        (
            "Resolve, all time",
            mttr(k.mean_time_to_resolve_hours_all),
            theme.text,
        ),
        ("Eng. cost", money_short(k.engineering_cost), theme.text),
    ];
    figures(items, theme, w)
}

fn money_lines(k: &KpiData, theme: &Theme, w: u16) -> Vec<Line<'static>> {
    let k = &k.kpis;
    let projects = format!(
        "{} · {} shipped",
        n(k.projects_total),
        n(k.projects_shipped)
    );
    let items = vec![
        (
            "At risk / month",
            money(k.revenue_at_risk_monthly),
            theme.bad,
        ),
        ("Valuation", money(k.portfolio_valuation), theme.text),
        ("ARR", money(k.arr_total), theme.text),
        ("Infra / month", money(k.monthly_infra_cost), theme.text),
        ("Projects", projects, theme.text),
        ("Year-3 revenue", money(k.year3_revenue_total), theme.text),
    ];
    figures(items, theme, w)
}

/// Every bug, resolved ones included, by status.
fn status_lines(k: &KpiData, theme: &Theme, w: u16) -> Vec<Line<'static>> {
    let b = &k.kpis.by_status;
    let total: i64 = BugStatus::ALL.iter().map(|s| b.get(*s)).sum();
    let w = usize::from(w);
    let mut lines = vec![kv(
        styled("All bugs", theme.title),
        styled(n(total), theme.title),
        w,
    )];
    for s in BugStatus::ALL {
        let style = if s.is_open() { theme.text } else { theme.muted };
        lines.push(kv(
            styled(format!("  {}", s.as_str()), theme.label),
            styled(n(b.get(s)), style),
            w,
        ));
    }
    lines
}

pub(super) fn mttr(hours: Option<f64>) -> String {
    hours.map_or_else(
        || "—".into(),
        |h| format_duration_short(TimeDelta::minutes((h * 60.0) as i64)),
    )
}

/// A signed count with thousands separators: +10,421 / −312 / 0.
pub(super) fn signed(v: i64) -> String {
    let sign = match v.signum() {
        1 => "+",
        -1 => "−",
        _ => "",
    };
    format!("{sign}{}", crate::format::count(v.abs()))
}
