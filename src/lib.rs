//! ctodash: a keyboard-first terminal dashboard over a PostgreSQL database of bugs
//! and projects. The binary is a thin shell over this library so that `tests/`
//! can reach every layer.

pub mod app;
pub mod backoff;
pub mod bench;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod domain;
pub mod format;
pub mod logging;
pub mod query;
pub mod redact;
pub mod runtime;
pub mod seed;
pub mod text_safety;
pub mod ui;
pub mod views;
