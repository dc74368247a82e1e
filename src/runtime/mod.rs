//! The one place holding the terminal, tokio and the database together: one
//! channel of messages (keys, ticks, results from background tasks) into
//! `update`, commands out to the worker, a redraw only when something changed.

mod startup;
pub mod terminal;
mod worker;

pub use worker::is_connection_error;

use crate::app::update::update;
use crate::app::{App, Msg};
use crate::config::Config;
use chrono::Utc;
use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{self, Event};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedSender};
use worker::Worker;

pub async fn run(cfg: &Config) -> Result<()> {
    let session = startup::prepare(cfg).await?;
    let mut guard = terminal::enter().wrap_err("could not take over the terminal")?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let stop = Arc::new(AtomicBool::new(false));
    let input = spawn_input_thread(tx.clone(), stop.clone());

    let mut app = App::new(Utc::now(), session.identity, session.source);
    let mut worker = Worker::new(session.pool, session.edit, tx);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut refresh = tokio::time::interval(cfg.refresh);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    let result: Result<()> = async {
        loop {
            if app.dirty {
                let size = guard.terminal.size()?;
                // TODO(integration): take this from the ui layout.
                app.table.viewport = (size.height as usize).saturating_sub(16).max(3);
                guard.draw(|frame| crate::ui::render(frame, &app))?;
                app.dirty = false;
            }
            if app.should_quit {
                return Ok(());
            }
            let msg = tokio::select! {
                Some(msg) = rx.recv() => msg,
                _ = tick.tick() => Msg::Tick(Utc::now()),
                _ = refresh.tick() => Msg::RefreshDue,
            };
            handle(&mut app, &mut worker, msg);
            // Apply everything already queued before drawing again: a burst of
            // results (or held-down keys) becomes one frame.
            while let Ok(msg) = rx.try_recv() {
                handle(&mut app, &mut worker, msg);
            }
        }
    }
    .await;

    stop.store(true, Ordering::Relaxed);
    drop(guard);
    let _ = input.join();
    result
}

fn handle(app: &mut App, worker: &mut Worker, msg: Msg) {
    if matches!(msg, Msg::ConnectionDown { .. }) {
        worker.start_probe();
    }
    for cmd in update(app, msg) {
        worker.run(cmd);
    }
}

/// crossterm's blocking reader on its own thread, polling so it can stop.
fn spawn_input_thread(
    tx: UnboundedSender<Msg>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
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
    })
}
