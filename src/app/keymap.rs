//! Every key binding, in one table. `update` looks keys up here and the help
//! overlay is generated from it, so the two can never disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    NextPane,
    PrevPane,
    Open,
    Close,
    Search,
    Filter,
    /// Saved views: the tabs above the bug table (1-based, as on screen).
    View(u8),
    NextView,
    PrevView,
    CycleSort,
    ReverseSort,
    ChangeStatus,
    Refresh,
    Help,
    ClearFilters,
    ToggleAllStatuses,
    Left,
    Right,
    Trends,
    EditField,
    NewBug,
    Comment,
    Mark,
    MarkAll,
    Undo,
    Mine,
}

/// One row of the keymap: the keys, what they do, and where.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    /// How the keys are written in the help overlay.
    pub label: &'static str,
    pub action: Action,
    pub help: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Code(KeyCode),
    BackTab,
}

use Action::*;
use Key::*;

pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[Char('j'), Code(KeyCode::Down)],
        label: "j / ↓",
        action: Down,
        help: "move down",
    },
    Binding {
        keys: &[Char('k'), Code(KeyCode::Up)],
        label: "k / ↑",
        action: Up,
        help: "move up",
    },
    Binding {
        keys: &[Char('g'), Code(KeyCode::Home)],
        label: "g / Home",
        action: Top,
        help: "go to the first row",
    },
    Binding {
        keys: &[Char('G'), Code(KeyCode::End)],
        label: "G / End",
        action: Bottom,
        help: "go to the last row",
    },
    Binding {
        keys: &[Code(KeyCode::PageDown), Ctrl('d')],
        label: "PgDn / Ctrl-d",
        action: PageDown,
        help: "page down",
    },
    Binding {
        keys: &[Code(KeyCode::PageUp), Ctrl('u')],
        label: "PgUp / Ctrl-u",
        action: PageUp,
        help: "page up",
    },
    Binding {
        keys: &[Code(KeyCode::Tab)],
        label: "Tab",
        action: NextPane,
        help: "next pane",
    },
    Binding {
        keys: &[BackTab],
        label: "Shift-Tab",
        action: PrevPane,
        help: "previous pane",
    },
    Binding {
        keys: &[Code(KeyCode::Enter)],
        label: "Enter",
        action: Open,
        help: "open the bug's detail; on a project or KPI: its bugs",
    },
    Binding {
        keys: &[Code(KeyCode::Esc)],
        label: "Esc",
        action: Close,
        help: "close a popup, clear the search, or go back to the table",
    },
    Binding {
        keys: &[Char('/')],
        label: "/",
        action: Search,
        help: "search titles and descriptions (live)",
    },
    Binding {
        keys: &[Char('f')],
        label: "f",
        action: Filter,
        help: "filter: severity, status, project, assignee, blocker, SLA",
    },
    Binding {
        keys: &[Char('a')],
        label: "a",
        action: ToggleAllStatuses,
        help: "toggle open bugs / all bugs",
    },
    Binding {
        keys: &[Char('x')],
        label: "x",
        action: ClearFilters,
        help: "clear all filters and the search",
    },
    Binding {
        keys: &[Char('1')],
        label: "1",
        action: View(1),
        help: "switch to view 1 (the tabs above the table)",
    },
    Binding {
        keys: &[Char('2')],
        label: "2",
        action: View(2),
        help: "switch to view 2",
    },
    Binding {
        keys: &[Char('3')],
        label: "3",
        action: View(3),
        help: "switch to view 3",
    },
    Binding {
        keys: &[Char('4')],
        label: "4",
        action: View(4),
        help: "switch to view 4",
    },
    Binding {
        keys: &[Char('5')],
        label: "5",
        action: View(5),
        help: "switch to view 5",
    },
    Binding {
        keys: &[Char('6')],
        label: "6",
        action: View(6),
        help: "switch to view 6",
    },
    Binding {
        keys: &[Char('7')],
        label: "7",
        action: View(7),
        help: "switch to view 7",
    },
    Binding {
        keys: &[Char('8')],
        label: "8",
        action: View(8),
        help: "switch to view 8",
    },
    Binding {
        keys: &[Char('9')],
        label: "9",
        action: View(9),
        help: "switch to view 9",
    },
    Binding {
        keys: &[Char(']')],
        label: "]",
        action: NextView,
        help: "next view tab",
    },
    Binding {
        keys: &[Char('[')],
        label: "[",
        action: PrevView,
        help: "previous view tab",
    },
    Binding {
        keys: &[Char('o')],
        label: "o",
        action: CycleSort,
        help: "sort by the next column",
    },
    Binding {
        keys: &[Char('O')],
        label: "O",
        action: ReverseSort,
        help: "reverse the sort order",
    },
    Binding {
        keys: &[Char('s')],
        label: "s",
        action: ChangeStatus,
        help: "change the status of the selected (or marked) bugs",
    },
    Binding {
        keys: &[Char('e')],
        label: "e",
        action: EditField,
        help: "edit a field (severity, assignee, title, hours, …)",
    },
    Binding {
        keys: &[Char('n')],
        label: "n",
        action: NewBug,
        help: "create a bug",
    },
    Binding {
        keys: &[Char('c')],
        label: "c",
        action: Comment,
        help: "comment on the selected bug",
    },
    Binding {
        keys: &[Char(' ')],
        label: "Space",
        action: Mark,
        help: "mark / unmark the bug: s and e then act on all marked",
    },
    Binding {
        keys: &[Char('*')],
        label: "*",
        action: MarkAll,
        help: "mark all bugs of the filter (≤ 1,000); or unmark all",
    },
    Binding {
        keys: &[Char('u')],
        label: "u",
        action: Undo,
        help: "undo my last change (asks first)",
    },
    Binding {
        keys: &[Char('m')],
        label: "m",
        action: Mine,
        help: "toggle: only bugs assigned to me",
    },
    Binding {
        keys: &[Char('r')],
        label: "r",
        action: Refresh,
        help: "refresh now",
    },
    Binding {
        keys: &[Char('?')],
        label: "?",
        action: Help,
        help: "show or hide this help",
    },
    Binding {
        keys: &[Char('h'), Code(KeyCode::Left)],
        label: "h / ←",
        action: Left,
        help: "KPI pane: previous column of figures; chart: previous chart",
    },
    Binding {
        keys: &[Char('l'), Code(KeyCode::Right)],
        label: "l / →",
        action: Right,
        help: "KPI pane: next column of figures; chart: next chart",
    },
    Binding {
        keys: &[Char('t')],
        label: "t",
        action: Trends,
        help: "full-screen chart of the monthly trends (1-4, ← → switch)",
    },
    Binding {
        keys: &[Char('q'), Ctrl('c')],
        label: "q / Ctrl-c",
        action: Quit,
        help: "quit (Ctrl-c works everywhere)",
    },
];

