//! The web dashboard's GitHub-repositories CSV, imported with `--kind
//! projects`: one repository a line as `name,visibility,created date,git URL,
//! website URL,description`, usually without a header row (that product
//! detected the layout; so do we).
//!
//! Mapping: name → name, description → description, git URL → githubUrl
//! (without `.git`; `git@github.com:o/r.git` becomes `https://github.com/o/r`),
//! website URL → demoUrl. Visibility and created date are not stored:
//! visibility says who may read the code, not where the project is in its life,
//! so it does not set the status (that product made every PUBLIC repository
//! "shipped", which would mark each public prototype as delivered and overwrite
//! a status set by hand on every re-import). New projects are `active`; an
//! existing project (matched by URL as in any projects file) keeps its status.

use super::csv_file::{Header, header_key};
use super::csv_projects::{DEMO_URL, DESCRIPTION, FIELDS, GITHUB_URL, NAME};
use csv::ByteRecord;

/// The layout's columns in their order, as (header key, projects field).
const COLUMNS: [(&str, Option<usize>); 6] = [
    ("name", Some(NAME)),
    ("visibility", None),
    ("createddate", None),
    ("giturl", Some(GITHUB_URL)),
    ("websiteurl", Some(DEMO_URL)),
    ("description", Some(DESCRIPTION)),
];

/// How the first row of a projects file reads in this layout.
#[derive(Debug)]
pub enum Layout {
    /// The first row is the layout's header.
    WithHeader(Header),
    /// The first row is already a repository.
    Headerless(Header),
}

fn cell(record: &ByteRecord, i: usize) -> &str {
    record
        .get(i)
        .and_then(|b| std::str::from_utf8(b).ok())
        .unwrap_or("")
        .trim()
}

/// Recognises the layout from the first row: its header (by column names), or
/// a repository line (six cells, a visibility of PUBLIC, PRIVATE or INTERNAL
/// and a git URL in the fourth).
pub fn detect(first: &ByteRecord) -> Option<Layout> {
    if first.len() != COLUMNS.len() {
        return None;
    }
    let keys: Vec<String> = (0..first.len())
        .map(|i| header_key(cell(first, i)))
        .collect();
    if keys.iter().zip(COLUMNS).all(|(k, (want, _))| *k == want) {
        return Some(Layout::WithHeader(header(first.len())));
    }
    let visibility = cell(first, 1).to_ascii_lowercase();
    let url = cell(first, 3).to_ascii_lowercase();
    let is_git = url.ends_with(".git") || url.contains("github.com");
    (matches!(visibility.as_str(), "public" | "private" | "internal") && is_git)
        .then(|| Layout::Headerless(header(first.len())))
}

fn header(width: usize) -> Header {
    let mut columns = vec![None; FIELDS.len()];
    for (i, (key, field)) in COLUMNS.iter().enumerate() {
        if let Some(f) = field {
            let label = match *key {
                "giturl" => "git URL",
                "websiteurl" => "website URL",
                k => k,
            };
            columns[*f] = Some((i, label.to_string()));
        }
    }
    Header {
        columns,
        width,
        unknown: Vec::new(),
        warnings: Vec::new(),
        derived: Vec::new(),
    }
}

/// A git URL as the repository's web address: `.git` and a trailing `/`
/// dropped, an SSH `git@host:owner/repo` turned into `https://host/owner/repo`.
pub fn web_url(s: &str) -> String {
    let s = s.trim();
    let s = match s.strip_prefix("git@").and_then(|r| r.split_once(':')) {
        Some((host, path)) => format!("https://{host}/{path}"),
        None => s.to_string(),
    };
    let s = s.trim_end_matches('/');
    s.strip_suffix(".git").unwrap_or(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(line: &str) -> ByteRecord {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes());
        let mut r = ByteRecord::new();
        rdr.read_byte_record(&mut r).unwrap();
        r
    }

    #[test]
    fn detects_both_forms_and_nothing_else() {
        assert!(matches!(
            detect(&record(
                "Name,Visibility,Created Date,Git URL,Website URL,Description"
            )),
            Some(Layout::WithHeader(_))
        ));
        assert!(matches!(
            detect(&record(
                "atlas,PUBLIC,2024-01-05,https://github.com/acme/atlas.git,,Maps"
            )),
            Some(Layout::Headerless(_))
        ));
        for other in [
            "name,description,githubUrl,demoUrl,language,tags",
            "atlas,SECRET,2024-01-05,https://github.com/acme/atlas.git,,Maps",
            "atlas,PUBLIC,2024-01-05,https://github.com/acme/atlas.git,,Maps,extra",
        ] {
            assert!(detect(&record(other)).is_none(), "{other}");
        }
    }

    #[test]
    fn git_urls_become_web_urls() {
        assert_eq!(
            web_url("https://github.com/acme/atlas.git"),
            "https://github.com/acme/atlas"
        );
        assert_eq!(
            web_url("git@github.com:acme/atlas.git"),
            "https://github.com/acme/atlas"
        );
        assert_eq!(
            web_url("https://github.com/acme/atlas/"),
            "https://github.com/acme/atlas"
        );
    }
}
