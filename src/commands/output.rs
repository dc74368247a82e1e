//! Writing command output: aligned text tables measured in display width
//! (so CJK titles and emoji line up), JSON arrays streamed row by row, and CSV
//! with a header even when there are no rows.
//!
//! Every writer works on any `io::Write`; the commands hand them a buffered
//! stdout, the tests a `Vec<u8>`. A closed pipe (`ctodash bugs list | head`)
//! is not an error: see [`finish`].

use chrono::{DateTime, SecondsFormat, Utc};
use color_eyre::eyre::{Report, eyre};
use serde::Serialize;
use std::io::{self, Write};

pub use crate::format::{clean, count_label, truncate, width};

/// Two spaces between table columns.
pub const GAP: &str = "  ";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    /// In terminal columns.
    pub width: usize,
    pub align: Align,
}

impl Column {
    pub const fn left(header: &'static str, width: usize) -> Self {
        Column {
            header,
            width,
            align: Align::Left,
        }
    }

    pub const fn right(header: &'static str, width: usize) -> Self {
        Column {
            header,
            width,
            align: Align::Right,
        }
    }
}

/// `text` on one line (control characters as spaces), cut with "…" to
/// `cols` display columns and padded to exactly that width.
pub fn fit(text: &str, cols: usize, align: Align) -> String {
    let text = clean(text);
    let t = truncate(&text, cols);
    let fill = " ".repeat(cols.saturating_sub(width(&t)));
    match align {
        Align::Left => format!("{t}{fill}"),
        Align::Right => format!("{fill}{t}"),
    }
}

/// One table line; trailing spaces trimmed so that piped output stays tidy.
pub fn line(columns: &[Column], cells: &[String]) -> String {
    let parts: Vec<String> = columns
        .iter()
        .zip(cells)
        .map(|(c, v)| fit(v, c.width, c.align))
        .collect();
    parts.join(GAP).trim_end().to_owned()
}

pub fn header(columns: &[Column]) -> String {
    let cells: Vec<String> = columns.iter().map(|c| c.header.to_owned()).collect();
    line(columns, &cells)
}

/// A whole table whose column widths are those of its widest cell (capped at
/// `max`): for small, fully loaded tables such as the project list.
pub fn auto_table(
    headers: &[(&'static str, Align)],
    rows: &[Vec<String>],
    max: usize,
) -> Vec<String> {
    let columns: Vec<Column> = headers
        .iter()
        .enumerate()
        .map(|(i, (h, align))| {
            let w = rows
                .iter()
                .map(|r| r.get(i).map_or(0, |v| width(&clean(v))))
                .chain([width(h)])
                .max()
                .unwrap_or(0)
                .min(max);
            Column {
                header: h,
                width: w,
                align: *align,
            }
        })
        .collect();
    let mut out = vec![header(&columns)];
    out.extend(rows.iter().map(|r| line(&columns, r)));
    out
}

/// Width of the terminal on stdout, or `COLUMNS`, or None when piped.
pub fn terminal_width() -> Option<usize> {
    use std::io::IsTerminal;
    if let Some(cols) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0)
    {
        return Some(cols);
    }
    if std::io::stdout().is_terminal() {
        return crossterm::terminal::size()
            .ok()
            .map(|(w, _)| usize::from(w));
    }
    None
}

/// ISO-8601 in UTC to the second: "2026-11-20T14:03:00Z".
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A JSON array written one element at a time: `[`, elements separated by
/// commas, `]`. Memory stays at one element whatever the length.
pub struct JsonArray<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> JsonArray<W> {
    pub fn begin(mut out: W) -> io::Result<Self> {
        out.write_all(b"[")?;
        Ok(JsonArray { out, first: true })
    }

    pub fn push<T: Serialize>(&mut self, item: &T) -> io::Result<()> {
        self.out
            .write_all(if self.first { b"\n  " } else { b",\n  " })?;
        self.first = false;
        serde_json::to_writer(&mut self.out, item).map_err(io::Error::from)
    }

    pub fn end(mut self) -> io::Result<W> {
        self.out
            .write_all(if self.first { b"]\n" } else { b"\n]\n" })?;
        Ok(self.out)
    }
}

/// A CSV writer that has already written `header` (so an empty result is
/// still a valid file with its header) and writes rows from serde structs
/// whose fields are in the same order as `header`.
pub fn csv_writer<W: Write>(out: W, header: &[&str]) -> io::Result<csv::Writer<W>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    w.write_record(header).map_err(csv_io)?;
    Ok(w)
}