/// Keys inside popups; listed in the help overlay under "In popups".
pub const POPUP_HELP: &[(&str, &str)] = &[
    ("j k / ↑ ↓", "choose"),
    ("Enter", "pick the highlighted choice"),
    (
        "y",
        "confirm a status change or an undo (Enter does not, on purpose)",
    ),
    ("n / Esc", "cancel"),
    ("Space", "toggle a filter value"),
    ("r", "re-apply after a conflict, on the fresh row"),
    ("o", "after a refused change: apply it to the other bugs"),
    ("type", "in a picker: narrow the list (↑ ↓ choose)"),
    (
        "Tab / Shift-Tab",
        "in the new-bug form: next / previous field",
    ),
    ("Ctrl-s / F2", "save a text (Enter starts a new line)"),
];

impl Action {
    /// The name `[keys]` in the config file uses: the variant in snake_case
    /// (`ChangeStatus` → `change_status`), so a new row in `BINDINGS` is
    /// configurable with no further code; numbered views are `view_1`….
    pub fn name(self) -> String {
        if let View(n) = self {
            return format!("view_{n}");
        }
        let mut out = String::new();
        for (i, c) in format!("{self:?}").chars().enumerate() {
            if c.is_ascii_uppercase() {
                if i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }
}

impl Key {
    /// How the key is shown on screen (help overlay, footer, view tabs).
    pub fn label(self) -> String {
        match self {
            Char(' ') => "Space".into(),
            Char(c) => c.to_string(),
            Ctrl(c) => format!("Ctrl-{c}"),
            BackTab => "Shift-Tab".into(),
            Code(code) => match code {
                KeyCode::Down => "↓".into(),
                KeyCode::Up => "↑".into(),
                KeyCode::Left => "←".into(),
                KeyCode::Right => "→".into(),
                KeyCode::PageDown => "PgDn".into(),
                KeyCode::PageUp => "PgUp".into(),
                KeyCode::Delete => "Del".into(),
                KeyCode::Insert => "Ins".into(),
                KeyCode::Enter => "Enter".into(),
                KeyCode::Backspace => "Backspace".into(),
                other => other.to_string(),
            },
        }
    }

    /// How the key is written in the config file (what `keys::parse_key` reads back).
    pub fn config_name(self) -> String {
        match self {
            Char(' ') => "space".into(),
            Char(c) => c.to_string(),
            Ctrl(c) => format!("ctrl-{c}"),
            BackTab => "shift-tab".into(),
            Code(code) => match code {
                KeyCode::Esc => "esc".into(),
                KeyCode::Enter => "enter".into(),
                KeyCode::Left => "left".into(),
                KeyCode::Right => "right".into(),
                KeyCode::Up => "up".into(),
                KeyCode::Down => "down".into(),
                KeyCode::Home => "home".into(),
                KeyCode::End => "end".into(),
                KeyCode::PageUp => "pageup".into(),
                KeyCode::PageDown => "pagedown".into(),
                KeyCode::Backspace => "backspace".into(),
                KeyCode::Delete => "delete".into(),
                KeyCode::Insert => "insert".into(),
                KeyCode::Tab => "tab".into(),
                KeyCode::F(n) => format!("f{n}"),
                other => format!("{other:?}").to_lowercase(),
            },
        }
    }
}

pub fn matches(key: Key, ev: &KeyEvent) -> bool {
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    match key {
        Char(c) => !ctrl && ev.code == KeyCode::Char(c),
        Ctrl(c) => ctrl && ev.code == KeyCode::Char(c),
        Code(code) => !ctrl && ev.code == code,
        BackTab => ev.code == KeyCode::BackTab,
    }
}

/// The action a key means on the main screen, if any.
pub fn action_for(ev: &KeyEvent) -> Option<Action> {
    BINDINGS
        .iter()
        .find(|b| b.keys.iter().any(|k| matches(*k, ev)))
        .map(|b| b.action)
}

/// Ctrl-C quits from anywhere, including text inputs and popups.
pub fn is_force_quit(ev: &KeyEvent) -> bool {
    matches(Ctrl('c'), ev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn fixed_bindings_from_the_issue_are_present() {
        for (code, action) in [
            (KeyCode::Char('j'), Down),
            (KeyCode::Down, Down),
            (KeyCode::Char('k'), Up),
            (KeyCode::Char('g'), Top),
            (KeyCode::Char('G'), Bottom),
            (KeyCode::PageDown, PageDown),
            (KeyCode::Tab, NextPane),
            (KeyCode::BackTab, PrevPane),
            (KeyCode::Enter, Open),
            (KeyCode::Esc, Close),
            (KeyCode::Char('/'), Search),
            (KeyCode::Char('f'), Filter),
            (KeyCode::Char('o'), CycleSort),
            (KeyCode::Char('O'), ReverseSort),
            (KeyCode::Char('s'), ChangeStatus),
            (KeyCode::Char('r'), Refresh),
            (KeyCode::Char('?'), Help),
            (KeyCode::Char('q'), Quit),
            (KeyCode::Char('e'), EditField),
            (KeyCode::Char('n'), NewBug),
            (KeyCode::Char('c'), Comment),
            (KeyCode::Char(' '), Mark),
            (KeyCode::Char('*'), MarkAll),
            (KeyCode::Char('u'), Undo),
            (KeyCode::Char('m'), Mine),
        ] {
            assert_eq!(action_for(&key(code)), Some(action), "{code:?}");
        }
        assert!(is_force_quit(&KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL
        )));
        // Plain `c` comments; only Ctrl-c quits.
        assert_eq!(action_for(&key(KeyCode::Char('c'))), Some(Comment));
    }

    #[test]
    fn no_key_is_bound_twice() {
        let all: Vec<Key> = BINDINGS
            .iter()
            .flat_map(|b| b.keys.iter().copied())
            .collect();
        for (i, k) in all.iter().enumerate() {
            assert!(!all[i + 1..].contains(k), "{k:?} bound twice");
        }
    }
}
