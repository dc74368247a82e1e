//! The editing widgets' state: a one-line input, a multi-line text area and a
//! type-to-filter picker. Plain data with the key handling that edits it, so
//! the field editor, the create form and the comment box share one behaviour.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key did to a widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edited {
    /// The text or the selection changed (or nothing happened).
    Changed,
    Submit,
    Cancel,
    /// Not a key this widget uses (e.g. Tab in a form).
    Ignored,
}

fn ctrl(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL)
}

/// A one-line text input with a cursor (a char index).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineInput {
    pub text: String,
    pub cursor: usize,
}

impl LineInput {
    pub fn new(text: impl Into<String>) -> LineInput {
        let text: String = text.into();
        let cursor = text.chars().count();
        LineInput { text, cursor }
    }

    fn byte_at(&self, char_index: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_index)
            .map_or(self.text.len(), |(i, _)| i)
    }

    pub fn insert(&mut self, c: char) {
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    /// Editing keys; Enter submits, Esc cancels.
    pub fn on_key(&mut self, key: &KeyEvent) -> Edited {
        match key.code {
            KeyCode::Enter => Edited::Submit,
            KeyCode::Esc => Edited::Cancel,
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                Edited::Changed
            }
            KeyCode::Delete if self.cursor < self.text.chars().count() => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                Edited::Changed
            }
            KeyCode::Left => {
                self.cursor = self.cursor.saturating_sub(1);
                Edited::Changed
            }
            KeyCode::Right => {
                self.cursor = (self.cursor + 1).min(self.text.chars().count());
                Edited::Changed
            }
            KeyCode::Home => {
                self.cursor = 0;
                Edited::Changed
            }
            KeyCode::End => {
                self.cursor = self.text.chars().count();
                Edited::Changed
            }
            KeyCode::Char('u') if ctrl(key) => {
                self.text.clear();
                self.cursor = 0;
                Edited::Changed
            }
            KeyCode::Char(c) if !ctrl(key) && !c.is_control() => {
                self.insert(c);
                Edited::Changed
            }
            KeyCode::Backspace | KeyCode::Delete => Edited::Changed,
            _ => Edited::Ignored,
        }
    }
}

/// A multi-line text area. Enter starts a new line; Ctrl-s (or Alt-Enter, or
/// F2 where the terminal eats Ctrl-s) submits; Esc cancels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextArea {
    pub lines: Vec<LineInput>,
    pub row: usize,
}

impl Default for TextArea {
    fn default() -> TextArea {
        TextArea {
            lines: vec![LineInput::default()],
            row: 0,
        }
    }
}

impl TextArea {
    pub fn new(text: &str) -> TextArea {
        let lines: Vec<LineInput> = text.split('\n').map(LineInput::new).collect();
        let row = lines.len() - 1;
        TextArea { lines, row }
    }

    pub fn text(&self) -> String {
        self.lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn is_blank(&self) -> bool {
        self.lines.iter().all(|l| l.text.trim().is_empty())
    }

    fn current(&mut self) -> &mut LineInput {
        &mut self.lines[self.row]
    }

    fn move_row(&mut self, to: usize) {
        let col = self.lines[self.row].cursor;
        self.row = to;
        let line = &mut self.lines[self.row];
        line.cursor = col.min(line.text.chars().count());
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Edited {
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char('s') if ctrl(key) => Edited::Submit,
            KeyCode::F(2) => Edited::Submit,
            KeyCode::Enter if alt || ctrl(key) => Edited::Submit,
            KeyCode::Esc => Edited::Cancel,
            KeyCode::Enter => {
                let line = self.current();
                let at = line.byte_at(line.cursor);
                let rest = line.text.split_off(at);
                self.lines.insert(self.row + 1, LineInput::new(""));
                self.row += 1;
                self.current().text = rest;
                self.current().cursor = 0;
                Edited::Changed
            }
            KeyCode::Backspace if self.lines[self.row].cursor == 0 => {
                if self.row > 0 {
                    let line = self.lines.remove(self.row);
                    self.row -= 1;
                    let prev = self.current();
                    prev.cursor = prev.text.chars().count();
                    prev.text.push_str(&line.text);
                }
                Edited::Changed
            }
            KeyCode::Up => {
                self.move_row(self.row.saturating_sub(1));
                Edited::Changed
            }
            KeyCode::Down => {
                self.move_row((self.row + 1).min(self.lines.len() - 1));
                Edited::Changed
            }
            KeyCode::Tab => Edited::Ignored,
            _ => self.current().on_key(key),
        }
    }
}

/// One choice of a picker: what is shown, and the value picked.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice<T> {
    pub label: String,
    pub value: T,
}

