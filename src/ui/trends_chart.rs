//! The full-screen trends chart (`t`): one chart of the monthly rollups at a
//! time, with labelled axes and a legend line. Every series has its own
//! marker (`•`, `+`), so the chart reads the same without colour.

use super::text::{styled, truncate};
use super::theme::Theme;
use crate::app::model::MonthPoint;
use crate::app::state::App;
use crate::app::trends::{Kind, VIEWS, View};
use crate::format::{count, money_short};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Clear, Dataset, GraphType, Paragraph, Wrap};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

/// One marker per series, in order; the legend shows the same character.
const MARKERS: [char; 3] = ['•', '+', 'x'];

pub fn render(frame: &mut Frame, area: Rect, app: &App, view: usize, theme: &Theme) {
    let view_def = &VIEWS[view.min(VIEWS.len() - 1)];
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_style(theme.focus_border)
        .title(styled(" Trends · monthly rollups ", theme.title))
        .title_bottom(
            Line::from(vec![
                styled(" 1-4", theme.key),
                styled(" / ", theme.muted),
                styled("← →", theme.key),
                styled(" switch chart  ", theme.muted),
                styled("Esc", theme.key),
                styled(" close ", theme.muted),
            ])
            .right_aligned(),
        );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [tabs, chart, legend] = inner.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ]));
    frame.render_widget(view_tabs(view, theme, usize::from(tabs.width)), tabs);
    let trend = app.kpis.as_ref().map_or(&[][..], |k| &k.trend[..]);
    if trend.is_empty() {
        let text = "No monthly rollups yet. `ctodash snapshot` computes the current month \
                    (run it nightly from cron); the demo data comes with a year of them.";
        frame.render_widget(
            Paragraph::new(styled(text, theme.muted)).wrap(Wrap { trim: true }),
            chart,
        );
        return;
    }
    let data: Vec<Vec<(f64, f64)>> = view_def
        .series
        .iter()
        .map(|s| {
            trend
                .iter()
                .enumerate()
                .map(|(i, p)| (i as f64, (s.value)(p)))
                .collect()
        })
        .collect();
    let datasets = view_def
        .series
        .iter()
        .zip(&data)
        .enumerate()
        .map(|(i, (s, points))| {
            Dataset::default()
                .name(s.name)
                .marker(Marker::Custom(MARKERS[i % MARKERS.len()]))
                .graph_type(GraphType::Line)
                .style(if i == 0 {
                    theme.sparkline
                } else {
                    theme.sparkline_alt
                })
                .data(points)
        })
        .collect();
    let (y_min, y_max) = y_bounds(data.iter().flatten().map(|p| p.1));
    let y_label = |v: f64| styled(axis_value(view_def, v), theme.label);
    let last = trend.len().saturating_sub(1);
    let x_labels: Vec<Span> = [0, last / 2, last]
        .into_iter()
        .map(|i| styled(month(&trend[i]), theme.label))
        .collect();
    let chart_widget = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .title(styled("month", theme.muted))
                .bounds([0.0, last.max(1) as f64])
                .labels(x_labels),
        )
        .y_axis(
            Axis::default()
                .title(styled(view_def.unit, theme.muted))
                .bounds([y_min, y_max])
                .labels([
                    y_label(y_min),
                    y_label((y_min + y_max) / 2.0),
                    y_label(y_max),
                ]),
        )
        .legend_position(None);
    frame.render_widget(chart_widget, chart);
    frame.render_widget(
        legend_line(view_def, trend, theme, usize::from(legend.width)),
        legend,
    );
}

/// "1 Opened and resolved │ 2 Backlog │ …", the shown one reversed; short
/// names when the line is narrow.
fn view_tabs(current: usize, theme: &Theme, w: usize) -> Line<'static> {
    let build = |short: bool| {
        let mut spans = vec![Span::raw(" ")];
        for (i, v) in VIEWS.iter().enumerate() {
            if i > 0 {
                spans.push(styled(" │ ", theme.muted));
            }
            let name = if short { v.short } else { v.title };
            let style = if i == current {
                theme.tab_active
            } else {
                theme.muted
            };
            spans.push(styled(format!("{} {name}", i + 1), style));
        }
        Line::from(spans)
    };
    let full = build(false);
    if full.width() <= w { full } else { build(true) }
}

/// "• opened 1,234 · + resolved 1,198 (2026-11)": each series' marker, name
/// and latest value.
fn legend_line(view: &View, trend: &[MonthPoint], theme: &Theme, w: usize) -> Line<'static> {
    let Some(latest) = trend.last() else {
        return Line::default();
    };
    let mut spans = vec![Span::raw(" ")];
    for (i, s) in view.series.iter().enumerate() {
        if i > 0 {
            spans.push(styled("   ", theme.muted));
        }
        let style = if i == 0 {
            theme.sparkline
        } else {
            theme.sparkline_alt
        };
        spans.push(styled(MARKERS[i % MARKERS.len()].to_string(), style));
        spans.push(styled(format!(" {} ", s.name), theme.label));
        spans.push(styled(axis_value(view, (s.value)(latest)), theme.title));
    }
    spans.push(styled(format!("  ({})", month(latest)), theme.muted));
    let line = Line::from(spans);
    if line.width() <= w {
        line
    } else {
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        Line::from(styled(truncate(&text, w).into_owned(), theme.label))
    }
}

/// The y range: the data's own, with a margin, so a backlog moving between
/// 1,200 and 1,460 shows its shape instead of a flat line near the top; it
/// never goes below zero, and a flat series gets a band around its value.
fn y_bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return (0.0, 1.0);
    }
    let margin = ((hi - lo) * 0.15).max(hi.abs() * 0.05).max(1.0);
    ((lo - margin).max(0.0), hi + margin)
}

fn month(p: &MonthPoint) -> String {
    p.month.format("%Y-%m").to_string()
}

fn axis_value(view: &View, v: f64) -> String {
    match view.kind {
        Kind::Money => money_short(Decimal::from_f64(v).unwrap_or_default()),
        Kind::Days => format!("{v:.1}"),
        Kind::Count => count(v.round() as i64),
    }
}
