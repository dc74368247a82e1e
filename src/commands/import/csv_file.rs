//! Reading an import CSV: the header (known, unknown, missing and doubled
//! columns), then each row as [`Cells`] with its line number, so the per-kind
//! validators only deal with values.

use super::report::Problem;
use super::validate;
use csv::ByteRecord;

/// A column an import understands.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// The name in the source product's CSV template (camelCase).
    pub name: &'static str,
    /// Other accepted spellings; snake_case, case and spaces are always accepted.
    pub aliases: &'static [&'static str],
    pub required: bool,
}

pub const fn field(name: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        aliases: &[],
        required: false,
    }
}

pub const fn required(name: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        aliases: &[],
        required: true,
    }
}

pub const fn aka(name: &'static str, aliases: &'static [&'static str]) -> FieldSpec {
    FieldSpec {
        name,
        aliases,
        required: false,
    }
}

/// "bug_number", "Bug Number" and "bugNumber" all become "bugnumber".
pub fn header_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The file's header row mapped onto a kind's fields.
#[derive(Debug)]
pub struct Header {
    /// Per field (same order as the kind's FIELDS): its 0-based column in the
    /// file and the header text as written there.
    pub columns: Vec<Option<(usize, String)>>,
    /// Number of cells in the header row.
    pub width: usize,
    /// Header cells that name no field, as written.
    pub unknown: Vec<String>,
    /// One warning line per unknown column.
    pub warnings: Vec<String>,
    /// Header cells naming a column the program's own export writes but the
    /// database computes (age, SLA state, …): recognised and ignored.
    pub derived: Vec<String>,
}

impl Header {
    pub fn has(&self, field: usize) -> bool {
        self.columns[field].is_some()
    }
}

/// Maps the header row; a missing required column or a column given twice is
/// fatal (no row could be read correctly). `derived` names the columns an
/// export writes that an import cannot set (they are noted, not warned about).
pub fn map_header(
    record: &ByteRecord,
    fields: &[FieldSpec],
    derived: &[&str],
    kind: &str,
) -> Result<Header, String> {
    let mut columns: Vec<Option<(usize, String)>> = vec![None; fields.len()];
    let mut unknown = Vec::new();
    let mut derived_found = Vec::new();
    let mut warnings = Vec::new();
    let mut labels = Vec::new();
    for (i, raw) in record.iter().enumerate() {
        let label = std::str::from_utf8(raw)
            .map_err(|_| {
                format!(
                    "the header row is not valid UTF-8 (column {}); save the file as \"CSV UTF-8\"",
                    i + 1
                )
            })?
            .trim()
            .to_string();
        labels.push(label.clone());
        let key = header_key(&label);
        let found = fields.iter().position(|f| {
            header_key(f.name) == key || f.aliases.iter().any(|a| header_key(a) == key)
        });
        match found {
            Some(f) => {
                if let Some((first, first_label)) = &columns[f] {
                    return Err(format!(
                        "columns {} ({first_label:?}) and {} ({label:?}) both mean {}; \
                         remove one of them",
                        first + 1,
                        i + 1,
                        fields[f].name
                    ));
                }
                columns[f] = Some((i, label));
            }
            None if derived.iter().any(|d| header_key(d) == key) => {
                derived_found.push(label);
            }
            None if label.is_empty() => {
                unknown.push(String::new());
                warnings.push(format!(
                    "column {} has no name in the header; its values were ignored",
                    i + 1
                ));
            }
            None => {
                let hint = fields
                    .iter()
                    .filter(|f| columns_free(&columns, fields, f.name))
                    .map(|f| (validate::edit_distance(&key, &header_key(f.name)), f.name))
                    .filter(|(d, _)| *d <= 2)
                    .min()
                    .map(|(_, name)| format!(" (did you mean {name}?)"))
                    .unwrap_or_default();
                warnings.push(format!(
                    "unknown column {label:?} (column {}) was ignored{hint}",
                    i + 1
                ));
                unknown.push(label);
            }
        }
    }
    let missing: Vec<&str> = fields
        .iter()
        .zip(&columns)
        .filter(|(f, c)| f.required && c.is_none())
        .map(|(f, _)| f.name)
        .collect();
    if !missing.is_empty() {
        let required: Vec<&str> = fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name)
            .collect();
        let what = if missing.len() == 1 {
            format!("the required column {}", missing[0])
        } else {
            format!("the required columns {}", missing.join(", "))
        };
        return Err(format!(
            "the header row is missing {what}. A {kind} file needs {} (snake_case such as \
             bug_number also works); its header is: {}",
            required.join(", "),
            labels.join(", ")
        ));
    }
    Ok(Header {
        columns,
        width: record.len(),
        unknown,
        warnings,
        derived: derived_found,
    })
}

