//! The KPI pane: the figures a CTO glances at, and their monthly trends.
//! Wide screens get a bordered pane with four columns (open work, risk and
//! money, flow, trends); compact ones get two or three dense lines.

use super::text::{fit_segments, kv, spark_text, styled, utc};
use super::theme::{BLOCKER_MARK, BREACH_MARK, Theme, severity_tag};
use crate::app::model::{KpiData, MonthPoint};
use crate::app::state::App;
use crate::domain::{Severity, format_duration_short};
use crate::format::{count as n, money, money_short};
use chrono::TimeDelta;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Padding, Paragraph, Sparkline};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Bordered pane for the wide layout.
pub fn render_wide(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut block = Block::bordered()
        .border_style(theme.border)
        .title(styled(" KPIs ", theme.title));
    if let Some(k) = &app.kpis {
        block = block.title_top(
            Line::from(styled(
                format!(" as of {} ", utc(k.kpis.refreshed_at)),
                theme.muted,
            ))
            .right_aligned(),
        );
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(k) = &app.kpis else {
        frame.render_widget(Paragraph::new(styled("loading…", theme.muted)), inner);
        return;
    };
    let [open, money_col, flow, trend] = inner.layout(&Layout::horizontal([
        Constraint::Length(24),
        Constraint::Length(30),
        Constraint::Length(28),
        Constraint::Fill(1),
    ]));
    column(frame, open, open_lines(k, theme, open.width), theme, false);
    let cols = [(money_col, money_lines as LinesFn), (flow, flow_lines)];
    for (area, lines) in cols {
        // Rule and padding on the left, one blank before the next rule.
        let w = area.width.saturating_sub(3);
        column(frame, area, lines(k, theme, w), theme, true);
    }
    trends(frame, trend, &k.trend, theme);
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

fn money_lines(k: &KpiData, theme: &Theme, w: u16) -> Vec<Line<'static>> {
    let k = &k.kpis;
    let alarm = |v: i64| if v > 0 { theme.bad } else { theme.good };
    let items = vec![
        (
            "SLA breached",
            format!("{BREACH_MARK} {}", n(k.sla_breached)),
            alarm(k.sla_breached),
        ),
        (
            "Blockers",
            format!("{BLOCKER_MARK} {}", n(k.blockers)),
            alarm(k.blockers),
        ),
        ("At risk / day", money(k.revenue_at_risk_daily), theme.bad),
        (
            "At risk / month",
            money(k.revenue_at_risk_monthly),
            theme.bad,
        ),
        ("Valuation", money(k.portfolio_valuation), theme.text),
        ("Infra / month", money(k.monthly_infra_cost), theme.text),
    ];
    figures(items, theme, w)
}

fn flow_lines(k: &KpiData, theme: &Theme, w: u16) -> Vec<Line<'static>> {
    let k = &k.kpis;
    let net = k.opened_last_7d - k.resolved_last_7d;
    // A growing backlog is the bad direction.
    let net_style = if net > 0 { theme.bad } else { theme.good };
    let projects = format!(
        "{} · {} shipped",
        n(k.projects_total),
        n(k.projects_shipped)
    );
    let items = vec![
        ("Opened, 7 days", n(k.opened_last_7d), theme.text),
        ("Resolved, 7 days", n(k.resolved_last_7d), theme.text),
        ("Backlog change", signed(net), net_style),
        (
            "Mean to resolve",
            mttr(k.mean_time_to_resolve_hours),
            theme.text,
        ),
        ("Eng. cost", money_short(k.engineering_cost), theme.text),
        ("Projects", projects, theme.text),
    ];
    figures(items, theme, w)
}

fn mttr(hours: Option<f64>) -> String {
    hours.map_or_else(
        || "—".into(),
        |h| format_duration_short(TimeDelta::minutes((h * 60.0) as i64)),
    )
}