pub fn csv_row<W: Write, T: Serialize>(w: &mut csv::Writer<W>, row: &T) -> io::Result<()> {
    w.serialize(row).map_err(csv_io)
}

/// The I/O error inside a CSV error, kind intact (so a closed pipe is still
/// recognised as one), or the CSV error itself.
fn csv_io(e: csv::Error) -> io::Error {
    if !matches!(e.kind(), csv::ErrorKind::Io(_)) {
        return io::Error::other(e);
    }
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// The CSV header serde gives `sample`'s type, in declaration order: what a
/// header passed to [`csv_writer`] must equal for [`csv_row`] to line up
/// (checked in tests).
pub fn csv_header_of<T: Serialize>(sample: &T) -> Vec<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if w.serialize(sample).is_err() {
        return Vec::new();
    }
    let Ok(bytes) = w.into_inner() else {
        return Vec::new();
    };
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.as_slice());
    r.records()
        .next()
        .and_then(Result::ok)
        .map(|rec| rec.iter().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Turns the result of writing output into the command's result: a reader
/// that went away (`| head`) ends the command quietly and successfully; any
/// other write error becomes one clear paragraph.
pub fn finish(result: io::Result<()>) -> Result<(), Report> {
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(eyre!(
            "could not write the output: {e}. Check that the disk is not full and that the \
             file or pipe you redirected to is writable."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_counts_display_width() {
        assert_eq!(fit("abc", 5, Align::Left), "abc  ");
        assert_eq!(fit("abc", 5, Align::Right), "  abc");
        assert_eq!(fit("abcdefgh", 5, Align::Left), "abcd…");
        // Two columns per CJK character; never split one.
        assert_eq!(fit("日本語テキスト", 7, Align::Left), "日本語…");
        assert_eq!(width(&fit("日本語テキスト", 6, Align::Left)), 6);
        assert_eq!(fit("a\tb\nc", 5, Align::Left), "a b c");
        assert_eq!(fit("🦀🦀🦀", 5, Align::Left), "🦀🦀…");
        assert_eq!(fit("🦀🦀🦀", 4, Align::Left), "🦀… ");
        assert_eq!(truncate("abc", 0), "");
    }

    #[test]
    fn counts() {
        let c = |n, estimated| count_label(crate::app::model::Count { n, estimated });
        assert_eq!(c(4567, false), "4,567");
        assert_eq!(c(1_234_567, true), "~1.2M");
        assert_eq!(c(45_000, true), "~45K");
        assert_eq!(c(999_700, true), "~1.0M");
    }

    #[test]
    fn auto_table_aligns() {
        let rows = vec![
            vec!["Nova".to_owned(), "1".to_owned()],
            vec!["Zeta Pay".to_owned(), "100".to_owned()],
        ];
        let lines = auto_table(&[("Name", Align::Left), ("N", Align::Right)], &rows, 30);
        assert_eq!(lines, ["Name        N", "Nova        1", "Zeta Pay  100"]);
    }

    #[test]
    fn json_array_is_valid_when_empty_and_full() {
        let a = JsonArray::begin(Vec::new()).unwrap();
        let out = a.end().unwrap();
        assert_eq!(
            serde_json::from_slice::<Vec<u8>>(&out).unwrap(),
            Vec::<u8>::new()
        );
        let mut a = JsonArray::begin(Vec::new()).unwrap();
        for i in 0..3 {
            a.push(&serde_json::json!({ "i": i })).unwrap();
        }
        let out = a.end().unwrap();
        let v: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[2]["i"], 2);
    }

    #[test]
    fn broken_pipe_is_success() {
        assert!(finish(Err(io::Error::from(io::ErrorKind::BrokenPipe))).is_ok());
        let e = finish(Err(io::Error::other("disk full"))).unwrap_err();
        assert!(e.to_string().contains("disk full"));
    }

    #[test]
    fn csv_keeps_the_io_error_kind() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::from(io::ErrorKind::BrokenPipe))
            }
            fn flush(&mut self) -> io::Result<()> {
                Err(io::Error::from(io::ErrorKind::BrokenPipe))
            }
        }
        let mut w = csv::WriterBuilder::new()
            .buffer_capacity(1)
            .has_headers(false)
            .from_writer(Closed);
        let e = w.write_record(["a", "b"]).map_err(csv_io).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn iso_is_utc_seconds() {
        use chrono::TimeZone;
        let t = Utc.with_ymd_and_hms(2026, 11, 20, 14, 3, 0).unwrap();
        assert_eq!(iso(t), "2026-11-20T14:03:00Z");
    }
}
