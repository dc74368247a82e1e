//! The portfolio pane: one row per project with money, milestone progress,
//! bug counts and risk. Wide screens spread the columns out instead of
//! stretching the name; narrow ones drop the money columns first.

use super::grid::{Grid, window};
use super::pane_block;
use super::text::{clean, styled, truncate, width};
use super::theme::Theme;
use crate::app::model::ProjectRow;
use crate::app::state::App;
use crate::domain::Severity;
use crate::format::{count, money_short};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Name,
    Status,
    Roi,
    Valuation,
    Arr,
    Infra,
    Milestones,
    Open,
    Critical,
    Blockers,
    Risk,
    Factors,
    Health,
}

const ORDER: [Col; 13] = [
    Col::Name,
    Col::Status,
    Col::Roi,
    Col::Valuation,
    Col::Arr,
    Col::Infra,
    Col::Milestones,
    Col::Open,
    Col::Critical,
    Col::Blockers,
    Col::Risk,
    Col::Factors,
    Col::Health,
];
const DROP_ORDER: [Col; 9] = [
    Col::Factors,
    Col::Infra,
    Col::Arr,
    Col::Roi,
    Col::Status,
    Col::Health,
    Col::Blockers,
    Col::Valuation,
    Col::Milestones,
];
const NAME_MIN: u16 = 14;
const NAME_MAX: u16 = 30;
const BAR_MIN: u16 = 5;
const BAR_MAX: u16 = 16;
/// " 12/12" after the bar.
const MILESTONE_TEXT: u16 = 6;

impl Col {
    fn header(self) -> &'static str {
        match self {
            Col::Name => "Project",
            Col::Status => "Status",
            Col::Roi => "ROI",
            Col::Valuation => "Valuation",
            Col::Arr => "ARR",
            Col::Infra => "Infra/mo",
            Col::Milestones => "Milestones",
            Col::Open => "Open",
            Col::Critical => "Crit",
            Col::Blockers => "Blk",
            Col::Risk => "Risk",
            Col::Factors => "Risk factors",
            Col::Health => "Health",
        }
    }

    fn width(self) -> u16 {
        match self {
            Col::Name => NAME_MIN,
            Col::Status => 9,
            Col::Roi => 6,
            Col::Valuation => 9,
            Col::Arr | Col::Infra => 8,
            Col::Milestones => BAR_MIN + MILESTONE_TEXT,
            Col::Open => 5,
            Col::Critical => 4,
            Col::Blockers => 3,
            Col::Risk => 12,
            // "bugs 100 idle 100 late 100"
            Col::Factors => 26,
            Col::Health => 6,
        }
    }

    fn numeric(self) -> bool {
        !matches!(
            self,
            Col::Name | Col::Status | Col::Milestones | Col::Risk | Col::Factors
        )
    }
}

struct Fit {
    cols: Vec<(Col, u16)>,
    spacing: u16,
    bar: u16,
}

