//! The compact layout's KPI lines, most important first; a line's segments
//! that do not fit are left out whole. At 80×24 there are four lines: open
//! work, SLA, money, flow.

use super::trends::{bounds, series, stretch};
use super::{mttr, pct, signed};
use crate::app::state::App;
use crate::domain::{BugStatus, Severity};
use crate::format::{count as n, money_short};
use crate::ui::text::{fit_segments, spark_text, styled};
use crate::ui::theme::{BLOCKER_MARK, BREACH_MARK, Theme, severity_tag};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;

pub fn render_compact(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let w = usize::from(area.width);
    let Some(data) = &app.kpis else {
        frame.render_widget(Paragraph::new(styled(" KPIs loading…", theme.muted)), area);
        return;
    };
    let k = &data.kpis;
    let sep = || styled(" │ ", theme.muted);
    let alarm = |v: i64| if v > 0 { theme.bad } else { theme.good };

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
    let line_open = fit_segments(
        vec![
            open,
            vec![styled(
                format!("{BLOCKER_MARK} {} blockers", n(k.blockers)),
                alarm(k.blockers),
            )],
            vec![styled(format!("{} deferred", n(k.deferred)), theme.muted)],
        ],
        sep(),
        w,
    );

    let mut statuses = vec![styled("All ", theme.label)];
    for (i, s) in BugStatus::ALL.into_iter().enumerate() {
        let gap = if i == 0 { "" } else { " " };
        statuses.push(styled(format!("{gap}{} ", s.as_str()), theme.muted));
        statuses.push(Span::raw(n(k.by_status.get(s))));
    }
    let line_sla = fit_segments(
        vec![
            vec![
                styled(
                    format!(" {BREACH_MARK} {} SLA breached", n(k.sla_breached)),
                    alarm(k.sla_breached),
                ),
                styled(
                    format!(" ({} deferred)", n(k.sla_breached_deferred)),
                    theme.muted,
                ),
            ],
            vec![
                styled("SLA met ", theme.label),
                Span::raw(pct(k.sla_compliance_pct)),
                styled(" · 30 d ", theme.muted),
                Span::raw(pct(k.sla_compliance_pct_30d)),
            ],
            statuses,
        ],
        sep(),
        w,
    );

    let line_money = fit_segments(
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
                styled("ARR ", theme.label),
                Span::raw(money_short(k.arr_total)),
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
    segs.push(vec![
        styled("MTTR all time ", theme.label),
        Span::raw(mttr(k.mean_time_to_resolve_hours_all)),
    ]);
    let line_flow = fit_segments(segs, sep(), w);

    let lines = [line_open, line_sla, line_money, line_flow];
    let shown = usize::from(area.height).clamp(1, lines.len());
    frame.render_widget(Paragraph::new(lines[..shown].to_vec()), area);
}

/// How many KPI lines the compact layout gives the pane for a body of
/// `body_h` rows: as many (two to four) as leave the bug table a dozen rows
/// (tab bar 1, table borders and header 3).
pub fn compact_lines(body_h: u16) -> u16 {
    body_h.saturating_sub(1 + 3 + 12).clamp(2, 4)
}
