//! Human-facing bug identifiers such as `BUG-1001`.

use std::fmt;
use std::str::FromStr;

/// The number part of a `BUG-1001` identifier; unique per bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BugNumber(pub u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a bug number: bug numbers look like BUG-1001")]
pub struct ParseBugNumberError(pub String);

impl fmt::Display for BugNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Via `pad` so `{:<10}` aligns table columns.
        f.pad(&format!("BUG-{}", self.0))
    }
}

impl FromStr for BugNumber {
    type Err = ParseBugNumberError;

    /// Accepts "BUG-1001", "bug-1001" and a bare "1001", so people can type
    /// whichever they have to hand.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseBugNumberError(s.to_owned());
        let trimmed = s.trim();
        let digits = match trimmed.get(..4) {
            Some(prefix) if prefix.eq_ignore_ascii_case("bug-") => &trimmed[4..],
            _ => trimmed,
        };
        // `u32::from_str` would also take "+1001"; only plain digits are ours.
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        digits.parse().map(BugNumber).map_err(|_| err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_accepted_spellings() {
        let cases = [
            ("BUG-1001", 1001),
            ("bug-1001", 1001),
            ("Bug-42", 42),
            ("1001", 1001),
            ("  BUG-7 ", 7),
            ("BUG-0001", 1),
            ("4294967295", u32::MAX),
        ];
        for (input, n) in cases {
            assert_eq!(input.parse::<BugNumber>(), Ok(BugNumber(n)), "{input:?}");
        }
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
            "ISSUE-1",
            "4294967296",
            "BUG-ü1",
            "ü",
        ];
        for input in cases {
            let err = input.parse::<BugNumber>().unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("{input:?} is not a bug number: bug numbers look like BUG-1001")
            );
        }
    }

    #[test]
    fn displays_with_prefix_and_round_trips() {
        assert_eq!(BugNumber(1001).to_string(), "BUG-1001");
        assert_eq!(format!("[{:<9}]", BugNumber(7)), "[BUG-7    ]");
        for n in [0, 1, 1001, u32::MAX] {
            assert_eq!(BugNumber(n).to_string().parse(), Ok(BugNumber(n)));
        }
    }
}
