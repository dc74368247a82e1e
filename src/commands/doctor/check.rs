//! One line of the report: its level, the check's name, what was found and the fix.

use crate::redact::redact;
use crate::text_safety::one_line;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Fail => "fail",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub level: Level,
    pub name: &'static str,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    pub(super) fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Check {
            level: Level::Ok,
            name,
            detail: detail.into(),
            fix: None,
        }
    }

    pub(super) fn warn(
        name: &'static str,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Check {
            level: Level::Warn,
            name,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    pub(super) fn fail(name: &'static str, detail: impl Into<String>, fix: Option<String>) -> Self {
        Check {
            level: Level::Fail,
            name,
            detail: detail.into(),
            fix,
        }
    }
}

impl fmt::Display for Check {
    /// "ok    schema          version 4 (this program's: 4)". Details quote
    /// URLs and server messages: secrets masked, controls made harmless.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let safe = |s: &str| one_line(&redact(s)).into_owned();
        write!(
            f,
            "{:<4}  {:<14}  {}",
            self.level,
            self.name,
            safe(&self.detail)
        )?;
        if let Some(fix) = &self.fix {
            write!(f, "  fix: {}", safe(fix))?;
        }
        Ok(())
    }
}

pub(super) fn query_failed(name: &'static str, e: &sqlx::Error) -> Check {
    Check::fail(
        name,
        format!("could not check: {e}"),
        Some("check the connection and the role's rights to read the catalog".into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_well() {
        let c = Check::ok("schema", "version 4 (this program's: 4)");
        assert_eq!(
            c.to_string(),
            "ok    schema          version 4 (this program's: 4)"
        );
        let c = Check::warn("bug_stats", "2 of 9 disagree", "run x");
        assert_eq!(
            c.to_string(),
            "warn  bug_stats       2 of 9 disagree  fix: run x"
        );
    }
}
