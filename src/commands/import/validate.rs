//! Parsers for the values of one CSV cell. Each returns the typed value or the
//! reason it was rejected, worded to follow "line L, column C: ".

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

/// A whole number within `min..=max`.
pub fn int_in(s: &str, min: i64, max: i64) -> Result<i32, String> {
    let n = whole_number(s)?;
    if n < min || n > max {
        return Err(if max != i64::from(i32::MAX) {
            format!("{n} is out of range: must be between {min} and {max}")
        } else if min == 0 {
            format!("{n} is negative: must be 0 or more")
        } else {
            format!("{n} is out of range: must be at least {min}")
        });
    }
    i32::try_from(n).map_err(|_| format!("{s:?} is too large"))
}

/// A bug's `version` as an export wrote it: a whole number ≥ 1 (`bigint`).
pub fn version(s: &str) -> Result<i64, String> {
    match whole_number(s) {
        Ok(n) if n >= 1 => Ok(n),
        Ok(n) => Err(format!("{n} is not a version: versions start at 1")),
        Err(_) => Err(format!(
            "{s:?} is not a version (a whole number, as `bugs list --format csv` writes it)"
        )),
    }
}

/// A whole number ≥ `min` that fits PostgreSQL's `integer`.
pub fn int_at_least(s: &str, min: i64) -> Result<i32, String> {
    int_in(s, min, i64::from(i32::MAX))
}

fn whole_number(s: &str) -> Result<i64, String> {
    let digits = ungroup(s);
    let parsed = if digits
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'-' || b == b'+')
    {
        digits.parse::<i64>().ok()
    } else {
        None
    };
    parsed.ok_or_else(|| format!("{s:?} is not a whole number"))
}

/// Removes thousands separators written as "1,234,567" (only when every group
/// after the first has exactly three digits, so "1,5" stays invalid).
fn ungroup(s: &str) -> String {
    let body = s.trim_start_matches(['-', '+']);
    let (int_part, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let groups: Vec<&str> = int_part.split(',').collect();
    let grouped = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    if !grouped {
        return s.to_string();
    }
    let sign = &s[..s.len() - body.len()];
    let mut out = format!("{sign}{}", groups.concat());
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// How a decimal column may be written.
#[derive(Debug, Clone, Copy)]
pub struct DecimalRule {
    /// Digits before the decimal point the column's numeric(p, s) type holds (p − s).
    pub int_digits: u32,
    /// Decimal places kept (s); more are rounded half away from zero, as PostgreSQL does.
    pub scale: u32,
    /// Inclusive bounds, if the schema or the business gives any.
    pub min: Option<Decimal>,
    pub max: Option<Decimal>,
    /// Accept a leading "$" (money columns).
    pub money: bool,
}

impl DecimalRule {
    pub const fn money(int_digits: u32) -> Self {
        Self {
            int_digits,
            scale: 2,
            min: Some(Decimal::ZERO),
            max: None,
            money: true,
        }
    }

    pub const fn signed_money(int_digits: u32) -> Self {
        Self {
            min: None,
            ..Self::money(int_digits)
        }
    }

    pub const fn hours() -> Self {
        Self {
            money: false,
            ..Self::money(8)
        }
    }
}

pub fn decimal(s: &str, rule: DecimalRule) -> Result<Decimal, String> {
    let body = if rule.money {
        match s.strip_prefix('$') {
            Some(rest) => rest.to_string(),
            None => match s.strip_prefix("-$") {
                Some(rest) => format!("-{rest}"),
                None => s.to_string(),
            },
        }
    } else {
        s.to_string()
    };
    let body = ungroup(body.trim());
    let valid_chars = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+'));
    let d = valid_chars
        .then(|| Decimal::from_str(&body).ok())
        .flatten()
        .ok_or_else(|| format!("{s:?} is not a number"))?;
    let d = d.round_dp_with_strategy(rule.scale, RoundingStrategy::MidpointAwayFromZero);
    if let Some(min) = rule.min
        && d < min
    {
        return Err(if min.is_zero() {
            format!("{s} is negative: must be 0 or more")
        } else {
            format!("{s} is out of range: must be at least {min}")
        });
    }
    if let Some(max) = rule.max
        && d > max
    {
        return Err(match rule.min {
            Some(min) => format!("{s} is out of range: must be between {min} and {max}"),
            None => format!("{s} is out of range: must be at most {max}"),
        });
    }
    let limit = Decimal::from(10u64.pow(rule.int_digits));
    if d.abs() >= limit {
        return Err(format!(
            "{s} is too large: at most {} digits before the decimal point",
            rule.int_digits
        ));
    }
    Ok(d)
}

/// RFC 3339 ("2026-03-01T09:30:00Z", any offset), "2026-03-01 09:30:00" or
/// "2026-03-01T09:30:00" (UTC), "2026-03-01 09:30:00+00" (PostgreSQL's own
/// output), or a bare date "2026-03-01" (midnight UTC).
pub fn timestamp(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        && s.len() == 10
    {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    Err(format!(
        "{s:?} is not a date or time: use 2026-03-01, \"2026-03-01 09:30:00\" (UTC) or \
         RFC 3339 such as 2026-03-01T09:30:00Z"
    ))
}

/// A timestamp that is not in the future (a day of slack for clocks and zones).
pub fn past_timestamp(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let t = timestamp(s)?;
    if t > now + chrono::Duration::days(1) {
        return Err(format!("{s:?} is in the future"));
    }
    Ok(t)
}

/// An absolute http(s) URL with a host; returned as written (trimmed).
pub fn http_url(s: &str) -> Result<String, String> {
    let bad = |why: &str| format!("{s:?} is not a valid URL: {why}");
    if s.chars().any(char::is_whitespace) {
        return Err(bad("it contains spaces"));
    }
    let url = url::Url::parse(s).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => bad("it must start with http:// or https://"),
        e => bad(&e.to_string()),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("it must start with http:// or https://"));
    }
    match url.host_str() {
        Some(h) if !h.is_empty() => Ok(s.to_string()),
        _ => Err(bad("it has no host")),
    }
}

/// The key two URLs of the same repository share: lower case, without a trailing
/// "/" or ".git" (GitHub treats owner and repository names case-insensitively).
pub fn url_key(s: &str) -> String {
    let lower = s.trim().to_lowercase();
    let lower = lower.trim_end_matches('/');
    lower.strip_suffix(".git").unwrap_or(lower).to_string()
}

pub fn boolean(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" => Ok(true),
        "false" | "f" | "no" | "n" | "0" => Ok(false),
        _ => Err(format!(
            "{s:?} is not a yes/no value: use true/false, yes/no or 1/0"
        )),
    }
}

