//! `update(app, msg) -> commands`: every state change of the dashboard.

use super::drill;

use super::filtering;
use super::keymap::{self, Action};
use super::loads;
use super::msg::{Command, Msg, Part};
use super::refresh::{advance_clock, clock_due, on_changed, worker_failed};
pub use super::refresh::{polls, refresh_all, reloaded};
use super::state::{App, Connection, Notice, Overlay, Pane, ScrollLimit, Tone};
use super::table_nav;
use super::view_tabs;
use super::{applying, create, editing, editor, field_edit, marks, undo};
use crate::query::StatusFilter;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

pub fn update(app: &mut App, msg: Msg) -> Vec<Command> {
    app.dirty = true;
    match msg {
        Msg::Key(key) => on_key(app, key),
        Msg::Mouse(ev) => super::mouse::on_mouse(app, ev),
        Msg::Applied { request, outcome } => super::applying::on_outcome(app, request, outcome),
        Msg::Created(result) => super::create::on_created(app, result),
        Msg::Commented { bug, result } => super::editor::on_commented(app, bug, result),
        Msg::EditorDone { text, error } => super::editor::on_editor_done(app, text, error),
        Msg::Resize => vec![],
        Msg::Tick(now) => {
            // Redraw only when a displayed second changes.
            app.dirty = now.timestamp() != app.now.timestamp();
            app.now = now;
            advance_clock(app)
        }
        Msg::RefreshDue => refresh_all(app),
        Msg::ClockDue => clock_due(app),
        Msg::DataChanged(changes) => on_changed(app, changes),
        Msg::Push { live } => {
            app.push_live = live;
            vec![]
        }
        Msg::ReplicaLag { lag } => {
            app.replica = Some(crate::app::state::ReplicaView { lag });
            app.dirty = true;
            vec![]
        }
        Msg::Loaded(loaded) => loads::on_loaded(app, loaded),
        Msg::LoadFailed {
            part,
            ticket,
            error,
        } => {
            if !app.tickets.is_current(part, ticket) {
                // A newer load of the same part is on its way and will answer.
                return vec![];
            }
            match part {
                Part::Page => {
                    app.table.loading = false;
                    app.table.pending = None;
                }
                Part::Detail => app.detail.loading = false,
                Part::Kpis
                | Part::Count
                | Part::Portfolio
                | Part::Users
                | Part::Marks
                | Part::ViewCounts => {}
            }
            notify(app, Tone::Error, error);
            vec![]
        }
        Msg::ConnectionUp => {
            let was_down = !matches!(app.connection, Connection::Up);
            app.connection = Connection::Up;
            // Whatever happened while we were away was not pushed to us.
            if was_down || std::mem::take(&mut app.reload_on_up) {
                refresh_all(app)
            } else {
                vec![]
            }
        }
        Msg::ConnectionDown { error } => {
            if !matches!(app.connection, Connection::Down { .. }) {
                // The banner shows the driver's text, which may quote a URL.
                app.connection = Connection::Down {
                    since: app.now,
                    error: crate::redact::redact(&error).into_owned(),
                };
            }
            app.reload_on_up = true;
            // Pages asked for before the drop may still arrive (or not); the
            // window no longer waits for them, and they may not extend it.
            app.table.loading = false;
            app.table.pending = None;
            app.tickets.invalidate(Part::Page);
            vec![]
        }
        Msg::ServerFull { status } => {
            let since = match &app.connection {
                Connection::Down { since, .. } | Connection::Full { since, .. } => *since,
                _ => app.now,
            };
            // A count asked on an open connection (`Msg::ServerUsage`) says
            // more than a refusal: kept until the next count replaces it.
            let status = match &app.connection {
                Connection::Full { status: known, .. }
                    if crate::db::capacity::is_server_status(known)
                        && crate::db::capacity::is_server_status(&status) =>
                {
                    known.clone()
                }
                _ => status,
            };
            app.connection = Connection::Full { since, status };
            app.reload_on_up = true;
            app.table.loading = false;
            app.table.pending = None;
            app.tickets.invalidate(Part::Page);
            vec![]
        }
        Msg::ServerUsage { in_use, max } => {
            // Late answers (the server has room again) change nothing.
            if let Connection::Full { status, .. } = &mut app.connection
                && crate::db::capacity::is_server_status(status)
            {
                *status = crate::db::capacity::status(
                    &crate::db::capacity::Full::Server { reserved: false },
                    Some((in_use, max)),
                );
            }
            vec![]
        }
        Msg::WorkerFailed { task, error } => worker_failed(app, &task, &error),
        Msg::Saved(outcome) => editing::on_saved(app, outcome),
        Msg::Notice(text) => {
            notify(app, Tone::Progress, text);
            vec![]
        }
    }
}