/// A list narrowed by what is typed (case-insensitive substring), moved with
/// the arrows. Letters filter, so j/k do not move here.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker<T> {
    pub all: Vec<Choice<T>>,
    pub filter: LineInput,
    /// Index into `visible()`.
    pub selected: usize,
}

impl<T: Clone> Picker<T> {
    pub fn new(all: Vec<Choice<T>>, selected: usize) -> Picker<T> {
        Picker {
            all,
            filter: LineInput::default(),
            selected,
        }
    }

    pub fn visible(&self) -> Vec<&Choice<T>> {
        let needle = self.filter.text.trim().to_lowercase();
        self.all
            .iter()
            .filter(|c| needle.is_empty() || c.label.to_lowercase().contains(&needle))
            .collect()
    }

    pub fn picked(&self) -> Option<T> {
        self.picked_choice().map(|c| c.value)
    }

    pub fn picked_choice(&self) -> Option<Choice<T>> {
        self.visible().get(self.selected).map(|c| (*c).clone())
    }

    /// Selects the visible item `i` (a click).
    pub fn select(&mut self, i: usize) {
        self.selected = i.min(self.visible().len().saturating_sub(1));
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Edited {
        let n = self.visible().len();
        match key.code {
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(10),
            KeyCode::PageDown => self.selected = (self.selected + 10).min(n.saturating_sub(1)),
            KeyCode::Enter if n > 0 => return Edited::Submit,
            KeyCode::Enter => {}
            _ => {
                let edited = self.filter.on_key(key);
                if edited == Edited::Changed {
                    self.selected = 0;
                }
                return edited;
            }
        }
        Edited::Changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn type_in(area: &mut TextArea, text: &str) {
        for c in text.chars() {
            let code = if c == '\n' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            };
            area.on_key(&k(code));
        }
    }

    #[test]
    fn a_text_area_keeps_lines_and_joins_them_on_backspace() {
        let mut area = TextArea::default();
        type_in(&mut area, "first\nsecönd");
        assert_eq!(area.text(), "first\nsecönd");
        for _ in 0..6 {
            area.on_key(&k(KeyCode::Left));
        }
        area.on_key(&k(KeyCode::Backspace));
        assert_eq!(
            area.text(),
            "firstsecönd",
            "backspace at a line start joins"
        );
        let save = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(area.on_key(&save), Edited::Submit);
    }

    #[test]
    fn a_picker_filters_as_you_type_and_picks_the_highlighted_one() {
        let all = ["Ada Lovelace", "Grace Hopper", "Alan Turing"]
            .iter()
            .map(|n| Choice {
                label: n.to_string(),
                value: n.to_string(),
            })
            .collect();
        let mut p = Picker::new(all, 0);
        p.on_key(&k(KeyCode::Char('a')));
        p.on_key(&k(KeyCode::Char('n')));
        let names: Vec<_> = p.visible().iter().map(|c| c.label.clone()).collect();
        assert_eq!(names, ["Alan Turing"]);
        assert_eq!(p.on_key(&k(KeyCode::Enter)), Edited::Submit);
        assert_eq!(p.picked().as_deref(), Some("Alan Turing"));
        p.on_key(&k(KeyCode::Char('z')));
        assert_eq!(p.picked(), None, "nothing matches: nothing is picked");
        assert_eq!(p.on_key(&k(KeyCode::Enter)), Edited::Changed);
    }
}
