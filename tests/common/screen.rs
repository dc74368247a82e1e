#![allow(dead_code)] // shared by several test targets, each using a subset
//! The dashboard drawn on ratatui's `TestBackend`, read back as text.

use ctodash::app::App;
use ctodash::ui::{Theme, render_with};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

pub fn draw(app: &App, w: u16, h: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| render_with(f, app, &Theme::colour()))
        .unwrap();
    terminal.backend().buffer().clone()
}

/// The screen as a terminal shows it: the blank cell after a wide character
/// is skipped, and must be blank (else two things were drawn over each other).
pub fn screen(app: &App, w: u16, h: u16) -> String {
    let buf = draw(app, w, h);
    let mut out = String::new();
    for y in 0..h {
        let mut skip = 0;
        for x in 0..w {
            let symbol = buf[(x, y)].symbol();
            if skip > 0 {
                assert_eq!(symbol, " ", "overdrawn wide character at {x},{y}");
                skip -= 1;
                continue;
            }
            out.push_str(symbol);
            if !symbol.is_ascii() {
                skip = ratatui::text::Span::raw(symbol).width().saturating_sub(1);
            }
        }
        out.push('\n');
    }
    out
}

/// Where `needle` first starts at or below line `from` (column in characters).
pub fn find_below(app: &App, w: u16, h: u16, needle: &str, from: usize) -> (u16, u16) {
    let text = screen(app, w, h);
    for (y, line) in text.lines().enumerate().skip(from) {
        if let Some(i) = line.find(needle) {
            let x = ratatui::text::Span::raw(&line[..i]).width();
            return (x as u16, y as u16);
        }
    }
    panic!("{needle} not on screen:\n{text}");
}
