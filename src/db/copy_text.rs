//! Writing values in PostgreSQL's COPY text format. Bulk loading through COPY is
//! what lets `ctodash seed` load a million bugs in seconds and an import take
//! 100,000 rows in a few.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use std::fmt::Write;

/// One COPY row under construction; fields are tab-separated, rows end in '\n'.
pub struct Row<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Row<'a> {
    pub fn new(out: &'a mut String) -> Self {
        Self { out, first: true }
    }

    fn sep(&mut self) {
        if !self.first {
            self.out.push('\t');
        }
        self.first = false;
    }

    pub fn null(&mut self) -> &mut Self {
        self.sep();
        self.out.push_str("\\N");
        self
    }

    pub fn text(&mut self, s: &str) -> &mut Self {
        self.sep();
        for c in s.chars() {
            match c {
                '\\' => self.out.push_str("\\\\"),
                '\t' => self.out.push_str("\\t"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                c => self.out.push(c),
            }
        }
        self
    }

    pub fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    pub fn display(&mut self, v: impl std::fmt::Display) -> &mut Self {
        self.sep();
        let _ = write!(self.out, "{v}");
        self
    }

    pub fn opt_display<T: std::fmt::Display>(&mut self, v: Option<T>) -> &mut Self {
        match v {
            Some(v) => self.display(v),
            None => self.null(),
        }
    }

    pub fn bool(&mut self, b: bool) -> &mut Self {
        self.sep();
        self.out.push(if b { 't' } else { 'f' });
        self
    }

    pub fn opt_bool(&mut self, b: Option<bool>) -> &mut Self {
        match b {
            Some(b) => self.bool(b),
            None => self.null(),
        }
    }

    pub fn time(&mut self, t: DateTime<Utc>) -> &mut Self {
        self.sep();
        let _ = write!(self.out, "{}", t.format("%Y-%m-%d %H:%M:%S%.6f+00"));
        self
    }

    pub fn opt_time(&mut self, t: Option<DateTime<Utc>>) -> &mut Self {
        match t {
            Some(t) => self.time(t),
            None => self.null(),
        }
    }

    pub fn date(&mut self, d: NaiveDate) -> &mut Self {
        self.display(d.format("%Y-%m-%d"))
    }

    pub fn money(&mut self, d: Option<Decimal>) -> &mut Self {
        self.opt_display(d)
    }

    /// A text[] of plain words (no quoting needed for the demo vocabulary).
    pub fn words(&mut self, words: &[&str]) -> &mut Self {
        self.sep();
        self.out.push('{');
        self.out.push_str(&words.join(","));
        self.out.push('}');
        self
    }

    /// A text[] of arbitrary strings: every element quoted, then COPY-escaped.
    pub fn opt_array(&mut self, items: Option<&[String]>) -> &mut Self {
        let Some(items) = items else {
            return self.null();
        };
        let mut lit = String::from("{");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                lit.push(',');
            }
            lit.push('"');
            for c in item.chars() {
                if matches!(c, '"' | '\\') {
                    lit.push('\\');
                }
                lit.push(c);
            }
            lit.push('"');
        }
        lit.push('}');
        self.text(&lit)
    }

    pub fn end(&mut self) {
        self.out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn escapes_control_characters_and_writes_nulls() {
        let mut s = String::new();
        Row::new(&mut s)
            .text("a\tb\\c\nd")
            .null()
            .bool(true)
            .time(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap())
            .words(&["x", "y"])
            .end();
        assert_eq!(
            s,
            "a\\tb\\\\c\\nd\t\\N\tt\t2026-01-02 03:04:05.000000+00\t{x,y}\n"
        );
    }

    #[test]
    fn copy_rows_escape_text_and_arrays() {
        let mut s = String::new();
        Row::new(&mut s)
            .text("a\tb\\c\nd")
            .null()
            .opt_bool(Some(true))
            .opt_array(Some(&["x y".to_string(), "q\"\\".to_string()]))
            .end();
        assert_eq!(s, "a\\tb\\\\c\\nd\t\\N\tt\t{\"x y\",\"q\\\\\"\\\\\\\\\"}\n");
    }
}
