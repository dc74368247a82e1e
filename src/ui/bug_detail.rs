//! The detail pane: every field of one bug, its SLA clock and money, the
//! description, and the history timeline, as one scrollable wrapped text.

use super::pane_block;
use super::text::{ago, clean, styled, utc, width};
use super::theme::{BLOCKER_MARK, BREACH_MARK, Theme, severity_tag};
use crate::app::model::{BugDetail, CommentEntry, HistoryEntry, TimelineEntry};
use crate::app::state::App;
use crate::domain::{DEFAULT_HOURLY_RATE, bug_cost, sla_state};
use crate::format::money;
use crate::text_safety::multi_line;
use chrono::TimeDelta;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use rust_decimal::Decimal;

const LABEL_W: usize = 12;
/// Shown for history rows written without an actor (psql, another app).
const UNKNOWN_ACTOR: &str = "someone (unknown)";

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, focused: bool) {
    let d = &app.detail;
    let mut left = vec![styled(" Detail ", theme.title)];
    if let Some(bug) = &d.bug {
        left.push(styled(format!("· {} ", clean(&bug.row.number)), theme.text));
    }
    let text = d.bug.as_ref().map(|bug| lines(bug, app, theme));
    let mut right = Vec::new();
    if d.loading {
        right.push(styled(" loading… ", theme.muted));
    }
    // The titles show the scroll, which is limited by the inner size; the
    // inner size does not depend on the titles, so measure a bare block first.
    let inner =
        pane_block(theme, focused, area.width, Line::default(), Line::default()).inner(area);
    let rows = text
        .as_ref()
        .map_or(0, |t| super::popup::wrapped_height(t, inner.width));
    d.limit.record(rows.saturating_sub(inner.height));
    let scroll = d.scroll.min(d.limit.max());
    if scroll > 0 {
        right.push(styled(format!(" ↑ {scroll} lines "), theme.muted));
    }
    let mut block = pane_block(
        theme,
        focused,
        area.width,
        Line::from(left),
        Line::from(right),
    );
    if rows > inner.height.saturating_add(scroll) {
        let more = Line::from(styled(" ↓ more ", theme.muted)).right_aligned();
        block = block.title_bottom(more);
    }
    frame.render_widget(block, area);

    let Some(text) = text else {
        let msg = if d.loading {
            "loading…"
        } else {
            "Enter on a bug to see its detail"
        };
        let y = inner.y + inner.height / 2;
        let line = Rect {
            y,
            height: inner.height.min(1),
            ..inner
        };
        frame.render_widget(
            Paragraph::new(styled(msg, theme.muted)).alignment(Alignment::Center),
            line,
        );
        return;
    };
    let text = Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0));
    frame.render_widget(text, inner);
}

fn field<'a>(label: &'a str, value: Vec<Span<'a>>, theme: &Theme) -> Line<'a> {
    let mut spans = vec![styled(format!("{label:<LABEL_W$}"), theme.label)];
    spans.extend(value);
    Line::from(spans)
}

fn hours(h: Option<Decimal>) -> String {
    h.map_or_else(|| "—".into(), |h| format!("{}h", h.normalize()))
}