fn columns_free(columns: &[Option<(usize, String)>], fields: &[FieldSpec], name: &str) -> bool {
    fields
        .iter()
        .position(|f| f.name == name)
        .is_some_and(|i| columns[i].is_none())
}

/// The values of one row, by field, with the problems found so far.
pub struct Cells<'a> {
    pub line: u64,
    header: &'a Header,
    values: Vec<Option<&'a str>>,
    pub problems: Vec<Problem>,
}

impl<'a> Cells<'a> {
    /// The trimmed value; None when the cell is empty or the column absent.
    pub fn get(&self, field: usize) -> Option<&'a str> {
        self.values[field]
    }

    /// The header text of a field's column (its canonical name when absent).
    pub fn column_label(&self, field: usize) -> String {
        self.header.columns[field]
            .as_ref()
            .map_or_else(String::new, |(_, l)| l.clone())
    }

    pub fn fail(&mut self, field: usize, message: impl Into<String>) {
        let column = self.header.columns[field].as_ref().map(|(_, l)| l.clone());
        self.problems.push(Problem {
            line: Some(self.line),
            item: None,
            column,
            message: message.into(),
        });
    }

    /// Parses a non-empty cell; None (and a problem) when it does not parse.
    pub fn parse<T>(
        &mut self,
        field: usize,
        p: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let v = self.get(field)?;
        match p(v) {
            Ok(t) => Some(t),
            Err(e) => {
                self.fail(field, e);
                None
            }
        }
    }

    /// Like [`parse`](Self::parse), and an empty cell is a problem too.
    pub fn parse_required<T>(
        &mut self,
        field: usize,
        p: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        if self.get(field).is_none() {
            self.fail(field, "is required but empty");
            return None;
        }
        self.parse(field, p)
    }

    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The outcome of reading every row.
pub struct Rows<R> {
    pub good: Vec<R>,
    pub problems: Vec<Problem>,
    /// Data rows in the file.
    pub total: u64,
    pub bad: u64,
    /// With `stop_at_first_bad`: the line of the first bad row.
    pub aborted_at: Option<u64>,
}

/// Strips a UTF-8 byte-order mark; errors when there is nothing but whitespace.
pub fn content(bytes: &[u8]) -> Result<&[u8], String> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("the file is empty: expected a header row and then one row per record".into());
    }
    Ok(body)
}

pub fn reader(body: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(body)
}

/// Reads the header row of `body`.
#[cfg(test)]
pub fn read_header(
    rdr: &mut csv::Reader<&[u8]>,
    fields: &[FieldSpec],
    derived: &[&str],
    kind: &str,
) -> Result<Header, String> {
    map_header(&read_first_record(rdr)?, fields, derived, kind)
}

/// The first row, unmapped (for layouts told apart by their header).
pub fn read_first_record(rdr: &mut csv::Reader<&[u8]>) -> Result<ByteRecord, String> {
    let mut record = ByteRecord::new();
    match rdr.read_byte_record(&mut record) {
        Ok(true) => Ok(record),
        Ok(false) => Err("the file is empty: expected a header row".into()),
        Err(e) => Err(format!("cannot read the header row: {e}")),
    }
}

