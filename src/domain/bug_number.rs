//! Human-facing bug identifiers such as `BUG-1001`.

use std::fmt;
use std::str::FromStr;

/// A bug's number as people type and the database keeps it: `BUG-1001`,
/// `BUG-0042`, or the source product's dated `BUG-202511-0001` (see
/// [`normalise`]); unique per bug.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BugNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a bug number: bug numbers look like BUG-1001 (or BUG-202511-0001)")]
pub struct ParseBugNumberError(pub String);

impl BugNumber {
    /// The stored form, e.g. `BUG-1001`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number's place in the numeric order (`sort_key`): `BUG-0042` and
    /// `BUG-42` share it.
    pub fn sort_key(&self) -> Option<i64> {
        sort_key(&self.0)
    }
}

impl fmt::Display for BugNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Via `pad` so `{:<10}` aligns table columns.
        f.pad(&self.0)
    }
}

impl FromStr for BugNumber {
    type Err = ParseBugNumberError;

    /// Accepts "BUG-1001", "bug-1001", a bare "1001" and the dated
    /// "BUG-202511-0001", so people can type whichever they have to hand.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        normalise(s)
            .map(BugNumber)
            .map_err(|_| ParseBugNumberError(s.to_owned()))
    }
}

/// A bug number as an import file writes it, in the form kept in the
/// database: `BUG-` and digits (`BUG-1001`, `BUG-0042`: leading zeros are kept),
/// or the source product's dated `BUG-<digits>-<digits>` (`BUG-202511-0001`,
/// each part at most 9 digits). The prefix may be any case (it is stored as
/// `BUG-`) and a bare `1001` means `BUG-1001`.
pub fn normalise(s: &str) -> Result<String, String> {
    let trimmed = s.trim();
    let body = match trimmed.get(..4) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bug-") => &trimmed[4..],
        _ => trimmed,
    };
    let digits = |p: &str, max: usize| {
        !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit())
    };
    let ok = match body.split_once('-') {
        None => digits(body, 18) && body.parse::<u64>().is_ok_and(|n| n <= u64::from(u32::MAX)),
        Some((a, b)) => digits(a, 9) && digits(b, 9) && body != trimmed,
    };
    if ok {
        Ok(format!("BUG-{body}"))
    } else {
        Err(format!(
            "{s:?} is not a bug number: bug numbers look like BUG-1001"
        ))
    }
}

/// The order of bug numbers, as the database's `bug_number_key` computes it
/// (migration 0009): `BUG-1001` → 1001, `BUG-0042` → 42, `BUG-202511-0001` →
/// 202511 × 10⁹ + 1 (by month, then counter, after every plain number below
/// 10⁹). None for text that is no bug number.
pub fn sort_key(number: &str) -> Option<i64> {
    let body = number.strip_prefix("BUG-")?;
    let part = |p: &str| -> Option<i64> {
        (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    match body.split_once('-') {
        None => part(body),
        Some((a, b)) if a.len() <= 9 && b.len() <= 9 => Some(part(a)? * 1_000_000_000 + part(b)?),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_forms_keep_their_digits() {
        for (input, kept) in [
            ("BUG-1001", "BUG-1001"),
            ("bug-0042", "BUG-0042"),
            ("1001", "BUG-1001"),
            ("BUG-202511-0001", "BUG-202511-0001"),
            ("Bug-001", "BUG-001"),
            ("BUG-00001", "BUG-00001"),
        ] {
            assert_eq!(normalise(input).as_deref(), Ok(kept), "{input}");
        }
        for bad in [
            "",
            "BUG-",
            "BUG-1-",
            "202511-0001",
            "BUG-1-2-3",
            "BUG-1234567890-1",
            "ISSUE-1",
            "BUG-99999999999",
        ] {
            assert!(normalise(bad).is_err(), "{bad}");
        }
        let mut numbers = [
            "BUG-202511-0002",
            "BUG-0042",
            "BUG-1001",
            "BUG-202511-0001",
            "BUG-202412-0007",
            "BUG-7",
        ];
        numbers.sort_by_key(|n| sort_key(n));
        assert_eq!(
            numbers,
            [
                "BUG-7",
                "BUG-0042",
                "BUG-1001",
                "BUG-202412-0007",
                "BUG-202511-0001",
                "BUG-202511-0002"
            ]
        );
        assert_eq!(sort_key("BUG-202511-0001"), Some(202_511_000_000_001));
        assert_eq!(sort_key("nonsense"), None);
    }

    #[test]
    fn parses_accepted_spellings() {
        let cases = [
            ("BUG-1001", "BUG-1001"),
            ("bug-1001", "BUG-1001"),
            ("Bug-42", "BUG-42"),
            ("1001", "BUG-1001"),
            ("  BUG-7 ", "BUG-7"),
            ("BUG-0001", "BUG-0001"),
            ("4294967295", "BUG-4294967295"),
            ("bug-202511-0001", "BUG-202511-0001"),
        ];
        for (input, kept) in cases {
            let number = input.parse::<BugNumber>().unwrap();
            assert_eq!(number.as_str(), kept, "{input:?}");
        }
        let dated: BugNumber = "BUG-202511-0001".parse().unwrap();
        assert_eq!(dated.sort_key(), Some(202_511_000_000_001));
        let padded: BugNumber = "BUG-0042".parse().unwrap();
        assert_eq!(padded.sort_key(), Some(42));
    }

    #[test]
    fn rejects_everything_else() {
        let cases = [
            "",
            "BUG-",
            "BUG1001",
            "BUG 1001",
            "BUG-10a",
            "+1001",
            "BUG--1",
            "-1",
            "BUG-1-",
            "202511-0001",
            "ISSUE-1",
            "4294967296",
            "BUG-ü1",
            "ü",
        ];
        for input in cases {
            let err = input.parse::<BugNumber>().unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "{input:?} is not a bug number: bug numbers look like BUG-1001 (or \
                     BUG-202511-0001)"
                )
            );
        }
    }

    #[test]
    fn displays_with_prefix_and_round_trips() {
        let seven: BugNumber = "7".parse().unwrap();
        assert_eq!(seven.to_string(), "BUG-7");
        assert_eq!(format!("[{seven:<9}]"), "[BUG-7    ]");
        for n in ["BUG-0", "BUG-1", "BUG-1001", "BUG-0042", "BUG-202511-0001"] {
            let number: BugNumber = n.parse().unwrap();
            assert_eq!(number.to_string().parse(), Ok(number));
        }
    }
}
