//! The rules each editable field of a bug obeys, for people's edits (the
//! dashboard, `bugs set`, `bugs new`, `bugs comment`). Status has its own rule
//! in [`lifecycle`](super::lifecycle); severity moves the SLA
//! ([`sla_hours_after`]); the rest are checked here before anything is
//! written, so a refusal names the field and the fix instead of surfacing a
//! constraint violation.
//!
//! Whether an assignee or a project exists is a fact of the database: the edit
//! looks it up inside its transaction and refuses with
//! [`FieldError::UnknownUser`] / [`FieldError::UnknownProject`].

use super::enums::Severity;
use rust_decimal::Decimal;
use uuid::Uuid;

/// Longest title, in characters (what fits a table row and a terminal line).
pub const TITLE_MAX_CHARS: usize = 200;
/// Longest description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 20_000;
/// Longest comment, in characters.
pub const COMMENT_MAX_CHARS: usize = 10_000;
/// Most hours a bug can be estimated at or have taken: ten working years, far
/// past any real bug and well inside the column's `numeric(10, 2)`.
pub const HOURS_MAX: Decimal = Decimal::from_parts(20_000, 0, 0, false, 0);

/// A field value a person's edit may not write. Messages are one sentence
/// naming the field and the fix, fit for the footer and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("the title is empty: give the bug a short summary of the problem")]
    EmptyTitle,
    #[error(
        "the title is {0} characters long; the limit is {TITLE_MAX_CHARS}: shorten it and put \
         the details in the description"
    )]
    TitleTooLong(usize),
    #[error(
        "the title contains a control character (line break, tab, escape…): a title is one \
         line of plain text, put anything longer in the description"
    )]
    TitleControl,
    #[error(
        "the description is {0} characters long; the limit is {DESCRIPTION_MAX_CHARS}: \
         shorten it or link to a document"
    )]
    DescriptionTooLong(usize),
    #[error(
        "the {0} contains a control character other than line breaks and tabs (e.g. an escape \
         sequence): remove it"
    )]
    Control(&'static str),
    #[error("the comment is empty: write something to add")]
    EmptyComment,
    #[error(
        "the comment is {0} characters long; the limit is {COMMENT_MAX_CHARS}: split it into \
         several comments"
    )]
    CommentTooLong(usize),
    #[error("{field} cannot be negative ({value}): give 0 or more hours")]
    NegativeHours { field: &'static str, value: Decimal },
    #[error("{field} of {value} is more than the limit of {HOURS_MAX} hours: check the number")]
    TooManyHours { field: &'static str, value: Decimal },
    #[error(
        "{field} has more than two decimals ({value}): hours are kept to the hundredth, e.g. 1.25"
    )]
    HoursPrecision { field: &'static str, value: Decimal },
    #[error(
        "the assignee ({0}) is not a user of this database (any more): pick an existing user or \
         leave the bug unassigned"
    )]
    UnknownUser(Uuid),
    #[error("the project ({0}) does not exist (any more): pick an existing project or none")]
    UnknownProject(Uuid),
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn has_control(s: &str, keep_breaks: bool) -> bool {
    s.chars().any(|c| {
        if c.is_control() {
            !(keep_breaks && matches!(c, '\n' | '\t' | '\r'))
        } else {
            crate::text_safety::is_unsafe(c)
        }
    })
}

/// The title as stored: trimmed, non-empty, one line, at most
/// [`TITLE_MAX_CHARS`] characters.
pub fn check_title(title: &str) -> Result<String, FieldError> {
    let t = title.trim();
    if t.is_empty() {
        return Err(FieldError::EmptyTitle);
    }
    if chars(t) > TITLE_MAX_CHARS {
        return Err(FieldError::TitleTooLong(chars(t)));
    }
    if has_control(t, false) {
        return Err(FieldError::TitleControl);
    }
    Ok(t.to_owned())
}

/// The description as stored: blank means none; line breaks and tabs kept
/// (CRLF becomes LF), other control characters refused.
pub fn check_description(text: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(t) = text.map(|t| t.replace("\r\n", "\n")) else {
        return Ok(None);
    };
    let t = t.trim_end();
    if t.trim().is_empty() {
        return Ok(None);
    }
    if chars(t) > DESCRIPTION_MAX_CHARS {
        return Err(FieldError::DescriptionTooLong(chars(t)));
    }
    if has_control(t, true) {
        return Err(FieldError::Control("description"));
    }
    Ok(Some(t.to_owned()))
}

/// A comment's body as stored: trimmed at the end, non-empty, multi-line.
pub fn check_comment(body: &str) -> Result<String, FieldError> {
    let t = body.replace("\r\n", "\n");
    let t = t.trim_end();
    if t.trim().is_empty() {
        return Err(FieldError::EmptyComment);
    }
    if chars(t) > COMMENT_MAX_CHARS {
        return Err(FieldError::CommentTooLong(chars(t)));
    }
    if has_control(t, true) {
        return Err(FieldError::Control("comment"));
    }
    Ok(t.to_owned())
}