/// Reads every data row after the header and hands the well-formed ones to
/// `validate_row`. A row whose number of cells differs from the header's is bad
/// as a whole: its values would land in the wrong columns (even when the extra
/// cells are empty, as they are when an unquoted comma shifts a row whose last
/// columns are blank).
pub fn read_rows<R>(
    rdr: &mut csv::Reader<&[u8]>,
    header: &Header,
    stop_at_first_bad: bool,
    validate_row: impl FnMut(&mut Cells<'_>) -> Option<R>,
) -> Result<Rows<R>, String> {
    read_rows_after(rdr, None, header, stop_at_first_bad, validate_row)
}

/// [`read_rows`] for a headerless file: `first` (already read) is a data row.
pub fn read_rows_after<R>(
    rdr: &mut csv::Reader<&[u8]>,
    first: Option<&ByteRecord>,
    header: &Header,
    stop_at_first_bad: bool,
    mut validate_row: impl FnMut(&mut Cells<'_>) -> Option<R>,
) -> Result<Rows<R>, String> {
    let mut pending = first.cloned();
    let mut out = Rows {
        good: Vec::new(),
        problems: Vec::new(),
        total: 0,
        bad: 0,
        aborted_at: None,
    };
    let mut record = ByteRecord::new();
    loop {
        if let Some(first) = pending.take() {
            record = first;
        } else {
            match rdr.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(format!("cannot read the file: {e}")),
            }
        }
        out.total += 1;
        if out.aborted_at.is_some() {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line());
        let problems = check_row(&record, header, line, &mut validate_row, &mut out.good);
        if !problems.is_empty() {
            out.bad += 1;
            out.problems.extend(problems);
            if stop_at_first_bad {
                out.aborted_at = Some(line);
            }
        }
    }
    Ok(out)
}

fn check_row<R>(
    record: &ByteRecord,
    header: &Header,
    line: u64,
    validate_row: &mut impl FnMut(&mut Cells<'_>) -> Option<R>,
    good: &mut Vec<R>,
) -> Vec<Problem> {
    let row_problem = |message: String| {
        vec![Problem {
            line: Some(line),
            item: None,
            column: None,
            message,
        }]
    };
    let n = record.len();
    if n > header.width {
        return row_problem(format!(
            "has {n} fields but the header has {}; a value containing a comma must be \
             in double quotes",
            header.width
        ));
    }
    if n < header.width {
        return row_problem(format!(
            "has {n} field{} but the header has {}",
            if n == 1 { "" } else { "s" },
            header.width
        ));
    }
    let mut cells = Cells {
        line,
        header,
        values: vec![None; header.columns.len()],
        problems: Vec::new(),
    };
    let mut bad_utf8 = Vec::new();
    for (f, col) in header.columns.iter().enumerate() {
        let Some((i, _)) = col else { continue };
        let raw = record.get(*i).unwrap_or_default();
        match std::str::from_utf8(raw) {
            Ok(s) => {
                let s = s.trim();
                cells.values[f] = (!s.is_empty()).then_some(s);
            }
            Err(_) => bad_utf8.push(f),
        }
    }
    for f in bad_utf8 {
        cells.fail(f, "is not valid UTF-8 text; save the file as \"CSV UTF-8\"");
    }
    let row = validate_row(&mut cells);
    match row {
        Some(r) if cells.ok() => {
            good.push(r);
            Vec::new()
        }
        _ => cells.problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[FieldSpec] = &[
        required("bugNumber"),
        required("title"),
        field("severity"),
        aka("revenueImpact", &["revenueImpactDaily"]),
    ];

    fn header(line: &str) -> Result<Header, String> {
        let mut rdr = reader(line.as_bytes());
        read_header(&mut rdr, FIELDS, &["age_hours"], "bugs")
    }

    #[test]
    fn header_spellings() {
        let h = header("Bug_Number, TITLE ,revenue_impact_daily,owner,sevrity\n").unwrap();
        assert_eq!(h.columns[0], Some((0, "Bug_Number".into())));
        assert_eq!(h.columns[1], Some((1, "TITLE".into())));
        assert_eq!(h.columns[2], None);
        assert_eq!(h.columns[3], Some((2, "revenue_impact_daily".into())));
        assert_eq!(h.unknown, ["owner", "sevrity"]);
        assert_eq!(
            h.warnings[1],
            "unknown column \"sevrity\" (column 5) was ignored (did you mean severity?)"
        );
        assert!(h.derived.is_empty());
        let h = header("bugNumber,title,Age Hours\n").unwrap();
        assert_eq!(h.derived, ["Age Hours"]);
        assert!(h.unknown.is_empty() && h.warnings.is_empty());
    }

    #[test]
    fn fatal_headers() {
        let e = header("bugNumber,severity\n").unwrap_err();
        assert!(
            e.starts_with("the header row is missing the required column title"),
            "{e}"
        );
        let e = header("bugNumber,title,Title\n").unwrap_err();
        assert_eq!(
            e,
            "columns 2 (\"title\") and 3 (\"Title\") both mean title; remove one of them"
        );
        assert!(content(b"\xEF\xBB\xBF \r\n").is_err());
    }
}
