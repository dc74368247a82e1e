//! The dashboard's state machine: messages in, state changes and commands out.
//! No I/O here, so every behaviour is testable without a terminal or database.

pub mod alerting;
pub mod applying;
pub mod change;
pub mod create;
pub mod dialogs;
pub mod drill;
pub mod editing;
pub mod editor;
pub mod field_edit;
pub mod filtering;
pub mod fixtures;
pub mod forms;
pub mod keymap;
pub mod keys;
pub mod loads;
pub mod marks;
pub mod model;
pub mod mouse;
pub mod msg;
pub mod refresh;
pub mod state;
pub mod table_nav;
pub mod tickets;
pub mod trends;
pub mod undo;
pub mod update;
pub mod view_tabs;

pub use msg::{Command, Loaded, Msg, Page, Part, SaveOutcome};
pub use state::App;
