//! Owning the terminal: raw mode and the alternate screen on the way in, and a
//! guaranteed way back out — on quit, on error (the guard's Drop) and on panic
//! (the hook), so a crash never leaves the user's shell unusable.

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    BeginSynchronizedUpdate, Clear, ClearType, EndSynchronizedUpdate, EnterAlternateScreen,
    LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// The dashboard holds the terminal (raw mode, alternate screen).
static TAKEN: AtomicBool = AtomicBool::new(false);

pub type Term = Terminal<CrosstermBackend<BufWriter<Stdout>>>;

/// Restores the terminal when dropped.
pub struct TerminalGuard {
    pub terminal: Term,
}

/// Takes over the terminal; `mouse`: also read clicks and the wheel.
pub fn enter(mouse: bool) -> io::Result<TerminalGuard> {
    install_panic_hook();
    take(mouse)?;
    let terminal = new_terminal()?;
    TAKEN.store(true, Ordering::SeqCst);
    Ok(TerminalGuard { terminal })
}

/// A buffered writer turns each frame into one write: less tearing over SSH.
fn new_terminal() -> io::Result<Term> {
    Terminal::new(CrosstermBackend::new(BufWriter::with_capacity(
        64 * 1024,
        io::stdout(),
    )))
}

fn take(mouse: bool) -> io::Result<()> {
    enable_raw_mode()?;
    let mut out = io::stdout();
    let entered = execute!(out, EnterAlternateScreen).and_then(|()| {
        if mouse {
            execute!(out, EnableMouseCapture)
        } else {
            Ok(())
        }
    });
    if let Err(e) = entered {
        restore();
        return Err(e);
    }
    Ok(())
}

pub fn restore() {
    let _ = disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = out.flush();
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = self.terminal.backend_mut().flush();
        restore();
        TAKEN.store(false, Ordering::SeqCst);
    }
}

impl TerminalGuard {
    /// Gives the terminal back for a while (to run `$EDITOR`), then takes it
    /// again and redraws everything on the next frame.
    pub fn suspended<T>(&mut self, mouse: bool, f: impl FnOnce() -> T) -> io::Result<T> {
        let _ = self.terminal.backend_mut().flush();
        restore();
        let out = f();
        take(mouse)?;
        // A fresh terminal draws the whole next frame. (`Terminal::clear`
        // would ask the terminal where its cursor is, which not every
        // terminal answers.)
        execute!(io::stdout(), Clear(ClearType::All))?;
        self.terminal = new_terminal()?;
        Ok(out)
    }

    /// Draws one frame inside a synchronized update, so terminals that support it
    /// show the frame whole instead of half-painted.
    pub fn draw(&mut self, render: impl FnOnce(&mut ratatui::Frame)) -> io::Result<()> {
        execute!(self.terminal.backend_mut(), BeginSynchronizedUpdate)?;
        self.terminal.draw(render)?;
        execute!(self.terminal.backend_mut(), EndSynchronizedUpdate)?;
        self.terminal.backend_mut().flush()
    }
}

/// Wraps the hook already installed (color-eyre's, installed first in `main`).
/// A panic on the UI thread ends the app: restore the terminal, then report.
/// A panic on any other thread is caught where it happens and reported to the
/// UI loop (`WorkerFailed`), which exits cleanly: restoring the terminal now
/// would leave a still-running app drawing over the shell, and printing would
/// tear the screen, so it only goes to the log.
fn install_panic_hook() {
    let ui = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if TAKEN.load(Ordering::SeqCst) && std::thread::current().id() != ui {
            tracing::error!("panic in a background thread: {info}");
            return;
        }
        restore();
        previous(info);
    }));
}
