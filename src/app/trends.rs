//! The full-screen trends chart (`t`): which monthly series it can show and
//! the keys that switch between them. Drawing is `ui::trends_chart`.

use super::keymap::{self, Action};
use super::model::MonthPoint;
use super::msg::Command;
use super::state::{App, Overlay};
use crossterm::event::{KeyCode, KeyEvent};
use rust_decimal::prelude::ToPrimitive;

/// One line of a chart.
pub struct Series {
    pub name: &'static str,
    pub value: fn(&MonthPoint) -> f64,
}

/// One chart: series that share a unit, so they share the y axis.
pub struct View {
    pub title: &'static str,
    /// For the chart's tabs when the titles do not fit.
    pub short: &'static str,
    /// The y axis' title.
    pub unit: &'static str,
    pub series: &'static [Series],
    pub kind: Kind,
}

/// How the values are written on the axis and in the legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Count,
    /// One decimal.
    Days,
    Money,
}

fn dec(d: rust_decimal::Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

pub const VIEWS: [View; 4] = [
    View {
        title: "Opened and resolved",
        short: "Flow",
        unit: "bugs per month",
        series: &[
            Series {
                name: "opened",
                value: |p| p.created as f64,
            },
            Series {
                name: "resolved",
                value: |p| p.resolved as f64,
            },
        ],
        kind: Kind::Count,
    },
    View {
        title: "Backlog",
        short: "Backlog",
        unit: "open bugs",
        series: &[Series {
            name: "open bugs",
            value: |p| p.open_total as f64,
        }],
        kind: Kind::Count,
    },
    View {
        title: "Mean time to resolve",
        short: "MTTR",
        unit: "days",
        series: &[Series {
            name: "mean days to resolve",
            value: |p| dec(p.avg_resolution_days),
        }],
        kind: Kind::Days,
    },
    View {
        title: "Revenue at risk",
        short: "At risk",
        unit: "$ per day",
        series: &[Series {
            name: "revenue at risk / day",
            value: |p| dec(p.revenue_at_risk_daily),
        }],
        kind: Kind::Money,
    },
];

pub fn open(app: &mut App) -> Vec<Command> {
    app.overlay = Some(Overlay::Trends { view: 0 });
    vec![]
}

/// ←/→ (h/l, Tab) switch charts, 1–4 pick one, Esc or `t` closes.
pub fn on_key(app: &mut App, key: KeyEvent, view: usize) -> Vec<Command> {
    let n = VIEWS.len();
    let next = match (key.code, keymap::action_for(&key)) {
        (KeyCode::Char(c @ '1'..='9'), _) => {
            let i = c as usize - '1' as usize;
            if i < n { i } else { view }
        }
        (_, Some(Action::Right | Action::NextPane | Action::Down)) => (view + 1) % n,
        (_, Some(Action::Left | Action::PrevPane | Action::Up)) => (view + n - 1) % n,
        (_, Some(Action::Quit)) => {
            app.should_quit = true;
            return vec![];
        }
        (_, Some(Action::Close | Action::Trends)) => {
            app.overlay = None;
            return vec![];
        }
        _ => {
            app.dirty = false;
            return vec![];
        }
    };
    app.overlay = Some(Overlay::Trends { view: next });
    vec![]
}
