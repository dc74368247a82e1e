//! The non-interactive subcommands, for people, scripts and cron.

pub mod bugs;
pub mod doctor;
pub mod import;
pub mod kpis;
pub mod migrate;
pub mod output;
pub mod projects;
pub mod seed;
pub mod snapshot;