fn lines<'a>(bug: &'a BugDetail, app: &App, theme: &Theme) -> Vec<Line<'a>> {
    let r = &bug.row;
    let now = app.now;
    let muted = |s: String| styled(s, theme.muted);
    let dash = || muted("—".into());
    let mut out = vec![Line::from(styled(
        clean(&r.title).into_owned(),
        theme.title,
    ))];

    let mut summary = vec![
        styled(
            // The table's tag, then the full name where they differ
            // ("CRIT critical", but "high", not "high high").
            match severity_tag(r.severity) {
                tag if tag == r.severity.to_string() => tag.to_string(),
                tag => format!("{tag} {}", r.severity),
            },
            theme.severity(r.severity),
        ),
        muted(" · ".into()),
        styled(r.status.as_str(), theme.text),
        muted(" · ".into()),
        Span::raw(format!("priority {}", r.priority)),
    ];
    if r.is_blocker {
        summary.push(muted(" · ".into()));
        summary.push(styled(format!("{BLOCKER_MARK} blocker"), theme.blocker));
    }
    out.push(Line::from(summary));

    let sla = sla_state(r.status, r.created_at, r.sla_hours, now);
    let due = r.created_at + TimeDelta::hours(i64::from(r.sla_hours));
    let mark = if sla.is_overdue() {
        format!("{BREACH_MARK} ")
    } else {
        String::new()
    };
    out.push(field(
        "SLA",
        vec![
            styled(format!("{mark}{}", sla.label()), theme.sla(&sla)),
            muted(format!(
                " · {}h for {} · due {}",
                r.sla_hours,
                r.severity,
                utc(due)
            )),
        ],
        theme,
    ));
    let assignee = match (&r.assignee, &bug.assignee_email) {
        (Some(name), Some(email)) => Span::raw(format!("{} <{}>", clean(name), clean(email))),
        (Some(name), None) => Span::raw(clean(name).into_owned()),
        (None, _) => muted("unassigned".into()),
    };
    out.push(field("Assignee", vec![assignee], theme));
    let creator = bug
        .creator
        .as_deref()
        .map_or_else(dash, |c| Span::raw(clean(c).into_owned()));
    out.push(field("Reported by", vec![creator], theme));
    let project = r
        .project
        .as_deref()
        .map_or_else(dash, |p| Span::raw(clean(p).into_owned()));
    out.push(field("Project", vec![project], theme));

    let when = |t| vec![Span::raw(utc(t)), muted(format!(" · {} ago", ago(now - t)))];
    out.push(field("Created", when(r.created_at), theme));
    out.push(field("Updated", when(bug.updated_at), theme));
    out.push(field(
        "Resolved",
        bug.resolved_at.map_or_else(|| vec![dash()], when),
        theme,
    ));

    let revenue = bug.revenue_impact_daily.map_or_else(dash, |v| {
        let style = if v > Decimal::ZERO {
            theme.bad
        } else {
            theme.text
        };
        styled(format!("{} / day", money(v)), style)
    });
    out.push(field("Revenue", vec![revenue], theme));
    out.push(field(
        "Hours",
        vec![Span::raw(format!(
            "{} estimated · {} actual",
            hours(bug.estimated_hours),
            hours(bug.actual_hours)
        ))],
        theme,
    ));
    let cost = bug_cost(bug.actual_hours, r.severity, DEFAULT_HOURLY_RATE);
    out.push(field(
        "Eng. cost",
        vec![
            Span::raw(money(cost)),
            muted(format!(
                " ({} × {}/h × {} for {})",
                hours(bug.actual_hours),
                money(DEFAULT_HOURLY_RATE),
                r.severity.cost_multiplier().normalize(),
                r.severity
            )),
        ],
        theme,
    ));
    let impact = bug
        .business_impact
        .as_deref()
        .map_or_else(dash, |s| Span::raw(clean(s).into_owned()));
    out.push(field("Impact", vec![impact], theme));

    out.push(Line::default());
    out.push(Line::from(styled("Description", theme.title)));
    match bug.description.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(text) => out.extend(
            multi_line(&text.replace('\t', "    "))
                .lines()
                .map(|l| Line::from(l.to_owned())),
        ),
        None => out.push(Line::from(muted("no description".into()))),
    }

    out.push(Line::default());
    out.push(Line::from(vec![
        styled("History", theme.title),
        muted(format!(
            " · {}{}, newest first",
            plural(bug.history.len(), "change"),
            match bug.comments.len() {
                0 => String::new(),
                n => format!(", {}", plural(n, "comment")),
            }
        )),
    ]));
    if bug.history.is_empty() && bug.comments.is_empty() {
        out.push(Line::from(muted("no changes recorded".into())));
    }
    let who_w = bug
        .history
        .iter()
        .map(|h| h.who.as_deref())
        .chain(bug.comments.iter().map(|c| c.author.as_deref()))
        .map(|w| width(w.unwrap_or(UNKNOWN_ACTOR)))
        .max()
        .unwrap_or(0);
    for entry in bug.timeline() {
        match entry {
            TimelineEntry::Change(h) => out.push(history_line(h, who_w, theme)),
            TimelineEntry::Comment(c) => comment_lines(c, who_w, theme, &mut out),
        }
    }
    out
}

/// "2026-11-20 14:03  Grace Hopper  comment" and the body below, indented.
fn comment_lines<'a>(c: &'a CommentEntry, who_w: usize, theme: &Theme, out: &mut Vec<Line<'a>>) {
    let who = c
        .author
        .as_deref()
        .map_or(UNKNOWN_ACTOR.to_string(), |w| clean(w).into_owned());
    let pad = " ".repeat(who_w.saturating_sub(width(&who)));
    out.push(Line::from(vec![
        styled(c.at.format("%Y-%m-%d %H:%M").to_string(), theme.muted),
        Span::raw("  "),
        styled(format!("{who}{pad}"), theme.text),
        Span::raw("  "),
        styled("comment", theme.key),
    ]));
    out.extend(
        multi_line(&c.body.replace('\t', "    "))
            .lines()
            .map(|l| Line::from(vec![styled("  │ ", theme.muted), Span::raw(l.to_owned())])),
    );
}

/// "2026-11-20 14:03  Grace Hopper  status       in_progress → verified"
fn history_line<'a>(h: &'a HistoryEntry, who_w: usize, theme: &Theme) -> Line<'a> {
    let who = h
        .who
        .as_deref()
        .map_or(UNKNOWN_ACTOR.to_string(), |w| clean(w).into_owned());
    let pad = " ".repeat(who_w.saturating_sub(width(&who)));
    let who_style = if h.who.is_some() {
        theme.text
    } else {
        theme.muted
    };
    let value = |v: &Option<String>| {
        v.as_deref()
            .map_or("—".to_string(), |s| clean(s).into_owned())
    };
    Line::from(vec![
        styled(h.at.format("%Y-%m-%d %H:%M").to_string(), theme.muted),
        Span::raw("  "),
        styled(format!("{who}{pad}"), who_style),
        Span::raw("  "),
        styled(format!("{:<11}", clean(&h.field)), theme.label),
        Span::raw(" "),
        Span::raw(value(&h.old)),
        styled(" → ", theme.muted),
        styled(value(&h.new), theme.title),
    ])
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
