//! Number and text formatting shared by the CLI tables and the dashboard.
//! Text is measured in display width (a CJK character or an emoji takes two
//! columns) and never sliced at a byte index it did not get from
//! `char_indices`.

use crate::app::model::Count;
use rust_decimal::Decimal;
use std::borrow::Cow;
use unicode_width::UnicodeWidthStr;

/// 1234567 → "1,234,567".
pub fn count(n: i64) -> String {
    group(&n.unsigned_abs().to_string(), n < 0)
}

/// Whole dollars with thousands separators: 1234567.89 → "$1,234,568".
pub fn money(d: Decimal) -> String {
    let whole = d.round();
    let sign = if whole.is_sign_negative() && !whole.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}${}", group(&whole.abs().trunc().to_string(), false))
}

/// Compact money for narrow panes: $950, $12.3K, $4.6M, $1.2B.
pub fn money_short(d: Decimal) -> String {
    use rust_decimal::prelude::ToPrimitive;
    let v = d.to_f64().unwrap_or(0.0);
    let (sign, a) = if v < 0.0 { ("-", -v) } else { ("", v) };
    match a {
        a if a >= 1e9 => format!("{sign}${:.1}B", a / 1e9),
        a if a >= 1e6 => format!("{sign}${:.1}M", a / 1e6),
        a if a >= 1e4 => format!("{sign}${:.1}K", a / 1e3),
        a => format!("{sign}${a:.0}"),
    }
}

fn group(digits: &str, negative: bool) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if negative { format!("-{out}") } else { out }
}

/// Terminal columns `s` takes (two for a CJK character or most emoji).
pub fn width(s: &str) -> usize {
    s.width()
}

/// `s` on one line and safe to print: whitespace controls (newlines, tabs
/// from imported data) as spaces, so a cell measures what it shows; escape
/// sequences and other controls as visible symbols (see [`crate::text_safety`]).
pub fn clean(s: &str) -> Cow<'_, str> {
    crate::text_safety::one_line(s)
}

/// `s` cut to at most `max` columns, ending in "…" when anything was
/// dropped; never splits a character.
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut used = 0;
    let mut end = 0;
    for (i, c) in s.char_indices() {
        let w = width(&s[i..i + c.len_utf8()]);
        if used + w > max - 1 {
            break;
        }
        used += w;
        end = i + c.len_utf8();
    }
    Cow::Owned(format!("{}…", &s[..end]))
}

/// "4,567", or "~1.2M" when the count is the planner's estimate.
pub fn count_label(c: Count) -> String {
    let exact = |n: u64| count(i64::try_from(n).unwrap_or(i64::MAX));
    if !c.estimated {
        return exact(c.n);
    }
    match c.n {
        // From 999,500 up "~1000K" would be the next step: say "~1.0M".
        999_500.. => format!("~{:.1}M", c.n as f64 / 1e6),
        10_000.. => format!("~{:.0}K", c.n as f64 / 1e3),
        n => format!("~{}", exact(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn formats() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(-1234567), "-1,234,567");
        assert_eq!(money(dec!(1234567.89)), "$1,234,568");
        assert_eq!(money(dec!(0.4)), "$0");
        assert_eq!(money(dec!(-1500)), "-$1,500");
        assert_eq!(money_short(dec!(950)), "$950");
        assert_eq!(money_short(dec!(12345)), "$12.3K");
        assert_eq!(money_short(dec!(4600000)), "$4.6M");
        assert_eq!(money_short(dec!(1200000000)), "$1.2B");
    }
}
