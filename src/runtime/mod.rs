//! The one place holding the terminal, tokio and the database together: one
//! channel of messages (keys, ticks, results from background tasks) into
//! `update`, commands out to the worker, a redraw only when something changed.
//!
//! The screen opens at once; the database is found and opened in the background
//! (retrying with back-off while it is unreachable), so a down database shows a
//! live "reconnecting" screen rather than an error and an exit.

mod startup;
pub mod terminal;
mod worker;

pub use worker::is_connection_error;

use crate::app::state::{Identity, ReadOnlyReason};
use crate::app::update::update;
use crate::app::{App, Msg};
use crate::config::Config;
use chrono::Utc;
use color_eyre::eyre::{Report, Result, WrapErr};
use crossterm::event::{self, Event};
use startup::Session;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::sync::oneshot;
use worker::Worker;

/// While push updates flow: how often an idle dashboard re-reads what the
/// clock alone changes (KPI windows, SLA breaches). Between reads the app
/// advances those figures itself from each KPI load's schedule (db::kpis::KpiClock)…
const CLOCK_POLL: Duration = SAFETY_POLL;
/// …and how often it re-reads everything anyway, as a safety net (and for the
/// portfolio's activity-based risk, which moves by the day).
const SAFETY_POLL: Duration = Duration::from_secs(600);

pub async fn run(cfg: &Config) -> Result<()> {
    let mut guard = terminal::enter().wrap_err("could not take over the terminal")?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let stop = Arc::new(AtomicBool::new(false));
    let input = spawn_input_thread(tx.clone(), stop.clone());

    let placeholder = Identity::ReadOnly(ReadOnlyReason::NotConnected);
    let mut app = App::new(Utc::now(), placeholder, "connecting…".into());
    let (ready_tx, mut ready_rx) = oneshot::channel();
    let connecting = worker::spawn_guarded(
        tx.clone(),
        "connect",
        startup::connect_with_retry(cfg.clone(), tx.clone(), ready_tx),
    );
    let mut live: Option<(Worker, tokio::task::JoinHandle<()>)> = None;

    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // Poll slowly while changes are pushed to us, at `refresh_seconds` while
    // they are not.
    let mut last_reload = tokio::time::Instant::now();
    let mut last_poll = last_reload;

    let result: Result<()> = async {
        loop {
            if app.dirty {
                let size = guard.terminal.size()?;
                app.table.viewport = crate::ui::table_viewport(size.into());
                guard.draw(|frame| crate::ui::render(frame, &app))?;
                app.dirty = false;
            }
            if app.should_quit {
                return Ok(());
            }
            let poll_every = if app.push_live { CLOCK_POLL } else { cfg.refresh };
            // During an outage the reconnect probe retries with back-off, and
            // its success reloads everything: polling too would only knock
            // harder on a database that is not there.
            let polling = live.is_some() && crate::app::update::polls(&app);
            let msg = tokio::select! {
                Some(msg) = rx.recv() => msg,
                _ = tick.tick() => Msg::Tick(Utc::now()),
                _ = tokio::time::sleep_until(last_poll + poll_every), if polling => {
                    if !app.push_live || last_reload.elapsed() >= SAFETY_POLL {
                        Msg::RefreshDue
                    } else {
                        Msg::ClockDue
                    }
                }
                ready = &mut ready_rx, if live.is_none() => {
                    let session: Session = match ready {
                        Ok(Ok(session)) => session,
                        Ok(Err(fatal)) => return Err(fatal),
                        Err(_) => return Err(Report::msg("the database connection task stopped unexpectedly")),
                    };
                    app.identity = session.identity.clone();
                    app.source = session.source.clone();
                    // CTODASH_NO_PUSH=1 turns push off (plain polling): the
                    // benchmark's baseline, and a way out if LISTEN misbehaves.
                    let push = std::env::var_os("CTODASH_NO_PUSH").is_none_or(|v| v.is_empty());
                    let listener = worker::spawn_guarded(tx.clone(), "listener", crate::db::listen::run(
                        session.pool.clone(),
                        tx.clone(),
                        crate::db::listen::ListenConfig::default(),
                    ));
                    if !push {
                        listener.abort();
                    }
                    live = Some((Worker::new(session.pool, session.edit, tx.clone()), listener));
                    Msg::ConnectionUp
                }
            };
            // Apply everything already queued before drawing again: a burst of
            // results (or held-down keys) becomes one frame.
            for msg in std::iter::once(msg).chain(std::iter::from_fn(|| rx.try_recv().ok())) {
                let (everything, kpis) = handle(&mut app, live.as_mut().map(|l| &mut l.0), msg);
                if everything {
                    last_reload = tokio::time::Instant::now();
                }
                if kpis {
                    last_poll = tokio::time::Instant::now();
                }
            }
        }
    }
    .await;

    connecting.abort();
    if let Some((_, listener)) = live {
        listener.abort();
    }
    stop.store(true, Ordering::Relaxed);
    drop(guard);
    let _ = input.join();
    match app.fatal {
        // The terminal is back to normal; now the one-paragraph error.
        Some(fatal) if result.is_ok() => Err(Report::msg(fatal)),
        _ => result,
    }
}

/// Until the database is open there is no worker: commands are dropped, and the
/// reload that follows the connection asks for everything again.
/// Returns what the message reloaded (see `update::reloaded`).
fn handle(app: &mut App, mut worker: Option<&mut Worker>, msg: Msg) -> (bool, bool) {
    if let (Msg::ConnectionDown { .. }, Some(w)) = (&msg, worker.as_deref_mut()) {
        w.start_probe();
    }
    let cmds = update(app, msg);
    let reloaded = crate::app::update::reloaded(&cmds);
    for cmd in cmds {
        if let Some(w) = worker.as_deref_mut() {
            w.run(cmd);
        }
    }
    reloaded
}

/// crossterm's blocking reader on its own thread, polling so it can stop.
fn spawn_input_thread(
    tx: UnboundedSender<Msg>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let fail = tx.clone();
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_keys(&tx, &stop)));
        if let Err(panic) = read {
            let _ = fail.send(Msg::WorkerFailed {
                task: "keyboard".into(),
                error: worker::panic_text(panic.as_ref()),
            });
        }
    })
}

fn read_keys(tx: &UnboundedSender<Msg>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match event::poll(Duration::from_millis(100)) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(_) => return,
        }
        let msg = match event::read() {
            Ok(Event::Key(key)) => Msg::Key(key),
            Ok(Event::Resize(..)) => Msg::Resize,
            Ok(_) => continue,
            Err(_) => return,
        };
        if tx.send(msg).is_err() {
            return;
        }
    }
}
