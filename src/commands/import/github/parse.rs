//! GitHub's "list repositories" JSON: the list itself, the fields ctodash reads
//! from each repository, and the health score derived from them.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

/// The repositories in a "list repositories" answer: a JSON array (a search
/// answer's `{"items": [...]}` is accepted too).
pub fn parse_repo_list(bytes: &[u8]) -> Result<Vec<Value>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON ({e})"))?;
    match v {
        Value::Array(items) => Ok(items),
        Value::Object(mut o) if o.get("items").is_some_and(Value::is_array) => {
            match o.remove("items") {
                Some(Value::Array(items)) => Ok(items),
                _ => unreachable!("checked above"),
            }
        }
        _ => Err("expected a JSON array of repositories, as GET /orgs/NAME/repos returns".into()),
    }
}

/// The fields ctodash reads from a repository object.
#[derive(Debug, Deserialize)]
pub(super) struct RawRepo {
    pub(super) name: Option<String>,
    pub(super) description: Option<String>,
    pub(super) html_url: Option<String>,
    pub(super) homepage: Option<String>,
    pub(super) language: Option<String>,
    #[serde(default)]
    pub(super) topics: Option<Vec<String>>,
    pub(super) stargazers_count: Option<i64>,
    pub(super) forks_count: Option<i64>,
    pub(super) pushed_at: Option<String>,
    #[serde(default)]
    pub(super) archived: Option<bool>,
}

/// health_score for today's metrics row (see the `github` module documentation).
pub fn health_score(pushed_at: DateTime<Utc>, archived: bool, now: DateTime<Utc>) -> i32 {
    if archived {
        return 0;
    }
    let days = (now - pushed_at).num_days().max(0);
    (100 - days).clamp(0, 100) as i32
}

pub(super) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn health_from_recency() {
        let now = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        assert_eq!(health_score(now, false, now), 100);
        assert_eq!(
            health_score(now - chrono::Duration::days(30), false, now),
            70
        );
        assert_eq!(
            health_score(now - chrono::Duration::days(400), false, now),
            0
        );
        assert_eq!(health_score(now, true, now), 0);
    }
}