fn fit(inner_w: u16, longest_name: u16) -> Fit {
    let mut cols = ORDER.to_vec();
    let fixed = |cols: &[Col]| -> u16 {
        cols.iter().map(|c| c.width()).sum::<u16>() + cols.len() as u16 - 1
    };
    for drop in DROP_ORDER {
        if fixed(&cols) <= inner_w {
            break;
        }
        cols.retain(|c| *c != drop);
    }
    let mut slack = inner_w.saturating_sub(fixed(&cols));
    let name_extra = slack.min(longest_name.clamp(NAME_MIN, NAME_MAX) - NAME_MIN);
    slack -= name_extra;
    let bar_extra = slack.min(BAR_MAX - BAR_MIN) * u16::from(cols.contains(&Col::Milestones));
    slack -= bar_extra;
    let gaps = cols.len() as u16 - 1;
    let spacing = 1 + (slack / gaps.max(1)).min(3);
    let cols = cols
        .into_iter()
        .map(|c| {
            let w = match c {
                Col::Name => NAME_MIN + name_extra,
                Col::Milestones => c.width() + bar_extra,
                _ => c.width(),
            };
            (c, w)
        })
        .collect();
    Fit {
        cols,
        spacing,
        bar: BAR_MIN + bar_extra,
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, focused: bool) {
    let p = &app.portfolio;
    let mut left = Line::from(styled(" Portfolio ", theme.title));
    if !p.rows.is_empty() {
        let n = count(p.rows.len() as i64);
        left.push_span(styled(format!("· {n} projects "), theme.text));
    }
    let right = if p.rows.is_empty() {
        Line::default()
    } else {
        Line::from(styled(
            format!(
                " {} of {} ",
                p.selected.min(p.rows.len() - 1) + 1,
                p.rows.len()
            ),
            theme.text,
        ))
    };
    let note = styled(
        " risk counts stalled PRs as 0: no PR data yet ",
        theme.muted,
    );
    let block = pane_block(theme, focused, area.width, left, right)
        .title_bottom(Line::from(note).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if p.rows.is_empty() {
        let line = Rect {
            y: inner.y + inner.height / 2,
            height: 1,
            ..inner
        };
        frame.render_widget(
            Paragraph::new(styled("loading…", theme.muted)).alignment(Alignment::Center),
            line,
        );
        return;
    }

    let longest = p
        .rows
        .iter()
        .map(|r| width(&r.name))
        .max()
        .unwrap_or(0)
        .min(usize::from(NAME_MAX)) as u16;
    let fit = fit(inner.width, longest);
    let header: Vec<Line> = fit
        .cols
        .iter()
        .map(|(c, _)| {
            let t = Line::from(c.header());
            if c.numeric() { t.right_aligned() } else { t }
        })
        .collect();
    // Only the rows on screen are built: a portfolio of 1,000 projects must
    // not cost 1,000 rows of cells every frame.
    let win = window(p.rows.len(), p.selected, inner.height);
    app.hits
        .portfolio_rows
        .set(Some(crate::app::mouse::ListHit {
            area: Rect {
                y: inner.y + 1,
                height: (win.rows.len() as u16).min(inner.height.saturating_sub(1)),
                ..inner
            },
            first: win.rows.start,
        }));
    let rows = p.rows[win.rows].iter().map(|r| {
        fit.cols
            .iter()
            .map(|(c, w)| cell(r, *c, usize::from(*w), fit.bar, theme))
            .collect::<Vec<_>>()
    });
    let widths: Vec<u16> = fit.cols.iter().map(|(_, w)| *w).collect();
    Grid::new(&widths, fit.spacing, theme, focused).render(
        inner,
        frame.buffer_mut(),
        &header,
        rows,
        Some(win.selected),
    );
}

fn right(s: String, style: Style) -> Line<'static> {
    Line::from(styled(s, style)).right_aligned()
}

fn cell(r: &ProjectRow, c: Col, w: usize, bar: u16, theme: &Theme) -> Line<'static> {
    let money = |d: Option<rust_decimal::Decimal>| d.map_or_else(|| "—".to_string(), money_short);
    let alarm = |n: i64, style: Style| if n > 0 { style } else { theme.muted };
    match c {
        Col::Name => Line::from(truncate(&clean(&r.name), w).into_owned()),
        Col::Status => Line::from(styled(r.status.as_str(), theme.text)),
        Col::Roi => right(
            r.roi_score
                .map_or_else(|| "—".into(), |d| format!("{:.1}", d)),
            theme.text,
        ),
        Col::Valuation => right(money(r.dcf_valuation), theme.text),
        Col::Arr => right(money(r.arr), theme.text),
        Col::Infra => right(money(r.monthly_infra_cost), theme.text),
        Col::Milestones => milestones(r, bar, theme),
        Col::Open => right(count(r.open_bugs), theme.text),
        Col::Critical => right(
            count(r.critical_bugs),
            alarm(r.critical_bugs, theme.severity(Severity::Critical)),
        ),
        Col::Blockers => right(count(r.blocker_bugs), alarm(r.blocker_bugs, theme.blocker)),
        Col::Risk => Line::from(styled(
            format!("{:>3.0} {}", r.risk.score, r.risk.level),
            theme.risk(r.risk.level),
        )),
        // Each component is 0–100 (open critical bugs, inactivity, overdue
        // milestones), so people can see why a score is high.
        Col::Factors => Line::from(styled(
            format!(
                "bugs{:>4.0} idle{:>4.0} late{:>4.0}",
                r.risk.critical, r.risk.low_activity, r.risk.overdue_milestones
            ),
            theme.muted,
        )),
        Col::Health => match r.health_score {
            Some(h) => right(h.to_string(), theme.health(h)),
            None => right("—".into(), theme.muted),
        },
    }
}

/// "███░░ 3/5"; the fraction is the exact figure, the bar only its shape.
fn milestones(r: &ProjectRow, bar: u16, theme: &Theme) -> Line<'static> {
    if r.total_milestones <= 0 {
        return Line::from(styled("—", theme.muted));
    }
    let total = r.total_milestones;
    let done = r.current_milestone.clamp(0, total);
    let filled = (i64::from(done) * i64::from(bar) / i64::from(total)) as usize;
    let empty = usize::from(bar) - filled;
    Line::from(vec![
        styled("█".repeat(filled), theme.good),
        styled("░".repeat(empty), theme.muted),
        styled(format!(" {done}/{total}"), theme.text),
    ])
}
