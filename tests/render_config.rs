//! What the config file changes on screen. Every theme drawn at 80×24 and
//! wide (160×48), snapshotted with its styles (text snapshots alone would be
//! the same for every theme), plus what each theme promises: mono uses no
//! colour, overrides land where they say; the view tabs highlight the view
//! the table shows; remapped keys show in the help overlay and the footer.

#[path = "common/screen.rs"]
mod screen;

use chrono::{DateTime, TimeZone, Utc};
use ctodash::app::App;
use ctodash::app::fixtures::sample_app;
use ctodash::app::keymap::{Action, Key};
use ctodash::app::keys::Keymap;
use ctodash::app::state::{Overlay, ScrollLimit};
use ctodash::ui::{Theme, ThemeName};
use ratatui::style::Color;
use screen::{draw, screen, styles};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn app() -> App {
    sample_app(now())
}

#[test]
fn every_theme_at_80x24_and_wide() {
    for name in ThemeName::ALL {
        let theme = name.theme();
        for (w, h) in SIZES {
            let buf = draw(&app(), w, h, &theme);
            let shot = format!("{}\n{}", screen(&buf), styles(&buf));
            insta::assert_snapshot!(format!("theme_{}_{w}x{h}", name.as_str()), shot);
        }
    }
}

#[test]
fn themes_differ_and_mono_has_no_colour() {
    let shots: Vec<String> = ThemeName::ALL
        .iter()
        .map(|n| styles(&draw(&app(), 160, 48, &n.theme())))
        .collect();
    for (i, a) in shots.iter().enumerate() {
        for b in &shots[i + 1..] {
            assert_ne!(a, b, "two themes draw the same styles");
        }
    }
    let buf = draw(&app(), 160, 48, &ThemeName::Mono.theme());
    for cell in buf.content() {
        let plain = |c: Color| c == Color::Reset;
        assert!(
            plain(cell.fg) && plain(cell.bg),
            "mono drew a colour: {cell:?}"
        );
    }
}

/// Where a text starts on screen.
fn find(buf: &ratatui::buffer::Buffer, needle: &str) -> (u16, u16) {
    let text = screen(buf);
    for (y, line) in text.lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            let x = line[..byte].chars().count();
            return (x as u16, y as u16);
        }
    }
    panic!("{needle:?} not on screen:\n{text}");
}

#[test]
fn an_override_recolours_only_its_style() {
    let mut theme = Theme::colour();
    theme
        .override_slot("tab_active", "white on magenta")
        .unwrap();
    let buf = draw(&app(), 160, 48, &theme);
    // The table shows the Open view, so its tab is the active one.
    let (x, y) = find(&buf, "1 Open 4,567");
    assert_eq!(buf[(x, y)].bg, Color::Magenta);
    assert_eq!(buf[(x, y)].fg, Color::White);
    let (x, y) = find(&buf, "Mine 12");
    assert_ne!(
        buf[(x, y)].bg,
        Color::Magenta,
        "other tabs keep their style"
    );
}

#[test]
fn the_active_tab_follows_the_table_query() {
    let mut app = app();
    app.table.query.filter.blocker_only = true;
    let theme = Theme::colour();
    let buf = draw(&app, 160, 48, &theme);
    let (x, y) = find(&buf, "4 Blockers 9");
    assert_eq!(buf[(x, y)].bg, Color::Cyan, "Blockers is the view shown");
    let (x, y) = find(&buf, "1 Open");
    assert_ne!(buf[(x, y)].bg, Color::Cyan);
    // A filter no view has: no tab is lit.
    app.table.query.filter.project = Some("Checkout".into());
    let buf = draw(&app, 160, 48, &theme);
    let (x, y) = find(&buf, "4 Blockers");
    assert_ne!(buf[(x, y)].bg, Color::Cyan);
}

#[test]
fn help_and_footer_show_the_keys_in_force() {
    let mut app = app();
    app.notice = None;
    let theme = Theme::colour();
    let footer = |app: &App| {
        let text = screen(&draw(app, 160, 48, &theme));
        text.lines().last().unwrap().to_string()
    };
    assert!(footer(&app).contains("q quit"), "{}", footer(&app));
    app.keys = Keymap::with_remaps(&[
        (Action::Quit, vec![Key::Char('Q')]),
        (Action::Down, vec![Key::Char('j'), Key::Ctrl('n')]),
        (Action::View(2), vec![Key::Char('w')]),
    ])
    .unwrap();
    assert!(footer(&app).contains("Q quit"), "{}", footer(&app));
    app.overlay = Some(Overlay::Help {
        scroll: 0,
        limit: ScrollLimit::default(),
    });
    let text = screen(&draw(&app, 160, 48, &theme));
    let line_with = |keys: &str, what: &str| {
        text.lines()
            .any(|l| l.contains(&format!("   {keys}  ")) && l.contains(what))
    };
    assert!(line_with("j / Ctrl-n", "move down"), "{text}");
    assert!(
        line_with("1 w 3 4 5 6 7 8 9", "switch to that view"),
        "{text}"
    );
    assert!(line_with("Q", "quit (Ctrl-c"), "{text}");
    assert!(!text.contains("j / ↓"), "the default label is gone: {text}");
}