pub fn notify(app: &mut App, tone: Tone, text: impl Into<String>) {
    app.notice = Some(Notice {
        text: text.into(),
        tone,
        at: app.now,
    });
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    if key.kind == KeyEventKind::Release {
        app.dirty = false;
        return vec![];
    }
    if keymap::is_force_quit(&key) {
        app.should_quit = true;
        return vec![];
    }
    if app.overlay.is_some() {
        return on_overlay_key(app, key);
    }
    match app.keys.action_for(&key) {
        Some(action) => on_action(app, action),
        None => {
            app.dirty = false;
            vec![]
        }
    }
}

pub fn on_overlay_key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    match app.overlay.clone() {
        Some(Overlay::Help { scroll, limit }) => {
            match app.keys.action_for(&key) {
                Some(Action::Down) => {
                    let scroll = limit.step(scroll, 1);
                    app.overlay = Some(Overlay::Help { scroll, limit })
                }
                Some(Action::Up) => {
                    let scroll = limit.step(scroll, -1);
                    app.overlay = Some(Overlay::Help { scroll, limit })
                }
                Some(Action::Quit) => app.should_quit = true,
                _ => app.overlay = None,
            }
            vec![]
        }
        Some(Overlay::Search { input, previous }) => {
            filtering::on_search_key(app, key, input, previous)
        }
        Some(Overlay::Filter(menu)) => filtering::on_filter_key(app, key, menu),
        Some(Overlay::Trends { view }) => super::trends::on_key(app, key, view),
        Some(Overlay::FieldChooser { targets, selected }) => {
            field_edit::on_chooser_key(app, key, targets, selected)
        }
        Some(Overlay::PickValue {
            targets,
            field,
            picker,
        }) => field_edit::on_pick_key(app, key, targets, field, picker),
        Some(Overlay::InputValue {
            targets,
            field,
            input,
            error,
        }) => field_edit::on_input_key(app, key, targets, field, input, error),
        Some(Overlay::Write(w)) => editor::on_write_key(app, key, *w),
        Some(Overlay::Create(form)) => create::on_key(app, key, *form),
        Some(Overlay::MarkAll { count, .. }) => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => marks::confirm_mark_all(app, count),
            KeyCode::Char('n') | KeyCode::Esc | KeyCode::Char('q') => close(app),
            _ => vec![],
        },
        // Something is being written: keys wait (Ctrl-c still quits).
        Some(Overlay::Working { .. }) => vec![],
        Some(Overlay::Refused(r)) => applying::on_refused_key(app, key, *r),
        Some(Overlay::UndoConfirm { .. }) => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => undo::confirm(app),
            KeyCode::Char('n') | KeyCode::Esc | KeyCode::Char('q') => close(app),
            _ => vec![],
        },
        Some(overlay) => editing::on_edit_key(app, key, overlay),
        None => vec![],
    }
}

fn close(app: &mut App) -> Vec<Command> {
    app.overlay = None;
    vec![]
}

