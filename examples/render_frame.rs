//! Renders the full dashboard at 200×60 many times and prints the mean frame
//! time: a database-free way to profile drawing, e.g.
//! `cargo build --release --example render_frame &&
//!  valgrind --tool=callgrind target/release/examples/render_frame 200`.
//! The benchmark's "frame render" figure is the authoritative number.

use chrono::Utc;
use ctodash::app::fixtures::sample_app;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::Instant;

fn main() {
    let frames: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000);
    let mut app = sample_app(Utc::now());
    // Fill the table and the portfolio beyond what 60 rows can show, as real data does.
    let rows = app.table.rows.clone();
    let projects = app.portfolio.rows.clone();
    for i in 0..120 {
        let mut r = rows[i % rows.len()].clone();
        r.number = format!("BUG-{}", 20_000 + i);
        app.table.rows.push(r);
        app.portfolio
            .rows
            .push(projects[i % projects.len()].clone());
    }
    app.table.viewport = 40;
    let theme = ctodash::ui::Theme::colour();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("test backend");
    let started = Instant::now();
    for _ in 0..frames {
        terminal
            .draw(|f| ctodash::ui::render_with(f, &app, &theme))
            .expect("draw");
    }
    let per = started.elapsed().as_secs_f64() * 1e3 / f64::from(frames);
    println!("{frames} frames at 200×60: {per:.3} ms per frame");
}
