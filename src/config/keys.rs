//! `[keys]`: action names to key lists, checked against each other.

use super::ConfigError;
use super::validate::Source;
use crate::app::keymap::{Action, Key};
use crate::app::keys::{self, Keymap};
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;

type KeyTable = BTreeMap<String, Spanned<Vec<Spanned<String>>>>;

pub(super) fn keymap(src: &Source, table: &KeyTable) -> Result<Keymap, ConfigError> {
    let mut remaps: Vec<(Action, Vec<Key>)> = Vec::new();
    let mut spans: Vec<(Action, Range<usize>)> = Vec::new();
    for (name, list) in table {
        let Some(action) = keys::action_named(name) else {
            return Err(src.error(
                Some(&list.span()),
                format!("[keys] names an unknown action `{name}`"),
                format!(
                    "The actions are {} (`ctodash config --default` lists each with its default \
                     keys)",
                    action_list()
                ),
            ));
        };
        let mut parsed = Vec::new();
        for raw in list.get_ref() {
            let key = keys::parse_key(raw.get_ref()).map_err(|why| {
                src.error(
                    Some(&raw.span()),
                    format!("[keys] {name}: {why}"),
                    "Fix the key; each action takes a list, e.g. down = [\"j\", \"down\", \"ctrl-n\"]",
                )
            })?;
            if key == Key::Ctrl('c') && action != Action::Quit {
                return Err(src.error(
                    Some(&raw.span()),
                    format!("[keys] {name}: ctrl-c always quits ctodash"),
                    "Choose another key for this action",
                ));
            }
            if !parsed.contains(&key) {
                parsed.push(key);
            }
        }
        remaps.push((action, parsed));
        spans.push((action, list.span()));
    }
    Keymap::with_remaps(&remaps).map_err(|clash| {
        let span_of = |a: Action| spans.iter().find(|(x, _)| *x == a).map(|(_, s)| s.clone());
        let key = clash.key.config_name();
        let (a, b) = (clash.first.name(), clash.second.name());
        let (span, fix) = match (span_of(clash.first), span_of(clash.second)) {
            // Both remapped: the later line is the one that made the clash.
            (Some(s1), Some(s2)) => (
                if s1.start > s2.start { s1 } else { s2 },
                format!("Remove \"{key}\" from `{a}` or from `{b}`"),
            ),
            (Some(s), None) => (s, default_fix(&key, clash.second, &a)),
            (None, Some(s)) => (s, default_fix(&key, clash.first, &b)),
            (None, None) => (0..0, String::new()),
        };
        src.error(
            Some(&span),
            format!("the key \"{key}\" is bound to two actions, `{a}` and `{b}`"),
            fix,
        )
    })
}

/// `other` still has `key` among its defaults: rebinding it is the fix.
fn default_fix(key: &str, other: Action, remapped: &str) -> String {
    let defaults = Keymap::default()
        .keys(other)
        .iter()
        .filter(|k| k.config_name() != key)
        .map(|k| format!("\"{}\"", k.config_name()))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "\"{key}\" is one of `{o}`'s default keys: give `{o}` other keys as well, e.g. {o} = \
         [{defaults}], or choose another key for `{remapped}`",
        o = other.name()
    )
}

fn action_list() -> String {
    keys::actions()
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(", ")
}
