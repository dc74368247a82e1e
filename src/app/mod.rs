//! The dashboard's state machine: messages in, state changes and commands out.
//! No I/O here, so every behaviour is testable without a terminal or database.

pub mod editing;
pub mod filtering;
pub mod fixtures;
pub mod keymap;
pub mod keys;
pub mod loads;
pub mod model;
pub mod msg;
pub mod state;
pub mod table_nav;
pub mod tickets;
pub mod update;
pub mod view_tabs;

pub use msg::{Command, Loaded, Msg, Page, Part, SaveOutcome};
pub use state::App;