/// Estimated or actual hours (`field` names which, for the message): none,
/// or from 0 to [`HOURS_MAX`] with at most two decimals. Trailing zeros are
/// dropped (`1.50` is stored as `1.5`).
pub fn check_hours(
    field: &'static str,
    hours: Option<Decimal>,
) -> Result<Option<Decimal>, FieldError> {
    let Some(value) = hours else {
        return Ok(None);
    };
    if value.is_sign_negative() && !value.is_zero() {
        return Err(FieldError::NegativeHours { field, value });
    }
    if value > HOURS_MAX {
        return Err(FieldError::TooManyHours { field, value });
    }
    let value = value.normalize();
    if value.scale() > 2 {
        return Err(FieldError::HoursPrecision { field, value });
    }
    Ok(Some(value))
}

/// The SLA hours a bug has after its severity changes to `to`: the new
/// severity's (a severity change resets an imported SLA too, as the schema's
/// trigger does). The deadline is then `created_at + hours`, so raising the
/// severity of an old bug can put it in breach at once.
pub const fn sla_hours_after(to: Severity) -> i32 {
    to.sla_hours()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn titles_are_trimmed_non_empty_one_line_and_bounded() {
        assert_eq!(check_title("  Login hangs ").unwrap(), "Login hangs");
        assert_eq!(check_title("   "), Err(FieldError::EmptyTitle));
        assert_eq!(check_title(""), Err(FieldError::EmptyTitle));
        let max = "é".repeat(TITLE_MAX_CHARS);
        assert_eq!(check_title(&max).unwrap(), max);
        let long = "x".repeat(TITLE_MAX_CHARS + 1);
        assert_eq!(
            check_title(&long),
            Err(FieldError::TitleTooLong(TITLE_MAX_CHARS + 1))
        );
        assert_eq!(check_title("a\nb"), Err(FieldError::TitleControl));
        assert_eq!(check_title("a\u{1b}[2Jb"), Err(FieldError::TitleControl));
        assert_eq!(check_title("a\u{202e}b"), Err(FieldError::TitleControl));
        let e = FieldError::TitleTooLong(300).to_string();
        assert!(e.contains("300") && e.contains("200"), "{e}");
    }

    #[test]
    fn descriptions_keep_lines_and_blank_means_none() {
        assert_eq!(check_description(None).unwrap(), None);
        assert_eq!(check_description(Some("  \n ")).unwrap(), None);
        assert_eq!(
            check_description(Some("Steps:\r\n1. pay\n\t2. pay again\n\n")).unwrap(),
            Some("Steps:\n1. pay\n\t2. pay again".to_owned())
        );
        assert_eq!(
            check_description(Some("bad \u{7} bell")),
            Err(FieldError::Control("description"))
        );
        let long = "x".repeat(DESCRIPTION_MAX_CHARS + 1);
        assert_eq!(
            check_description(Some(&long)),
            Err(FieldError::DescriptionTooLong(DESCRIPTION_MAX_CHARS + 1))
        );
    }

    #[test]
    fn comments_are_non_empty_and_bounded() {
        assert_eq!(check_comment(" \n "), Err(FieldError::EmptyComment));
        assert_eq!(
            check_comment("Seen on iOS too\n").unwrap(),
            "Seen on iOS too"
        );
        assert_eq!(check_comment("two\nlines").unwrap(), "two\nlines");
        let long = "y".repeat(COMMENT_MAX_CHARS + 1);
        assert_eq!(
            check_comment(&long),
            Err(FieldError::CommentTooLong(COMMENT_MAX_CHARS + 1))
        );
        assert_eq!(
            check_comment("\u{1b}]52;c;x\u{7}"),
            Err(FieldError::Control("comment"))
        );
    }

    #[test]
    fn hours_are_non_negative_bounded_and_to_the_hundredth() {
        let f = "estimated hours";
        assert_eq!(check_hours(f, None).unwrap(), None);
        assert_eq!(check_hours(f, Some(dec!(0))).unwrap(), Some(dec!(0)));
        assert_eq!(check_hours(f, Some(dec!(-0.00))).unwrap(), Some(dec!(0)));
        assert_eq!(check_hours(f, Some(dec!(1.50))).unwrap(), Some(dec!(1.5)));
        assert_eq!(check_hours(f, Some(HOURS_MAX)).unwrap(), Some(dec!(20000)));
        assert_eq!(
            check_hours(f, Some(dec!(-1))),
            Err(FieldError::NegativeHours {
                field: f,
                value: dec!(-1)
            })
        );
        assert!(matches!(
            check_hours(f, Some(dec!(20000.01))),
            Err(FieldError::TooManyHours { .. })
        ));
        assert!(matches!(
            check_hours(f, Some(dec!(1.125))),
            Err(FieldError::HoursPrecision { .. })
        ));
        let e = check_hours("actual hours", Some(dec!(-2)))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("actual hours cannot be negative"), "{e}");
    }

    #[test]
    fn severity_sets_the_sla_of_the_rules() {
        assert_eq!(sla_hours_after(Severity::Critical), 4);
        assert_eq!(sla_hours_after(Severity::High), 24);
        assert_eq!(sla_hours_after(Severity::Medium), 72);
        assert_eq!(sla_hours_after(Severity::Low), 720);
    }
}
