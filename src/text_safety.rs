//! Data never drives the terminal. Titles, descriptions, names and CSV cells
//! come from other people (CSV files, GitHub, psql); an escape sequence in one
//! (`ESC ] 52` writes the clipboard, `ESC [ 2J` clears the screen) must reach
//! the terminal as text, never as a command. Every human-readable output (CLI
//! tables, `bugs show`, import reports, doctor, error messages, the TUI)
//! passes its text through [`one_line`] or [`multi_line`]; JSON and CSV keep
//! the data as it is, escaped by serde_json and the csv crate.
//!
//! What they replace:
//! - tab, line feed, carriage return, vertical tab and form feed: a space
//!   ([`multi_line`] keeps line feeds, and turns CRLF into one);
//! - every other C0 control and DEL: its visible Control Pictures symbol
//!   (ESC shows as `␛`, BEL as `␇`), so the reader sees that something was
//!   there;
//! - C1 controls (U+0080–U+009F, e.g. the single-character CSI U+009B): `�`;
//! - the bidirectional embedding, override and isolate controls
//!   (U+202A–U+202E, U+2066–U+2069), which can make text read in another order
//!   than it is stored ("Trojan Source"): dropped.

use std::borrow::Cow;

/// `s` on one line, with nothing a terminal would act on.
pub fn one_line(s: &str) -> Cow<'_, str> {
    sanitize(s, false)
}

/// Like [`one_line`] but keeps line breaks (as `\n`), for multi-line text such
/// as a bug's description.
pub fn multi_line(s: &str) -> Cow<'_, str> {
    sanitize(s, true)
}

/// True when `c` would be replaced or dropped.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn sanitize(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\r' if keep_newlines && chars.peek() == Some(&'\n') => {}
            '\t' | '\n' | '\r' | '\u{0B}' | '\u{0C}' => out.push(' '),
            '\u{00}'..='\u{1F}' => out.push(control_picture(c)),
            '\u{7F}' => out.push('\u{2421}'),
            c if c.is_control() => out.push('\u{FFFD}'),
            c if is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// U+2400 SYMBOL FOR NULL … U+241F SYMBOL FOR UNIT SEPARATOR.
fn control_picture(c: char) -> char {
    char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HOSTILE: &str = "a\x1b]52;c;SGVsbG8=\x07b\x1b[2Jc\u{9b}31md\u{202E}e\x7f\x00";

    #[test]
    fn escape_sequences_become_visible_text() {
        assert_eq!(one_line(HOSTILE), "a␛]52;c;SGVsbG8=␇b␛[2Jc�31mde␡␀");
        assert_eq!(one_line("a\tb\nc\r\nd"), "a b c  d");
        assert_eq!(multi_line("a\tb\nc\r\nd\re"), "a b\nc\nd e");
        assert!(matches!(one_line("plain 日本語 🦀"), Cow::Borrowed(_)));
    }

    #[test]
    fn replacements_keep_display_width_sane() {
        use unicode_width::UnicodeWidthStr;
        // One column per replaced control, so tables stay aligned.
        assert_eq!(one_line("\x1b\x07\u{9b}\x7f").width(), 4);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn nothing_unsafe_survives(s in any::<String>()) {
            let one = one_line(&s);
            prop_assert!(!one.chars().any(is_unsafe), "{:?}", one);
            let multi = multi_line(&s);
            prop_assert!(!multi.chars().any(|c| c != '\n' && is_unsafe(c)), "{:?}", multi);
            // Safe text is left alone.
            prop_assert_eq!(one_line(&one), one.clone());
        }
    }
}
