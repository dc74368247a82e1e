//! Drawing the dashboard on `TestBackend` and reading the result back as a
//! terminal would show it: the text, and (for theme tests) its styles.
#![allow(dead_code)]

use ctodash::app::App;
use ctodash::ui::{Theme, render_with};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Style;

pub fn draw(app: &App, w: u16, h: u16, theme: &Theme) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| render_with(f, app, theme)).unwrap();
    terminal.backend().buffer().clone()
}

/// The screen as a terminal would show it. A wide character covers the cell
/// after it; anything but a blank there means two things were drawn on top
/// of each other, which would misalign the real terminal.
pub fn screen(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut skip = 0;
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            if skip > 0 {
                assert_eq!(cell.symbol(), " ", "overdrawn wide character at {x},{y}");
                skip -= 1;
                continue;
            }
            let symbol = cell.symbol();
            out.push_str(symbol);
            if !symbol.is_ascii() {
                skip = ratatui::text::Span::raw(symbol).width().saturating_sub(1);
            }
        }
        out.push('\n');
    }
    out
}

/// The styles of the screen: one letter per cell, a letter per distinct
/// style in order of first appearance, then the legend of what each letter
/// is. Text snapshots drop colour; this is the part a theme changes.
pub fn styles(buf: &Buffer) -> String {
    let mut seen: Vec<Style> = Vec::new();
    let mut grid = String::new();
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let style = buf[(x, y)].style();
            let i = match seen.iter().position(|s| *s == style) {
                Some(i) => i,
                None => {
                    seen.push(style);
                    seen.len() - 1
                }
            };
            grid.push(LETTERS.get(i).map_or('?', |b| *b as char));
        }
        grid.push('\n');
    }
    let mut legend = String::new();
    for (i, s) in seen.iter().enumerate() {
        let letter = LETTERS.get(i).map_or('?', |b| *b as char);
        legend.push_str(&format!(
            "{letter}: fg {:?} bg {:?} +{:?}\n",
            s.fg, s.bg, s.add_modifier
        ));
    }
    format!("{grid}\n{legend}")
}

/// The screen of `app` at `w`×`h` in the default theme, as text.
pub fn app_screen(app: &App, w: u16, h: u16) -> String {
    screen(&draw(app, w, h, &Theme::colour()))
}

/// Where `needle` first starts at or below line `from` (column in characters).
pub fn find_below(app: &App, w: u16, h: u16, needle: &str, from: usize) -> (u16, u16) {
    let text = app_screen(app, w, h);
    for (y, line) in text.lines().enumerate().skip(from) {
        if let Some(i) = line.find(needle) {
            let x = ratatui::text::Span::raw(&line[..i]).width();
            return (x as u16, y as u16);
        }
    }
    panic!("{needle} not on screen:\n{text}");
}