/// "BUG-1001", "bug-0042", "BUG-202511-0001" or a bare "1001", kept in its
/// form (see [`crate::domain::bug_number::normalise`]).
pub fn bug_number(s: &str) -> Result<String, String> {
    crate::domain::bug_number::normalise(s)
}

/// Tags separated by ";" (or "," when there is no ";"), or a PostgreSQL array
/// literal such as {rust,"web app"}. Trimmed, empty ones dropped, duplicates
/// (case-insensitively) removed, order kept.
pub fn tags(s: &str) -> Result<Vec<String>, String> {
    let inner = match s.strip_prefix('{') {
        Some(rest) => rest
            .strip_suffix('}')
            .ok_or_else(|| format!("{s:?} is not a list of tags: the {{ is never closed"))?,
        None => s,
    };
    let sep = if s.starts_with('{') || !inner.contains(';') {
        ','
    } else {
        ';'
    };
    let mut out: Vec<String> = Vec::new();
    for raw in inner.split(sep) {
        let tag = raw.trim();
        let tag = tag
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(tag)
            .trim();
        if tag.is_empty() {
            continue;
        }
        if tag.contains(['{', '}']) {
            return Err(format!(
                "{s:?} is not a list of tags: a tag contains {{ or }}"
            ));
        }
        if !out.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            out.push(tag.to_string());
        }
    }
    Ok(out)
}

/// Free text: anything PostgreSQL can store (no NUL characters). Windows line
/// ends inside a quoted value become "\n".
pub fn text(s: &str) -> Result<String, String> {
    if s.contains('\0') {
        return Err("contains a NUL character, which PostgreSQL text cannot store".into());
    }
    Ok(s.replace("\r\n", "\n"))
}

/// Text of at most `max` characters (titles and names are indexed, and an
/// index entry has a size limit).
pub fn short_text(s: &str, max: usize) -> Result<String, String> {
    let n = s.chars().count();
    if n > max {
        return Err(format!("is {n} characters long: at most {max}"));
    }
    text(s)
}

/// An enum label through the domain's forgiving `FromStr` (case, '-' and ' ').
pub fn label<T: FromStr<Err = crate::domain::ParseEnumError>>(s: &str) -> Result<T, String> {
    s.parse::<T>().map_err(|e| e.to_string())
}

