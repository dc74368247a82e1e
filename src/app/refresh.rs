//! Keeping the data fresh: reloading everything, advancing what the clock
//! alone changes, answering pushed changes, and stopping cleanly when a
//! background task fails. Split from `update`, which routes messages here.

use super::loads;
use super::msg::{Changes, Command, Part};
use super::state::{App, Connection, Overlay, Tone};
use super::table_nav;
use super::update::notify;
use super::view_tabs;

/// A background task panicked. Running on without it would leave parts of the
/// screen (or a save) waiting forever, so the app stops, and says why.
pub(super) fn worker_failed(app: &mut App, task: &str, error: &str) -> Vec<Command> {
    let save = match (&app.overlay, &app.in_flight) {
        (Some(Overlay::Saving { target, to }), _) => format!(
            " The change of {} to {} did not finish: check it after restarting.",
            target.bug.number, to
        ),
        (_, Some(change)) => format!(
            " The change ({} on {}) did not finish: check it after restarting.",
            change.label,
            change.subject()
        ),
        (Some(Overlay::Working { text, .. }), None) => {
            format!(" \"{text}\" did not finish: check it after restarting.")
        }
        _ => String::new(),
    };
    app.overlay = None;
    let text = format!(
        "ctodash stopped because its {task} task failed unexpectedly ({error}).{save} This is a \
         bug in ctodash, not a problem with your database: the log file has the details; \
         please report it, then start ctodash again."
    );
    notify(app, Tone::Error, text.clone());
    app.fatal = Some(text);
    app.should_quit = true;
    vec![]
}

/// Everything on screen, reloaded in place.
pub fn refresh_all(app: &mut App) -> Vec<Command> {
    app.reload_on_up = false;
    let mut cmds = vec![
        loads::kpis(app),
        loads::portfolio(app),
        view_tabs::load_counts(app),
    ];
    if app.table.loading && app.table.rows.is_empty() {
        // The first load is still on its way; do not supersede it.
    } else if app.table.rows.is_empty() && app.table.anchor.is_none() {
        cmds.extend(table_nav::requery(app));
    } else {
        cmds.extend(table_nav::reload(app));
    }
    if app.detail.bug.is_some() {
        cmds.extend(loads::selected_detail(app));
    }
    cmds
}

/// Applies what the clock changed in the KPIs since the last tick (see
/// `db::kpis::KpiClock`); a table filtered to breached bugs follows a new breach, and a
/// schedule that ran out asks for a fresh read while push keeps it exact.
pub(super) fn advance_clock(app: &mut App) -> Vec<Command> {
    let Some(data) = app.kpis.as_mut() else {
        return vec![];
    };
    let moved = data.clock.advance(&mut data.kpis, app.now);
    app.dirty |= moved.changed;
    if moved.changed {
        super::alerting::evaluate(app);
    }
    let mut cmds = vec![];
    if moved.expired && app.push_live && polls(app) {
        cmds.push(loads::kpis(app));
    }
    if moved.breaches && app.table.query.filter.sla_breached_only && !app.table.loading {
        cmds.extend(table_nav::reload(app));
    }
    cmds
}

/// What a batch of commands reloads: (everything, the KPIs). The runtime
/// restarts its safety and clock timers only when they really were reloaded.
pub fn reloaded(cmds: &[Command]) -> (bool, bool) {
    let has = |part| {
        cmds.iter()
            .any(|c| c.ticket().is_some_and(|(p, _)| p == part))
    };
    let kpis = has(Part::Kpis);
    let everything = kpis && has(Part::Portfolio) && has(Part::Page);
    (everything, kpis)
}

/// With push working, rows only change when a change is announced; what moves
/// by itself is time: SLA breaches, the 7-day and 30-day KPI windows, and the
/// rows of a table filtered to breached bugs. Ages and countdowns on screen are
/// drawn against the local clock and need no query.
pub(super) fn clock_due(app: &mut App) -> Vec<Command> {
    // The view counts too: Breached (and any view of breached bugs) moves
    // with the clock.
    let mut cmds = vec![loads::kpis(app), view_tabs::load_counts(app)];
    if app.table.query.filter.sla_breached_only && !app.table.loading {
        cmds.extend(table_nav::reload(app));
    }
    cmds
}

/// Reloads only what a change can affect: project edits touch the portfolio and
/// the KPIs' money, user edits the names in the table, bug edits everything.
pub(super) fn on_changed(app: &mut App, changes: Changes) -> Vec<Command> {
    if changes.bugs {
        return refresh_all(app);
    }
    let mut cmds = vec![];
    if changes.projects {
        cmds.extend([loads::kpis(app), loads::portfolio(app)]);
    }
    if changes.users {
        cmds.extend(table_nav::reload(app));
        if app.detail.bug.is_some() {
            cmds.extend(loads::selected_detail(app));
        }
    }
    cmds
}

/// Whether the runtime's periodic poll runs. Not during an outage: the
/// reconnect probe retries with back-off there, and its success reloads
/// everything, so refreshes follow the same back-off.
pub fn polls(app: &App) -> bool {
    !matches!(
        app.connection,
        Connection::Down { .. } | Connection::Full { .. }
    )
}