fn dec(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn series(trend: &[MonthPoint], f: impl Fn(&MonthPoint) -> f64) -> Vec<f64> {
    trend.iter().map(f).collect()
}

/// `data` resampled to `cols` points by linear interpolation and measured
/// from `floor`, so a backlog moving between 1,200 and 1,460 shows its shape
/// instead of twelve nearly equal full-height bars.
fn stretch(data: &[f64], cols: usize, floor: f64) -> Vec<u64> {
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
fn bounds<'a>(series: impl IntoIterator<Item = &'a Vec<f64>>) -> (f64, f64) {
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
fn trends(frame: &mut Frame, area: Rect, trend: &[MonthPoint], theme: &Theme) {
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

/// Two or three dense lines for the compact layout, most important first;
/// segments that do not fit are left out whole.
pub fn render_compact(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let w = usize::from(area.width);
    let Some(data) = &app.kpis else {
        frame.render_widget(Paragraph::new(styled(" KPIs loading…", theme.muted)), area);
        return;
    };
    let k = &data.kpis;
    let sep = || styled(" │ ", theme.muted);
    let mut open = vec![
        styled(" Open ", theme.label),
        styled(n(k.open_total), theme.title),
        Span::raw(":"),
    ];
    for sev in Severity::ALL {
        open.push(Span::raw(" "));
        open.push(styled(severity_tag(sev), theme.severity(sev)));
        open.push(Span::raw(format!(" {}", n(k.open_by_severity.get(sev)))));
    }
    let alarm = |v: i64| if v > 0 { theme.bad } else { theme.good };
    let line1 = fit_segments(
        vec![
            open,
            vec![styled(
                format!("{BREACH_MARK} {} SLA breached", n(k.sla_breached)),
                alarm(k.sla_breached),
            )],
            vec![styled(
                format!("{BLOCKER_MARK} {} blockers", n(k.blockers)),
                alarm(k.blockers),
            )],
            vec![styled(format!("{} deferred", n(k.deferred)), theme.muted)],
        ],
        sep(),
        w,
    );
    let line2 = fit_segments(
        vec![
            vec![
                styled(" At risk ", theme.label),
                styled(
                    format!("{}/day", money_short(k.revenue_at_risk_daily)),
                    theme.bad,
                ),
                styled(
                    format!(" ({}/mo)", money_short(k.revenue_at_risk_monthly)),
                    theme.muted,
                ),
            ],
            vec![
                styled("Valuation ", theme.label),
                Span::raw(money_short(k.portfolio_valuation)),
            ],
            vec![
                styled("Infra ", theme.label),
                Span::raw(format!("{}/mo", money_short(k.monthly_infra_cost))),
            ],
        ],
        sep(),
        w,
    );
    let net = k.opened_last_7d - k.resolved_last_7d;
    let mut segs = vec![
        vec![
            styled(" 7 days ", theme.label),
            Span::raw(format!(
                "+{} opened / −{} resolved ",
                n(k.opened_last_7d),
                n(k.resolved_last_7d)
            )),
            styled(
                format!("({})", signed(net)),
                if net > 0 { theme.bad } else { theme.good },
            ),
        ],
        vec![
            styled("MTTR ", theme.label),
            Span::raw(mttr(k.mean_time_to_resolve_hours)),
        ],
    ];
    if !data.trend.is_empty() {
        let open_trend = series(&data.trend, |p| p.open_total as f64);
        let (floor, _) = bounds([&open_trend]);
        let points = stretch(&open_trend, open_trend.len(), floor);
        segs.push(vec![
            styled("Open trend ", theme.label),
            styled(spark_text(&points), theme.sparkline),
        ]);
    }
    let line3 = fit_segments(segs, sep(), w);
    let lines = if area.height >= 3 {
        vec![line1, line2, line3]
    } else {
        vec![line1, line2]
    };
    frame.render_widget(Paragraph::new(lines), area);
}

/// A signed count with thousands separators: +10,421 / −312 / 0.
fn signed(v: i64) -> String {
    let sign = match v.signum() {
        1 => "+",
        -1 => "−",
        _ => "",
    };
    format!("{sign}{}", crate::format::count(v.abs()))
}
