//! The keys in force: `keymap::BINDINGS` with the config file's `[keys]`
//! remaps applied. A remap replaces all of an action's default keys; the
//! help overlay and footer read their labels from here, so they show what a
//! key press really does.

use super::keymap::{Action, BINDINGS, Key, matches};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub action: Action,
    pub keys: Vec<Key>,
    /// How the keys are written on screen.
    pub label: String,
    pub help: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    entries: Vec<Entry>,
}

/// Two actions share a key; the caller knows which of them the file remapped.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub key: Key,
    pub first: Action,
    pub second: Action,
}

impl Default for Keymap {
    fn default() -> Keymap {
        Keymap {
            entries: BINDINGS
                .iter()
                .map(|b| Entry {
                    action: b.action,
                    keys: b.keys.to_vec(),
                    label: b.label.to_string(),
                    help: b.help,
                })
                .collect(),
        }
    }
}

impl Keymap {
    /// The defaults with `remaps` applied. Fails when a key ends up meaning
    /// two actions: a key press must never depend on the table's order.
    pub fn with_remaps(remaps: &[(Action, Vec<Key>)]) -> Result<Keymap, Conflict> {
        let mut map = Keymap::default();
        for (action, keys) in remaps {
            if let Some(e) = map.entries.iter_mut().find(|e| e.action == *action) {
                e.keys = keys.clone();
                e.label = label_of(keys);
            }
        }
        let all: Vec<(Key, Action)> = map
            .entries
            .iter()
            .flat_map(|e| e.keys.iter().map(move |k| (*k, e.action)))
            .collect();
        for (i, (key, first)) in all.iter().enumerate() {
            if let Some((_, second)) = all[i + 1..].iter().find(|(k, a)| k == key && a != first) {
                return Err(Conflict {
                    key: *key,
                    first: *first,
                    second: *second,
                });
            }
        }
        Ok(map)
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The action a key means on the main screen, if any.
    pub fn action_for(&self, ev: &KeyEvent) -> Option<Action> {
        self.entries
            .iter()
            .find(|e| e.keys.iter().any(|k| matches(*k, ev)))
            .map(|e| e.action)
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.entries
            .iter()
            .find(|e| e.action == action)
            .map_or(&[], |e| e.keys.as_slice())
    }

    /// The first key of `action`, for short hints (footer, view tabs);
    /// `None` when the config file left the action without keys.
    pub fn short_label(&self, action: Action) -> Option<String> {
        self.keys(action).first().map(|k| k.label())
    }
}

fn label_of(keys: &[Key]) -> String {
    if keys.is_empty() {
        return "(no key)".into();
    }
    keys.iter()
        .map(|k| k.label())
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Every action the config file may remap, in the help overlay's order.
pub fn actions() -> Vec<Action> {
    let mut out: Vec<Action> = Vec::new();
    for b in BINDINGS {
        if !out.contains(&b.action) {
            out.push(b.action);
        }
    }
    out
}

pub fn action_named(name: &str) -> Option<Action> {
    actions().into_iter().find(|a| a.name() == name.trim())
}

/// A key as the config file writes it: `"j"`, `"Q"`, `"ctrl-n"`, `"down"`,
/// `"pagedown"`, `"shift-tab"`, `"f5"`, `"space"`. Parsing is crokey's; this
/// only narrows its combinations to the ones a plain terminal sends. The
/// error says what is wrong and what to write instead.
pub fn parse_key(raw: &str) -> Result<Key, String> {
    let trimmed = raw.trim();
    let mut chars = trimmed.chars();
    // crokey lowercases what it reads, so a capital letter is spelled as the
    // shifted key it is.
    let spelled = match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_uppercase() => format!("shift-{}", c.to_ascii_lowercase()),
        _ => trimmed.to_string(),
    };
    let combo = crokey::parse(&spelled).map_err(|_| {
        format!(
            "\"{raw}\" is not a key; write a character (\"j\", \"Q\", \"?\"), a named key \
             (\"down\", \"enter\", \"esc\", \"tab\", \"pagedown\", \"home\", \"f5\", \"space\") or \
             ctrl- with a letter (\"ctrl-n\")"
        )
    })?;
    let codes: Vec<KeyCode> = combo.codes.iter().copied().collect();
    let [code] = codes.as_slice() else {
        return Err(format!(
            "\"{raw}\" is several keys at once; terminals send one key (with ctrl- or shift-) \
             per press, so bind a single key"
        ));
    };
    let mods = combo.modifiers;
    let unsupported = || {
        format!(
            "\"{raw}\" uses a modifier ctodash does not read; use a plain key, shift-tab, or \
             ctrl- with a letter"
        )
    };
    if mods.intersects(!(KeyModifiers::CONTROL | KeyModifiers::SHIFT)) {
        return Err(unsupported());
    }
    let ctrl = mods.contains(KeyModifiers::CONTROL);
    let shift = mods.contains(KeyModifiers::SHIFT);
    let key = match *code {
        KeyCode::Char(c) if ctrl && !shift && c.is_ascii_alphabetic() => Key::Ctrl(c),
        KeyCode::Char(c) if !ctrl => Key::Char(c),
        KeyCode::BackTab if !ctrl => Key::BackTab,
        KeyCode::Tab if shift && !ctrl => Key::BackTab,
        other if !ctrl && !shift => Key::Code(other),
        _ => return Err(unsupported()),
    };
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::keymap::Action::*;

    #[test]
    fn every_default_key_round_trips_through_its_config_name() {
        for e in Keymap::default().entries() {
            for k in &e.keys {
                assert_eq!(parse_key(&k.config_name()), Ok(*k), "{k:?}");
            }
        }
    }

    #[test]
    fn parses_what_people_write() {
        assert_eq!(parse_key("Q"), Ok(Key::Char('Q')));
        assert_eq!(parse_key("q"), Ok(Key::Char('q')));
        assert_eq!(parse_key("ctrl-n"), Ok(Key::Ctrl('n')));
        assert_eq!(parse_key("Ctrl-N"), Ok(Key::Ctrl('n')));
        assert_eq!(parse_key("down"), Ok(Key::Code(KeyCode::Down)));
        assert_eq!(parse_key("shift-tab"), Ok(Key::BackTab));
        assert_eq!(parse_key("space"), Ok(Key::Char(' ')));
        assert_eq!(parse_key("f5"), Ok(Key::Code(KeyCode::F(5))));
        assert!(parse_key("downn").unwrap_err().contains("is not a key"));
        assert!(parse_key("alt-x").unwrap_err().contains("modifier"));
        assert!(parse_key("ctrl-down").unwrap_err().contains("modifier"));
    }

    #[test]
    fn a_remap_replaces_the_defaults_and_conflicts_are_refused() {
        let map = Keymap::with_remaps(&[(Quit, vec![Key::Char('Q')])]).unwrap();
        let ev = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(map.action_for(&ev('Q')), Some(Quit));
        assert_eq!(map.action_for(&ev('q')), None, "the default q is gone");
        assert_eq!(
            map.entries()
                .iter()
                .find(|e| e.action == Quit)
                .unwrap()
                .label,
            "Q"
        );
        let clash = Keymap::with_remaps(&[(Quit, vec![Key::Char('j')])]).unwrap_err();
        assert_eq!(clash.key, Key::Char('j'));
        assert!([clash.first, clash.second].contains(&Quit));
        assert!([clash.first, clash.second].contains(&Down));
    }

    #[test]
    fn action_names_are_snake_case_and_unique() {
        assert_eq!(ChangeStatus.name(), "change_status");
        assert_eq!(View(3).name(), "view_3");
        assert_eq!(action_named("toggle_all_statuses"), Some(ToggleAllStatuses));
        let names: Vec<String> = actions().iter().map(|a| a.name()).collect();
        for (i, n) in names.iter().enumerate() {
            assert!(!names[i + 1..].contains(n), "{n} twice");
        }
    }
}
