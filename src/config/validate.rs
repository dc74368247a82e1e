//! Config errors that name the file, the line and the fix, in one paragraph.

use super::ConfigError;
use std::ops::Range;
use std::path::Path;

/// The file being checked: where a span is, in words.
pub struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl Source<'_> {
    /// 1-based line of a byte offset.
    pub fn line(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    pub fn error(
        &self,
        span: Option<&Range<usize>>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            line: span.map(|s| self.line(s)),
            problem: problem.into(),
            fix: fix.into(),
        }
    }

    /// A syntax or type error from the toml crate, reworded for the unknown
    /// key case (the most common typo).
    pub fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let message = e.message().trim().trim_end_matches('.');
        let span = e.span();
        if let Some(rest) = message.strip_prefix("unknown field ") {
            let (key, expected) = match rest.split_once(", expected ") {
                Some((key, expected)) => (key, expected.replace("one of ", "")),
                None => (rest, String::new()),
            };
            let valid = if expected.is_empty() {
                String::new()
            } else {
                format!("Valid keys here are {expected}; ")
            };
            return self.error(
                span.as_ref(),
                format!("unknown key {key}"),
                format!(
                    "{valid}correct or remove it (`ctodash config --default` prints every key, \
                     commented)"
                ),
            );
        }
        self.error(
            span.as_ref(),
            message.to_string(),
            "Fix that line (`ctodash config --default` prints every key with an example)",
        )
    }
}
