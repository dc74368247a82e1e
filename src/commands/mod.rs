//! The non-interactive subcommands, for people, scripts and cron.

pub mod kpis;
pub mod migrate;
pub mod seed;
