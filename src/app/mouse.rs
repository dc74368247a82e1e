//! The mouse: a click selects a row, focuses a pane or picks a popup item (a
//! second click on the picked item opens it, like Enter); the wheel scrolls
//! what is under the pointer. Only drawing knows where things are, so it
//! records the rectangles here (`HitMap`) and clicks are tested against the
//! last frame.

use super::msg::Command;
use super::state::{App, Overlay, Pane};
use super::update::{follow_detail, move_selection, on_action, on_overlay_key};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use std::cell::Cell;

/// Rows of a list as drawn: where they are and which item the first one is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListHit {
    pub area: Rect,
    pub first: usize,
}

impl ListHit {
    fn item_at(&self, p: Position) -> Option<usize> {
        self.area
            .contains(p)
            .then(|| self.first + usize::from(p.y - self.area.y))
    }
}

/// Where the last frame put each clickable thing (`None`: not drawn).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HitMap {
    pub table: Cell<Option<Rect>>,
    pub table_rows: Cell<Option<ListHit>>,
    pub detail: Cell<Option<Rect>>,
    pub portfolio: Cell<Option<Rect>>,
    pub portfolio_rows: Cell<Option<ListHit>>,
    /// The compact layout's tab bar.
    pub tabs: Cell<Option<Rect>>,
    pub popup: Cell<Option<Rect>>,
    pub popup_items: Cell<Option<ListHit>>,
}

impl HitMap {
    /// Called at the start of every frame: what is not drawn cannot be clicked.
    pub fn clear(&self) {
        for c in [
            &self.table,
            &self.detail,
            &self.portfolio,
            &self.tabs,
            &self.popup,
        ] {
            c.set(None);
        }
        for c in [&self.table_rows, &self.portfolio_rows, &self.popup_items] {
            c.set(None);
        }
    }
}

/// Lines the wheel moves per notch.
const WHEEL: isize = 3;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn on_mouse(app: &mut App, ev: MouseEvent) -> Vec<Command> {
    let p = Position::new(ev.column, ev.row);
    let hits = app.hits.clone();
    if app.overlay.is_some() {
        return on_popup(app, &hits, ev.kind, p);
    }
    let pane = pane_at(&hits, p);
    match ev.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(i) = hits.table_rows.get().and_then(|h| h.item_at(p)) {
                app.focus = Pane::Bugs;
                let delta = i as isize - app.table.selected as isize;
                if delta == 0 {
                    return on_action(app, super::keymap::Action::Open);
                }
                return follow_detail(app, |app| super::table_nav::move_by(app, delta));
            }
            if let Some(i) = hits.portfolio_rows.get().and_then(|h| h.item_at(p)) {
                app.focus = Pane::Portfolio;
                if i < app.portfolio.rows.len() {
                    app.portfolio.selected = i;
                }
                return vec![];
            }
            if let Some(tab) = hits.tabs.get().and_then(|r| tab_at(r, p)) {
                app.focus = tab;
                return vec![];
            }
            if let Some(pane) = pane {
                app.focus = pane;
            } else {
                app.dirty = false;
            }
            vec![]
        }
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let Some(pane) = pane else {
                app.dirty = false;
                return vec![];
            };
            app.focus = pane;
            let step = if ev.kind == MouseEventKind::ScrollDown {
                WHEEL
            } else {
                -WHEEL
            };
            move_selection(app, step)
        }
        _ => {
            app.dirty = false;
            vec![]
        }
    }
}

fn pane_at(hits: &HitMap, p: Position) -> Option<Pane> {
    [
        (hits.table.get(), Pane::Bugs),
        (hits.detail.get(), Pane::Detail),
        (hits.portfolio.get(), Pane::Portfolio),
    ]
    .into_iter()
    .find_map(|(r, pane)| r.filter(|r| r.contains(p)).map(|_| pane))
}

/// The compact layout's tabs: " Bugs │ Detail │ Portfolio " from the left.
fn tab_at(bar: Rect, p: Position) -> Option<Pane> {
    if !bar.contains(p) {
        return None;
    }
    let mut x = bar.x;
    for pane in Pane::ORDER {
        let w = pane.title().chars().count() as u16 + 2;
        if p.x >= x && p.x < x + w {
            return Some(pane);
        }
        x += w + 1;
    }
    None
}

fn on_popup(app: &mut App, hits: &HitMap, kind: MouseEventKind, p: Position) -> Vec<Command> {
    match kind {
        MouseEventKind::ScrollDown => on_overlay_key(app, key(KeyCode::Down)),
        MouseEventKind::ScrollUp => on_overlay_key(app, key(KeyCode::Up)),
        MouseEventKind::Down(MouseButton::Left) => {
            let Some(i) = hits.popup_items.get().and_then(|h| h.item_at(p)) else {
                app.dirty = false;
                return vec![];
            };
            match select_item(app, i) {
                Some(true) => on_overlay_key(app, key(KeyCode::Enter)),
                _ => vec![],
            }
        }
        _ => {
            app.dirty = false;
            vec![]
        }
    }
}

/// Highlights item `i` of the open popup's list; `Some(true)` when it was
/// already the highlighted one (a second click picks it).
fn select_item(app: &mut App, i: usize) -> Option<bool> {
    let set = |selected: &mut usize, len: usize| {
        (i < len).then(|| {
            let again = *selected == i;
            *selected = i;
            again
        })
    };
    match app.overlay.as_mut()? {
        Overlay::FieldChooser { selected, .. } => set(selected, super::change::CHOOSER.len()),
        Overlay::StatusPicker {
            options, selected, ..
        } => set(selected, options.len()),
        Overlay::Filter(menu) => set(&mut menu.selected, super::filtering::FILTER_LINES.len()),
        Overlay::PickValue { picker, .. } => {
            let len = picker.visible().len();
            set(&mut picker.selected, len)
        }
        _ => None,
    }
}
