//! `[[alerts]]` on the dashboard: after every change of the KPIs each alert
//! is checked (`domain::alert`); the header marks the crossed ones, and an
//! alert with `bell` rings once as it crosses, not again on every refresh
//! while it stays crossed.

use super::state::App;
use crate::domain::alert::{Alert, Outcome};

#[derive(Debug, Clone, PartialEq)]
pub struct AlertState {
    pub alert: Alert,
    /// The limit it is past now, if any.
    pub crossed: Option<Outcome>,
}

impl AlertState {
    pub fn new(alert: Alert) -> AlertState {
        AlertState {
            alert,
            crossed: None,
        }
    }
}

/// Re-checks every alert against the KPIs on screen.
pub fn evaluate(app: &mut App) {
    let Some(data) = &app.kpis else {
        return;
    };
    for state in &mut app.alerts {
        let now = state.alert.crossed(&data.kpis);
        if now.is_some() && state.crossed.is_none() && state.alert.bell {
            app.bell = true;
        }
        state.crossed = now;
    }
}

/// The crossed alerts, for the header.
pub fn crossed(app: &App) -> impl Iterator<Item = &Outcome> {
    app.alerts.iter().filter_map(|a| a.crossed.as_ref())
}
