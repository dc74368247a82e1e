//! The config file's views, keys and theme: what a correct file gives, and
//! for every mistake the one paragraph naming the file, the line and the fix.

use ctodash::app::keymap::{Action, Key};
use ctodash::cli::GlobalArgs;
use ctodash::config::{self, Config, ConfigError};
use ctodash::domain::Severity;
use ctodash::query::{SortKey, StatusFilter};
use ctodash::ui::{Theme, ThemeName};
use ratatui::style::Color;
use std::path::PathBuf;

struct File {
    dir: PathBuf,
    path: PathBuf,
}

impl File {
    fn new(text: &str) -> File {
        let dir =
            std::env::temp_dir().join(format!("ctodash-cfg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, text).unwrap();
        File { dir, path }
    }

    fn load_with(&self, theme: Option<&str>, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let args = GlobalArgs {
            config: Some(self.path.clone()),
            theme: theme.map(String::from),
            ..Default::default()
        };
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        config::load(&args, |k| {
            env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    }

    fn load(&self) -> Result<Config, ConfigError> {
        self.load_with(None, &[])
    }
}

impl Drop for File {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

#[test]
fn views_keys_and_theme_are_read() {
    let f = File::new(
        r#"
theme = "light"

[[views]]
name = "Breached critical"
severity = ["critical", "high"]
sla_breached = true

[[views]]
name = "My work"
assignee = "me"
status = ["in_progress", "verified"]
sort = "-age"
search = "checkout"
project = "Payments"
blocker = true

[keys]
quit = ["Q"]
down = ["j", "down", "ctrl-n"]
"#,
    );
    let cfg = f.load().unwrap();
    assert_eq!(cfg.views.len(), 2);
    let v = &cfg.views[0];
    assert_eq!(v.name, "Breached critical");
    assert_eq!(
        v.query.filter.severities,
        vec![Severity::Critical, Severity::High]
    );
    assert!(v.query.filter.sla_breached_only);
    let mine = &cfg.views[1];
    assert!(mine.mine);
    assert_eq!(
        mine.query_for(Some("me@x.io"))
            .unwrap()
            .filter
            .assignee
            .as_deref(),
        Some("me@x.io")
    );
    assert!(matches!(mine.query.filter.status, StatusFilter::Only(ref s) if s.len() == 2));
    assert_eq!(mine.query.sort.key, SortKey::Age);
    assert!(mine.query.sort.reversed);
    assert_eq!(mine.query.filter.search, "checkout");
    assert_eq!(mine.query.filter.project.as_deref(), Some("Payments"));
    assert!(mine.query.filter.blocker_only);

    assert_eq!(cfg.keys.keys(Action::Quit), &[Key::Char('Q')]);
    assert_eq!(
        cfg.keys.keys(Action::Down),
        &[
            Key::Char('j'),
            Key::Code(crossterm::event::KeyCode::Down),
            Key::Ctrl('n')
        ]
    );
    assert_eq!(
        cfg.keys.keys(Action::Up),
        &[Key::Char('k'), Key::Code(crossterm::event::KeyCode::Up)]
    );
    assert_eq!(cfg.theme, ThemeName::Light.theme());
}

#[test]
fn theme_overrides_merge_over_the_base_and_flags_and_no_color_win() {
    let f = File::new(
        "[theme]\nbase = \"high-contrast\"\nkey = \"#ff8800\"\ntab_active = \"white on blue\"\n",
    );
    let cfg = f.load().unwrap();
    let base = ThemeName::HighContrast.theme();
    assert_eq!(cfg.theme.key.fg, Some(Color::Rgb(0xff, 0x88, 0x00)));
    assert_eq!(
        cfg.theme.key.add_modifier, base.key.add_modifier,
        "bold stays"
    );
    assert_eq!(cfg.theme.tab_active.bg, Some(Color::Blue));
    assert_eq!(cfg.theme.bad, base.bad, "the rest is the base theme's");

    let cfg = f.load_with(Some("mono"), &[]).unwrap();
    assert_eq!(
        cfg.theme.key.fg,
        Some(Color::Rgb(0xff, 0x88, 0x00)),
        "--theme picks the base; overrides still apply"
    );
    assert_eq!(cfg.theme.bad, Theme::no_colour().bad);

    let cfg = f.load_with(None, &[("NO_COLOR", "1")]).unwrap();
    assert_eq!(cfg.theme, Theme::no_colour(), "NO_COLOR forces mono");
    let cfg = f.load_with(None, &[("NO_COLOR", "")]).unwrap();
    assert_ne!(cfg.theme, Theme::no_colour(), "an empty NO_COLOR is unset");

    let none = File::new("");
    assert_eq!(
        none.load().unwrap().theme,
        Theme::colour(),
        "dark by default"
    );
}

/// The paragraph for `text`, checked to name the file and `line`.
#[track_caller]
fn error(text: &str, line: usize) -> String {
    let f = File::new(text);
    let msg = f.load().expect_err("the file is wrong").to_string();
    assert!(
        msg.contains(&f.path.display().to_string()),
        "names the file: {msg}"
    );
    assert!(
        msg.contains(&format!("line {line}:")),
        "names line {line}: {msg}"
    );
    assert!(!msg.contains('\n'), "one paragraph: {msg}");
    msg
}

#[track_caller]
fn has(msg: &str, needles: &[&str]) {
    for n in needles {
        assert!(msg.contains(n), "{n:?} not in: {msg}");
    }
}

#[test]
fn unknown_keys_name_the_valid_ones() {
    has(
        &error("refresh_seconds = 2\ndatabse_url = 'x'\n", 2),
        &[
            "unknown key `databse_url`",
            "Valid keys here are",
            "`database_url`",
            "ctodash config --default",
        ],
    );
    has(
        &error("[[views]]\nname = 'x'\ncolour = 'red'\n", 3),
        &["unknown key `colour`", "`sla_breached`"],
    );
    has(
        &error("refresh_seconds = \n", 1),
        &["ctodash config --default"],
    );
}

#[test]
fn setting_mistakes() {
    has(
        &error("user = 'a@b.c'\nrefresh_seconds = 0.01\n", 2),
        &[
            "refresh_seconds must be between 0.2 and 3600 (got 0.01)",
            "default is 2",
        ],
    );
    let f = File::new("\npool_size = 99\n");
    let msg = f.load().unwrap_err().to_string();
    has(
        &msg,
        &[
            "pool_size must be a whole number from 1 to 32",
            &format!("got 99 from the config file {}, line 2", f.path.display()),
        ],
    );
}

#[test]
fn key_mistakes() {
    has(
        &error("[keys]\n\njump = ['j']\n", 3),
        &[
            "unknown action `jump`",
            "quit",
            "next_view",
            "change_status",
        ],
    );
    has(
        &error("[keys]\ndown = ['downn']\n", 2),
        &["[keys] down", "\"downn\" is not a key", "ctrl-n"],
    );
    has(
        &error("[keys]\ndown = ['alt-j']\n", 2),
        &["modifier", "ctrl- with a letter"],
    );
    has(
        &error("[keys]\ndown = ['ctrl-c']\n", 2),
        &["ctrl-c always quits", "another key"],
    );
    has(&error("[keys]\nquit = 'Q'\n", 2), &["sequence"]);
    has(
        &error("[keys]\nquit = ['j']\n", 2),
        &[
            "\"j\" is bound to two actions",
            "`down`",
            "`quit`",
            "down = [\"down\"]",
        ],
    );
    has(
        &error("[keys]\nhelp = ['h']\n\nsearch = ['/', 'h']\n", 4),
        &["\"h\" is bound to two actions", "Remove \"h\" from"],
    );
}

#[test]
fn theme_mistakes() {
    has(
        &error("theme = 'solarized'\n", 1),
        &["\"solarized\" is not a theme", "\"high-contrast\""],
    );
    has(
        &error("[theme]\nbase = 'dusk'\n", 2),
        &["\"dusk\" is not a theme"],
    );
    has(
        &error("[theme]\nkey = 'cyann'\n", 2),
        &["[theme] key", "\"cyann\" is not a colour", "#rrggbb"],
    );
    has(
        &error("[theme]\n\nkeys = 'cyan'\n", 3),
        &["`keys` is not a style", "tab_active"],
    );
    let msg = File::new("")
        .load_with(Some("neon"), &[])
        .unwrap_err()
        .to_string();
    has(&msg, &["--theme", "\"neon\" is not a theme", "\"mono\""]);
}

#[test]
fn view_mistakes() {
    has(
        &error("[[views]]\nname = 'X'\nseverity = ['critcal']\n", 3),
        &[
            "view \"X\"",
            "\"critcal\" is not a valid severity",
            "[[views]] example",
        ],
    );
    has(
        &error("[[views]]\nname = 'X'\nstatus = 'opne'\n", 3),
        &["\"opne\" is not a valid", "\"open\"", "\"all\""],
    );
    has(
        &error("[[views]]\nname = 'X'\nstatus = []\n", 3),
        &["empty status list"],
    );
    has(
        &error("[[views]]\nname = 'X'\nsort = '-agee'\n", 3),
        &["unknown sort column `agee`"],
    );
    has(
        &error("[[views]]\nname = 'open'\n", 2),
        &["two views are named \"Open\"", "built-in views"],
    );
    has(
        &error("[[views]]\nname = 'A'\n[[views]]\nname = 'a'\n", 4),
        &["two views are named \"A\""],
    );
    has(&error("[[views]]\nname = ' '\n", 2), &["empty name"]);
    has(
        &error("[[views]]\nseverity = ['high']\n", 1),
        &["missing field `name`"],
    );
    has(
        &error("[[views]]\nname = 'X'\nblocker = 'yes'\n", 3),
        &["boolean"],
    );
}

#[test]
fn the_default_text_is_a_valid_config_and_its_keys_section_round_trips() {
    let text = config::default::text();
    let f = File::new(&text);
    let cfg = f.load().expect("the default file loads");
    assert!(cfg.views.is_empty());
    // Uncomment every line of the [keys] section: exactly the defaults.
    let keys_at = text.find("# [keys]").unwrap();
    let uncommented: String = text[keys_at..]
        .lines()
        .map(|l| {
            l.trim_start_matches("# ")
                .split("   #")
                .next()
                .unwrap()
                .to_string()
                + "\n"
        })
        .collect();
    let f = File::new(&uncommented);
    assert_eq!(
        f.load().unwrap().keys,
        ctodash::app::keys::Keymap::default()
    );
    // And the views example, uncommented, gives its two views.
    let views_at = text.find("# [[views]]").unwrap();
    let end = text[views_at..].find("\n\n").unwrap() + views_at;
    let views: String = text[views_at..end]
        .lines()
        .map(|l| l.trim_start_matches('#').trim().to_string() + "\n")
        .collect();
    let f = File::new(&views);
    let cfg = f.load().unwrap();
    assert_eq!(cfg.views.len(), 2);
    assert!(cfg.views[1].mine);
}
