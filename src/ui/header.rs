//! The top line: who and where I am, and how fresh the data on screen is.
//! Freshness and the read-only state are what people must never miss, so
//! they get their space first; the data source is truncated before them.

use super::text::{ago, clean, styled, truncate, width};
use super::theme::Theme;
use crate::app::state::{App, Connection, Identity, ReadOnlyReason};
use crate::domain::alert::{Op, Outcome};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

const APP_NAME: &str = " ctodash ";
const SEP: &str = " │ ";

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let total = usize::from(area.width);
    let fixed = width(APP_NAME) + width(SEP);
    // The right side may take what the left needs beyond a short identity.
    let right_budget = total.saturating_sub(fixed + 18);
    let (right, right_style) = connection_text(app, theme, right_budget);
    let right_w = width(&right);

    let mut left_budget = total.saturating_sub(fixed + right_w + 2);
    let mut spans = vec![styled(APP_NAME, theme.app_name), styled(SEP, theme.muted)];
    // A crossed alert is news: it goes before who and where.
    let alerts = alert_text(app, left_budget / 2);
    if !alerts.is_empty() {
        left_budget = left_budget.saturating_sub(width(&alerts) + width(SEP));
        spans.push(styled(alerts, theme.bad));
        spans.push(styled(SEP, theme.muted));
    }
    let (who, who_style) = identity_text(&app.identity, theme, left_budget);
    // A source cut to a few characters says nothing; leave it out instead.
    let room = left_budget.saturating_sub(width(&who) + width(SEP));
    spans.push(styled(who, who_style));
    let source = clean(&app.source);
    if !source.is_empty() && room >= width(&source).min(20) {
        let source = truncate(&source, room).into_owned();
        spans.push(styled(SEP, theme.muted));
        spans.push(styled(source, theme.muted));
    }
    // Two widgets rather than one padded line: the gap is never drawn.
    frame.render_widget(Line::from(spans), area);
    frame.render_widget(Line::from(styled(right, right_style)).right_aligned(), area);
}

/// "⚑ SLA breached 729 > 100 · At risk / day $52,000.00 > 50000", or
/// shorter forms when that does not fit; empty when no alert is crossed.
fn alert_text(app: &App, budget: usize) -> String {
    let crossed: Vec<_> = crate::app::alerting::crossed(app).collect();
    let Some(first) = crossed.first() else {
        return String::new();
    };
    let one = |o: &Outcome| {
        let dir = if o.check.op == Op::Le { ">" } else { "<" };
        let value = o
            .value
            .map_or_else(String::new, |v| o.check.kpi.format_value(v));
        format!("{} {value} {dir} {}", o.check.kpi.label(), o.check.limit)
    };
    let all: Vec<String> = crossed.iter().map(|o| one(o)).collect();
    let n = crossed.len();
    let mut variants = vec![format!("⚑ {}", all.join(" · "))];
    if n > 1 {
        variants.push(format!("⚑ {n} alerts: {}", one(first)));
        variants.push(format!("⚑ {n} alerts"));
    } else {
        variants.push(format!("⚑ {}", first.check.kpi.label()));
    }
    variants.push(format!("⚑ {n}"));
    pick(&variants, budget.max(width("⚑ 99")))
}

fn identity_text(
    identity: &Identity,
    theme: &Theme,
    budget: usize,
) -> (String, ratatui::style::Style) {
    let (variants, style) = match identity {
        Identity::User(me) => (
            vec![
                clean(&format!("{} <{}>", me.name, me.email)).into_owned(),
                clean(&me.name).into_owned(),
            ],
            theme.text,
        ),
        // Not a choice anyone made, just early: no alarm colour.
        Identity::ReadOnly(ReadOnlyReason::NotConnected) => {
            (vec![ReadOnlyReason::NotConnected.explain()], theme.muted)
        }
        Identity::ReadOnly(reason) => (
            vec![
                format!(" {} ", reason.explain()),
                format!(" {} ", short_reason(reason)),
            ],
            theme.read_only,
        ),
    };
    (pick(&variants, budget), style)
}

fn short_reason(reason: &ReadOnlyReason) -> String {
    match reason {
        ReadOnlyReason::Requested => "read-only".into(),
        ReadOnlyReason::NoUser => "read-only: no user".into(),
        ReadOnlyReason::UnknownUser(e) => format!("read-only: {e} unknown"),
        ReadOnlyReason::NotConnected => "connecting…".into(),
    }
}

/// The longest variant that fits, else the shortest one truncated.
fn pick(variants: &[String], budget: usize) -> String {
    variants
        .iter()
        .find(|v| width(v) <= budget)
        .cloned()
        .unwrap_or_else(|| {
            truncate(variants.last().map_or("", String::as_str), budget).into_owned()
        })
}

fn connection_text(app: &App, theme: &Theme, budget: usize) -> (String, ratatui::style::Style) {
    let updated = app.refreshed_at.map(|t| ago(app.now - t));
    let (variants, style) = match &app.connection {
        Connection::Up => {
            let replica = app.replica.map(|r| match r.lag {
                Some(lag) => format!("replica · lag {:.1}s · ", lag.as_secs_f64()),
                None => "replica · ".to_string(),
            });
            let v = match &updated {
                Some(a) if replica.is_some() => {
                    let r = replica.unwrap_or_default();
                    vec![
                        format!("● live · {r}updated {a} ago "),
                        format!("● live · {r}{a} ago "),
                        format!("● live · {r}"),
                        "● live ".into(),
                    ]
                }
                Some(a) => vec![
                    format!("● live · updated {a} ago "),
                    format!("● live · {a} ago "),
                    "● live ".into(),
                ],
                None => vec!["● live · loading… ".into(), "● live ".into()],
            };
            (v, theme.good)
        }
        Connection::Connecting => {
            let v = match &updated {
                Some(a) => vec![
                    format!("connecting… · updated {a} ago "),
                    "connecting… ".into(),
                ],
                None => vec!["connecting… ".into()],
            };
            (v, theme.warn)
        }
        Connection::Down { since, error } => {
            let stale = ago(app.now - app.refreshed_at.unwrap_or(*since));
            let v = vec![
                format!(
                    "⚠ database unreachable — reconnecting (stale {stale}): {} ",
                    clean(error)
                ),
                format!("⚠ database unreachable — reconnecting (stale {stale}) "),
                format!("⚠ database unreachable (stale {stale}) "),
                format!("⚠ offline (stale {stale}) "),
                "⚠ offline ".into(),
            ];
            (v, theme.bad)
        }
        Connection::Full { since, status } => {
            let stale = ago(app.now - app.refreshed_at.unwrap_or(*since));
            let v = vec![
                format!("⚠ {} — retrying (stale {stale}) ", clean(status)),
                format!("⚠ {} (stale {stale}) ", clean(status)),
                format!("⚠ database full (stale {stale}) "),
                "⚠ database full ".into(),
            ];
            (v, theme.warn)
        }
    };
    (pick(&variants, budget), style)
}
