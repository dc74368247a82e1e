//! Width-safe text helpers. Terminal columns are counted in display width
//! (a CJK character or an emoji takes two), never in bytes or chars, so
//! nothing here slices a string at a byte index it did not get from
//! `char_indices`.

use crate::domain::format_duration_short;
use chrono::{DateTime, TimeDelta, Utc};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::borrow::Cow;

pub use crate::format::{clean, count_label, truncate, width};

fn char_width(s: &str, i: usize, c: char) -> usize {
    width(&s[i..i + c.len_utf8()])
}

/// The end of `s` that fits in `max` columns: what an input box shows once
/// the text is longer than the box.
pub fn tail(s: &str, max: usize) -> &str {
    let mut used = 0;
    let mut start = s.len();
    for (i, c) in s.char_indices().rev() {
        let w = char_width(s, i, c);
        if used + w > max {
            break;
        }
        used += w;
        start = i;
    }
    &s[start..]
}

/// `s` padded with spaces to exactly `cols` columns (truncated if longer).
pub fn pad(s: &str, cols: usize) -> String {
    let t = truncate(s, cols);
    let fill = cols.saturating_sub(width(&t));
    format!("{t}{}", " ".repeat(fill))
}

/// A styled line cut to `max` columns; the last kept span gets the "…".
pub fn truncate_line(line: Line<'_>, max: usize) -> Line<'_> {
    if line.width() <= max {
        return line;
    }
    let Line {
        spans,
        style,
        alignment,
    } = line;
    let mut out = Vec::with_capacity(spans.len());
    let mut left = max;
    for span in spans {
        let w = span.width();
        if w < left {
            left -= w;
            out.push(span);
            continue;
        }
        let cut = truncate(&span.content, left).into_owned();
        out.push(Span::styled(cut, span.style));
        break;
    }
    Line {
        spans: out,
        style,
        alignment,
    }
}

/// Greedily keeps whole segments, in order, while they fit in `max` columns,
/// so a narrow terminal loses the least important figures instead of
/// showing half of one.
pub fn fit_segments<'a>(segments: Vec<Vec<Span<'a>>>, sep: Span<'a>, max: usize) -> Line<'a> {
    let mut spans: Vec<Span<'a>> = Vec::new();
    let mut used = 0;
    for seg in segments {
        let w: usize = seg.iter().map(Span::width).sum();
        let extra = if spans.is_empty() { 0 } else { sep.width() };
        if used + extra + w > max {
            continue;
        }
        if extra > 0 {
            spans.push(sep.clone());
        }
        used += extra + w;
        spans.extend(seg);
    }
    Line::from(spans)
}

/// A label on the left and a value flush right, in exactly `cols` columns.
pub fn kv<'a>(label: Span<'a>, value: Span<'a>, cols: usize) -> Line<'a> {
    let gap = cols.saturating_sub(label.width() + value.width()).max(1);
    truncate_line(
        Line::from(vec![label, Span::raw(" ".repeat(gap)), value]),
        cols,
    )
}

/// "3s", "42s", then the compact duration format ("2m", "1h 3m", "2d 4h").
pub fn ago(d: TimeDelta) -> String {
    let d = d.max(TimeDelta::zero());
    if d < TimeDelta::minutes(1) {
        format!("{}s", d.num_seconds())
    } else {
        format_duration_short(d)
    }
}

/// Times are shown in UTC, and say so, because the people looking at the
/// same bug can be in different time zones.
pub fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A `w`×`h` rectangle centred in `area`, never larger than it.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Eight-level bar characters for inline trends where a Sparkline widget
/// would need its own rectangle.
pub fn spark_text(values: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    values
        .iter()
        .map(|v| BARS[((v * 7) / max) as usize])
        .collect()
}

pub fn styled<'a>(s: impl Into<Cow<'a, str>>, style: Style) -> Span<'a> {
    Span::styled(s, style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_by_display_width() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
        assert_eq!(truncate("日本語", 4), "日…");
        assert_eq!(truncate("日本語", 5), "日本…");
        assert_eq!(truncate("🔥x", 1), "…");
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(tail("日本語", 4), "本語");
        assert_eq!(tail("日本語", 3), "語");
        assert_eq!(pad("日本", 6), "日本  ");
    }

    #[test]
    fn segments_drop_whole() {
        let segs = vec![
            vec![Span::raw("aaaa")],
            vec![Span::raw("bbbbbbbb")],
            vec![Span::raw("cc")],
        ];
        let line = fit_segments(segs, Span::raw(" · "), 10);
        assert_eq!(line.to_string(), "aaaa · cc");
    }
}
