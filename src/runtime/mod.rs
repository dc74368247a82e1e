//! The one place holding the terminal, tokio and the database together: one
//! channel of messages (keys, ticks, results from background tasks) into
//! `update`, commands out to the worker, a redraw only when something changed.
//!
//! The screen opens at once; the database is found and opened in the background
//! (retrying with back-off while it is unreachable), so a down database shows a
//! live "reconnecting" screen rather than an error and an exit.

mod core;
mod external_editor;
mod guard;
mod startup;
pub mod terminal;
mod worker;
mod writes;

pub use core::{CLOCK_POLL, Core, Headless, SAFETY_POLL, spawn_headless, spawn_headless_holding};
pub use worker::is_connection_error;

use crate::app::Msg;
use crate::config::Config;
use crate::db::listen::ListenConfig;
use color_eyre::eyre::{Report, Result, WrapErr};
use crossterm::event::{self, Event, MouseEventKind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

pub async fn run(cfg: &Config) -> Result<()> {
    let mut guard = terminal::enter(cfg.mouse).wrap_err("could not take over the terminal")?;
    // CTODASH_NO_PUSH=1 turns push off (plain polling): the benchmark's
    // baseline, and a way out if LISTEN misbehaves.
    let push = std::env::var_os("CTODASH_NO_PUSH").is_none_or(|v| v.is_empty());
    let mut core = Core::start(cfg, ListenConfig::default(), push);
    core.app.mouse = cfg.mouse;
    core.app.editor = std::env::var("EDITOR")
        .ok()
        .filter(|e| !e.trim().is_empty());
    let stop = Arc::new(AtomicBool::new(false));
    let input = Input::default();
    let reader = spawn_input_thread(core.sender(), stop.clone(), input.clone());

    let result: Result<()> = async {
        loop {
            if core.app.dirty {
                let size = guard.terminal.size()?;
                core.app.table.viewport = crate::ui::table_viewport(size.into());
                guard.draw(|frame| crate::ui::render_with(frame, &core.app, &cfg.theme))?;
                core.app.dirty = false;
            }
            if std::mem::take(&mut core.app.bell) {
                ring_bell();
            }
            if core.app.should_quit {
                return Ok(());
            }
            if let Some(req) = core.app.editor_request.take() {
                let msg =
                    input.paused(|| guard.suspended(cfg.mouse, || external_editor::run(&req)))?;
                let _ = core.sender().send(msg);
            }
            core.step().await?;
        }
    }
    .await;

    let fatal = core.app.fatal.take();
    core.shutdown().await;
    stop.store(true, Ordering::Relaxed);
    drop(guard);
    let _ = reader.join();
    match fatal {
        // The terminal is back to normal; now the one-paragraph error.
        Some(fatal) if result.is_ok() => Err(Report::msg(fatal)),
        _ => result,
    }
}

/// BEL: the terminal beeps or flashes, as the user has it set up. A write
/// that fails is not worth stopping the dashboard for.
fn ring_bell() {
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = out.write_all(b"\x07").and_then(|()| out.flush());
}

/// Pausing the input thread: while `$EDITOR` runs, the keys are the
/// editor's, so the thread stops reading until the dashboard is back.
#[derive(Clone, Default)]
struct Input {
    pause: Arc<AtomicBool>,
    /// Set by the thread once it has stopped reading.
    idle: Arc<AtomicBool>,
}

impl Input {
    fn paused<T>(&self, f: impl FnOnce() -> T) -> T {
        self.pause.store(true, Ordering::SeqCst);
        // The thread polls every 100 ms; wait for it to notice (bounded).
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        while !self.idle.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let out = f();
        self.pause.store(false, Ordering::SeqCst);
        out
    }
}

/// crossterm's blocking reader on its own thread, polling so it can stop.
fn spawn_input_thread(
    tx: UnboundedSender<Msg>,
    stop: Arc<AtomicBool>,
    input: Input,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let fail = tx.clone();
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_keys(&tx, &stop, &input)
        }));
        if let Err(panic) = read {
            let _ = fail.send(Msg::WorkerFailed {
                task: "keyboard".into(),
                error: worker::panic_text(panic.as_ref()),
            });
        }
    })
}

fn read_keys(tx: &UnboundedSender<Msg>, stop: &AtomicBool, input: &Input) {
    while !stop.load(Ordering::Relaxed) {
        if input.pause.load(Ordering::SeqCst) {
            input.idle.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        input.idle.store(false, Ordering::SeqCst);
        match event::poll(Duration::from_millis(100)) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(_) => return,
        }
        let msg = match event::read() {
            Ok(Event::Key(key)) => Msg::Key(key),
            Ok(Event::Resize(..)) => Msg::Resize,
            // Moves and drags would flood the loop for nothing.
            Ok(Event::Mouse(m))
                if matches!(
                    m.kind,
                    MouseEventKind::Down(_) | MouseEventKind::ScrollDown | MouseEventKind::ScrollUp
                ) =>
            {
                Msg::Mouse(m)
            }
            Ok(_) => continue,
            Err(_) => return,
        };
        if tx.send(msg).is_err() {
            return;
        }
    }
}