pub fn on_action(app: &mut App, action: Action) -> Vec<Command> {
    use Action::*;
    match action {
        Quit => {
            app.should_quit = true;
            vec![]
        }
        Up => move_selection(app, -1),
        Down => move_selection(app, 1),
        PageUp => move_selection(app, -(app.table.viewport.max(1) as isize)),
        PageDown => move_selection(app, app.table.viewport.max(1) as isize),
        Top => match app.focus {
            Pane::Kpis => {
                app.kpi_cursor = drill::column_end(app.kpi_cursor, true);
                vec![]
            }
            Pane::Bugs => follow_detail(app, table_nav::top),
            Pane::Detail => {
                app.detail.scroll = 0;
                vec![]
            }
            Pane::Portfolio => {
                app.portfolio.selected = 0;
                vec![]
            }
        },
        Bottom => match app.focus {
            Pane::Kpis => {
                app.kpi_cursor = drill::column_end(app.kpi_cursor, false);
                vec![]
            }
            Pane::Bugs => follow_detail(app, table_nav::bottom),
            Pane::Detail => {
                app.detail.scroll = app.detail.limit.max();
                vec![]
            }
            Pane::Portfolio => {
                app.portfolio.selected = app.portfolio.rows.len().saturating_sub(1);
                vec![]
            }
        },
        NextPane => {
            app.focus = app.focus.next();
            vec![]
        }
        PrevPane => {
            app.focus = app.focus.prev();
            vec![]
        }
        Open => open(app),
        Close => {
            if !app.table.query.filter.search.is_empty() {
                app.table.query.filter.search.clear();
                table_nav::requery(app)
            } else {
                if matches!(app.focus, Pane::Detail | Pane::Kpis) {
                    app.focus = Pane::Bugs;
                }
                vec![]
            }
        }
        Search => {
            let current = app.table.query.filter.search.clone();
            app.overlay = Some(Overlay::Search {
                input: current.clone(),
                previous: current,
            });
            vec![]
        }
        Filter => {
            app.overlay = Some(Overlay::Filter(Default::default()));
            vec![]
        }
        View(n) => view_tabs::switch(app, usize::from(n).saturating_sub(1)),
        NextView => view_tabs::step(app, 1),
        PrevView => view_tabs::step(app, -1),
        CycleSort => {
            let sort = &mut app.table.query.sort;
            sort.key = sort.key.next();
            sort.reversed = false;
            table_nav::requery(app)
        }
        ReverseSort => {
            app.table.query.sort.reversed = !app.table.query.sort.reversed;
            table_nav::requery(app)
        }
        ChangeStatus if !app.marks.is_empty() => field_edit::bulk_status(app),
        ChangeStatus => editing::start(app),
        EditField => field_edit::start(app),
        NewBug => create::start(app),
        Comment => editor::start_comment(app),
        Mark => marks::toggle(app),
        MarkAll => marks::mark_all(app),
        Undo => undo::start(app),
        Mine => filtering::toggle_mine(app),
        Refresh => {
            notify(app, Tone::Info, "refreshing…");
            refresh_all(app)
        }
        Help => {
            app.overlay = Some(Overlay::Help {
                scroll: 0,
                limit: ScrollLimit::default(),
            });
            vec![]
        }
        ClearFilters => {
            app.table.query.filter = Default::default();
            table_nav::requery(app)
        }
        ToggleAllStatuses => {
            let f = &mut app.table.query.filter;
            f.status = match f.status {
                StatusFilter::Open => StatusFilter::All,
                _ => StatusFilter::Open,
            };
            table_nav::requery(app)
        }
        Left | Right if app.focus == Pane::Kpis => {
            let delta = if action == Left { -1 } else { 1 };
            app.kpi_cursor = drill::step_cols(app.kpi_cursor, delta);
            vec![]
        }
        Left | Right => {
            app.dirty = false;
            vec![]
        }
        Trends => super::trends::open(app),
    }
}

pub fn move_selection(app: &mut App, delta: isize) -> Vec<Command> {
    match app.focus {
        Pane::Kpis => {
            app.kpi_cursor = drill::step_rows(app.kpi_cursor, delta);
            vec![]
        }
        Pane::Bugs => follow_detail(app, |app| table_nav::move_by(app, delta)),
        Pane::Detail => {
            app.detail.scroll = app.detail.limit.step(app.detail.scroll, delta);
            vec![]
        }
        Pane::Portfolio => {
            let last = app.portfolio.rows.len().saturating_sub(1) as isize;
            app.portfolio.selected =
                (app.portfolio.selected as isize + delta).clamp(0, last) as usize;
            vec![]
        }
    }
}

/// Runs a table movement and, when the selected bug changed, loads its detail.
pub fn follow_detail(app: &mut App, f: impl FnOnce(&mut App) -> Vec<Command>) -> Vec<Command> {
    let before = app.table.selected_row().map(|r| r.id);
    let mut cmds = f(app);
    let after = app.table.selected_row().map(|r| r.id);
    if let Some(id) = after.filter(|_| after != before) {
        cmds.push(loads::detail(app, id));
    }
    cmds
}

fn open(app: &mut App) -> Vec<Command> {
    match app.focus {
        Pane::Bugs => match app.table.selected_row() {
            Some(row) => {
                let id = row.id;
                app.focus = Pane::Detail;
                vec![loads::detail(app, id)]
            }
            None => vec![],
        },
        Pane::Portfolio => match app.portfolio.rows.get(app.portfolio.selected) {
            // Enter on a project shows its bugs.
            Some(p) => {
                app.table.query.filter.project = Some(p.name.clone());
                app.focus = Pane::Bugs;
                let name = p.name.clone();
                notify(
                    app,
                    Tone::Info,
                    format!("showing bugs of {name} (x clears)"),
                );
                table_nav::requery(app)
            }
            None => vec![],
        },
        Pane::Kpis => drill::open(app),
        Pane::Detail => vec![],
    }
}