/// Levenshtein distance, for "did you mean" suggestions on unknown headers.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rust_decimal_macros::dec;

    #[test]
    fn integers() {
        assert_eq!(int_in("3", 1, 5), Ok(3));
        assert_eq!(int_at_least("1,234", 0), Ok(1234));
        assert_eq!(int_at_least("0", 0), Ok(0));
        assert_eq!(
            int_in("6", 1, 5).unwrap_err(),
            "6 is out of range: must be between 1 and 5"
        );
        assert_eq!(
            int_at_least("-3", 0).unwrap_err(),
            "-3 is negative: must be 0 or more"
        );
        assert_eq!(
            int_at_least("2.5", 0).unwrap_err(),
            "\"2.5\" is not a whole number"
        );
        assert_eq!(
            int_at_least("1,5", 0).unwrap_err(),
            "\"1,5\" is not a whole number"
        );
        assert_eq!(
            int_at_least("ten", 0).unwrap_err(),
            "\"ten\" is not a whole number"
        );
        assert!(int_at_least("99999999999", 0).is_err());
    }

    #[test]
    fn decimals() {
        let m = DecimalRule::money(14);
        assert_eq!(decimal("1200.50", m), Ok(dec!(1200.50)));
        assert_eq!(decimal("$1,200.5", m), Ok(dec!(1200.5)));
        assert_eq!(decimal("0.005", m), Ok(dec!(0.01)));
        assert_eq!(
            decimal("-1", m).unwrap_err(),
            "-1 is negative: must be 0 or more"
        );
        assert_eq!(decimal("abc", m).unwrap_err(), "\"abc\" is not a number");
        assert_eq!(decimal("1e5", m).unwrap_err(), "\"1e5\" is not a number");
        assert!(decimal("100000000000000", m).is_err());
        assert_eq!(
            decimal("-$2,000", DecimalRule::signed_money(14)),
            Ok(dec!(-2000))
        );
        let pct = DecimalRule {
            min: Some(dec!(-100)),
            max: Some(dec!(100)),
            money: false,
            ..DecimalRule::signed_money(4)
        };
        assert_eq!(
            decimal("150", pct).unwrap_err(),
            "150 is out of range: must be between -100 and 100"
        );
    }

    #[test]
    fn timestamps() {
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap();
        for s in [
            "2026-03-01T09:30:00Z",
            "2026-03-01T11:30:00+02:00",
            "2026-03-01 09:30:00",
            "2026-03-01T09:30:00",
            "2026-03-01 09:30",
            "2026-03-01 09:30:00+00",
        ] {
            assert_eq!(timestamp(s), Ok(t), "{s}");
        }
        assert_eq!(
            timestamp("2026-03-01"),
            Ok(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap())
        );
        for s in ["03/01/2026", "2026-13-01", "yesterday", "2026-3-1x"] {
            assert!(timestamp(s).is_err(), "{s}");
        }
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(
            past_timestamp("2027-01-01", now).unwrap_err(),
            "\"2027-01-01\" is in the future"
        );
    }

    #[test]
    fn urls() {
        assert_eq!(
            http_url("https://github.com/acme/atlas"),
            Ok("https://github.com/acme/atlas".into())
        );
        assert!(http_url("http://localhost:8080/x").is_ok());
        assert!(http_url("ftp://example.com").is_err());
        assert!(http_url("github.com/acme").is_err());
        assert!(http_url("https://").is_err());
        assert!(http_url("https://exa mple.com").is_err());
        assert_eq!(
            url_key("https://GitHub.com/Acme/Atlas.git/"),
            "https://github.com/acme/atlas"
        );
    }

    #[test]
    fn booleans_and_numbers() {
        for s in ["true", "TRUE", "yes", "Y", "1", "t"] {
            assert_eq!(boolean(s), Ok(true), "{s}");
        }
        for s in ["false", "No", "0", "f"] {
            assert_eq!(boolean(s), Ok(false), "{s}");
        }
        assert!(boolean("maybe").is_err());
        assert_eq!(bug_number("1001"), Ok("BUG-1001".into()));
        assert_eq!(bug_number("bug-0042"), Ok("BUG-0042".into()));
        assert_eq!(bug_number("BUG-202511-0001"), Ok("BUG-202511-0001".into()));
        assert!(bug_number("ISSUE-1").is_err());
    }

    #[test]
    fn tag_lists() {
        assert_eq!(tags("rust; web ;;cli").unwrap(), ["rust", "web", "cli"]);
        assert_eq!(tags("rust,web").unwrap(), ["rust", "web"]);
        assert_eq!(
            tags("{rust,\"web app\",Rust}").unwrap(),
            ["rust", "web app"]
        );
        assert!(tags("{rust").is_err());
        assert!(tags("").unwrap().is_empty());
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("severty", "severity"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
