//! The timeline of `bugs show`: field changes and comments, newest first, as
//! a table for people (a comment's text below its row) and as JSON records.

use super::show::HistoryRecord;
use crate::app::model::{BugDetail, CommentEntry, TimelineEntry};
use crate::commands::output::{self, Align, clean, iso};
use crate::domain::Field;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Serialize)]
pub struct CommentRecord<'a> {
    pub id: Uuid,
    pub at: String,
    pub author: Option<&'a str>,
    pub body: &'a str,
}

impl<'a> CommentRecord<'a> {
    pub fn new(c: &'a CommentEntry) -> Self {
        CommentRecord {
            id: c.id,
            at: iso(c.at),
            author: c.author.as_deref(),
            body: &c.body,
        }
    }
}

/// One timeline entry in JSON: `{"kind": "change", ...history fields}` or
/// `{"kind": "comment", ...comment fields}`.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelineRecord<'a> {
    Change(HistoryRecord<'a>),
    Comment(CommentRecord<'a>),
}

impl<'a> TimelineRecord<'a> {
    pub fn new(e: TimelineEntry<'a>) -> Self {
        match e {
            TimelineEntry::Change(h) => TimelineRecord::Change(HistoryRecord::new(h)),
            TimelineEntry::Comment(c) => TimelineRecord::Comment(CommentRecord::new(c)),
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Appends the "History" section: a heading with the counts, then one row
/// per change or comment, newest first, each comment's text indented below
/// its row. `out` is made terminal-safe by the caller.
pub(super) fn write_timeline(d: &BugDetail, out: &mut String) {
    let counts = if d.comments.is_empty() {
        plural(d.history.len(), "change")
    } else {
        format!(
            "{}, {}",
            plural(d.history.len(), "change"),
            plural(d.comments.len(), "comment")
        )
    };
    out.push_str(&format!("\nHistory · {counts}, newest first\n"));
    let timeline = d.timeline();
    if timeline.is_empty() {
        out.push_str("  no changes recorded\n");
        return;
    }
    let dash = || "—".to_owned();
    let value = |v: &Option<String>| v.as_deref().map_or_else(dash, |s| clean(s).into_owned());
    let who = |w: &Option<String>| {
        w.as_deref()
            .map_or_else(|| "someone (unknown)".to_owned(), str::to_owned)
    };
    let rows: Vec<Vec<String>> = timeline
        .iter()
        .map(|e| {
            let at = e.at().format("%Y-%m-%d %H:%M").to_string();
            match e {
                TimelineEntry::Change(h) => vec![
                    at,
                    who(&h.who),
                    Field::from_column(&h.field)
                        .map_or_else(|| h.field.clone(), |f| f.label().to_owned()),
                    format!("{} → {}", value(&h.old), value(&h.new)),
                ],
                TimelineEntry::Comment(c) => {
                    vec![at, who(&c.author), "comment".to_owned(), String::new()]
                }
            }
        })
        .collect();
    let headers = [
        ("When (UTC)", Align::Left),
        ("Who", Align::Left),
        ("Field", Align::Left),
        ("Change", Align::Left),
    ];
    let lines = output::auto_table(&headers, &rows, 60);
    out.push_str(&format!("  {}\n", lines[0]));
    for (line, e) in lines[1..].iter().zip(&timeline) {
        out.push_str(&format!("  {line}\n"));
        if let TimelineEntry::Comment(c) = e {
            for l in c.body.lines() {
                out.push_str(&format!("      │ {}\n", l.replace('\t', "    ")));
            }
        }
    }
}
