//! The wide pane's sparklines, one monthly series per row, and the shared
//! scaling the compact pane's open-bugs trend also uses.

use crate::app::model::MonthPoint;
use crate::domain::Severity;
use crate::format::{count as n, money_short};
use crate::ui::text::styled;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Padding, Paragraph, Sparkline};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

fn dec(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

pub(super) fn series(trend: &[MonthPoint], f: impl Fn(&MonthPoint) -> f64) -> Vec<f64> {
    trend.iter().map(f).collect()
}

/// `data` resampled to `cols` points by linear interpolation and measured
/// from `floor`, so a backlog moving between 1,200 and 1,460 shows its shape
/// instead of twelve nearly equal full-height bars.
pub(super) fn stretch(data: &[f64], cols: usize, floor: f64) -> Vec<u64> {
    let n = data.len();
    (0..cols)
        .map(|j| {
            let v = if n < 2 || cols < 2 {
                data.first().copied().unwrap_or(0.0)
            } else {
                let pos = j as f64 * (n - 1) as f64 / (cols - 1) as f64;
                let (i, frac) = (pos.floor() as usize, pos.fract());
                let b = data.get(i + 1).copied().unwrap_or(data[i]);
                data[i] + (b - data[i]) * frac
            };
            ((v - floor).max(0.0) * 100.0).round() as u64
        })
        .collect()
}

/// The floor and ceiling a group of series shares, with a quarter of the
/// range below the minimum so the lowest month still shows a bar.
pub(super) fn bounds<'a>(series: impl IntoIterator<Item = &'a Vec<f64>>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for v in series.into_iter().flatten() {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    if lo > hi {
        return (0.0, 1.0);
    }
    let floor = (lo - (hi - lo).max(1.0) / 4.0).max(0.0);
    (floor, hi)
}

struct Trend {
    label: &'static str,
    data: Vec<f64>,
    latest: String,
    style: Style,
}

/// One sparkline per row, resampled to the full width of the pane.
pub(super) fn trends(frame: &mut Frame, area: Rect, trend: &[MonthPoint], theme: &Theme) {
    let block = Block::new()
        .borders(Borders::LEFT)
        .border_style(theme.border)
        .padding(Padding::horizontal(1));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(last) = trend.last() else {
        let msg = "no monthly history yet — trends appear after the first monthly rollup";
        frame.render_widget(Paragraph::new(styled(msg, theme.muted)), inner);
        return;
    };
    let open_label = if trend.len() == 12 {
        "Open, 12 months"
    } else {
        "Open, by month"
    };
    let rows = [
        Trend {
            label: open_label,
            data: series(trend, |p| p.open_total as f64),
            latest: n(last.open_total),
            style: theme.sparkline,
        },
        Trend {
            label: "Critical",
            data: series(trend, |p| p.critical as f64),
            latest: n(last.critical),
            style: theme.severity(Severity::Critical),
        },
        Trend {
            label: "Opened / month",
            data: series(trend, |p| p.created as f64),
            latest: n(last.created),
            style: theme.sparkline,
        },
        Trend {
            label: "Resolved / mo",
            data: series(trend, |p| p.resolved as f64),
            latest: n(last.resolved),
            style: theme.sparkline_alt,
        },
        Trend {
            label: "At risk / day",
            data: series(trend, |p| dec(p.revenue_at_risk_daily)),
            latest: money_short(last.revenue_at_risk_daily),
            style: theme.bad,
        },
        Trend {
            label: "Days to resolve",
            data: series(trend, |p| dec(p.avg_resolution_days)),
            latest: format!("{:.1}d", last.avg_resolution_days),
            style: theme.sparkline,
        },
    ];
    // Opened and resolved share a scale so the two can be compared by eye.
    let flow = bounds([&rows[2].data, &rows[3].data]);
    for (i, t) in rows.iter().enumerate() {
        let Some(y) = inner
            .y
            .checked_add(i as u16)
            .filter(|y| *y < inner.bottom())
        else {
            break;
        };
        let row = Rect {
            y,
            height: 1,
            ..inner
        };
        let [l, s, v] = row.layout(&Layout::horizontal([
            Constraint::Length(16),
            Constraint::Fill(1),
            Constraint::Length(9),
        ]));
        let (floor, hi) = if (2..=3).contains(&i) {
            flow
        } else {
            bounds([&t.data])
        };
        let data = stretch(&t.data, usize::from(s.width), floor);
        let max = ((hi - floor).max(0.01) * 100.0).round() as u64;
        frame.render_widget(Paragraph::new(styled(t.label, theme.label)), l);
        frame.render_widget(Sparkline::default().data(&data).max(max).style(t.style), s);
        let latest = Line::from(styled(t.latest.clone(), theme.text)).right_aligned();
        frame.render_widget(Paragraph::new(latest), v);
    }
}
