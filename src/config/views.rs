//! `[[views]]` entries checked and turned into table queries.

use super::ConfigError;
use super::file::ViewEntry;
use super::validate::Source;
use crate::domain::{BugStatus, Severity};
use crate::query::{BugFilter, BugQuery, Sort, SortKey, StatusFilter};
use crate::views::{self, View};

const VIEW_FIX: &str = "See the commented [[views]] example in `ctodash config --default`";

pub(super) fn views(src: &Source, entries: &[ViewEntry]) -> Result<Vec<View>, ConfigError> {
    let builtins = views::builtins();
    let mut out: Vec<View> = Vec::new();
    for e in entries {
        let name = e.name.get_ref().trim();
        let at = Some(e.name.span());
        if name.is_empty() {
            return Err(src.error(
                at.as_ref(),
                "a view has an empty name",
                "Give it the name its tab shows, e.g. name = \"Breached critical\"",
            ));
        }
        if let Some(clash) = views::find(&builtins, name).or_else(|| views::find(&out, name)) {
            return Err(src.error(
                at.as_ref(),
                format!("two views are named \"{}\"", clash.name),
                format!(
                    "Give this one another name; names are matched ignoring case, and the \
                     built-in views are {}",
                    views::names(&builtins)
                ),
            ));
        }
        out.push(view(src, name, e)?);
    }
    Ok(out)
}

fn view(src: &Source, name: &str, e: &ViewEntry) -> Result<View, ConfigError> {
    let bad = |span: std::ops::Range<usize>, problem: String| {
        src.error(
            Some(&span),
            format!("view \"{name}\": {problem}"),
            VIEW_FIX.to_string(),
        )
    };
    let mut filter = BugFilter::default();
    if let Some(sev) = &e.severity {
        for s in sev.get_ref().items() {
            let s: Severity = s.parse().map_err(|e| bad(sev.span(), format!("{e}")))?;
            if !filter.severities.contains(&s) {
                filter.severities.push(s);
            }
        }
    }
    if let Some(status) = &e.status {
        filter.status = status_filter(status.get_ref().items())
            .map_err(|problem| bad(status.span(), problem))?;
    }
    let text = |v: &Option<toml::Spanned<String>>| {
        v.as_ref()
            .map(|s| s.get_ref().trim().to_string())
            .filter(|s| !s.is_empty())
    };
    filter.project = text(&e.project);
    let mut mine = false;
    filter.assignee = match text(&e.assignee) {
        Some(me) if me.eq_ignore_ascii_case("me") => {
            mine = true;
            None
        }
        other => other,
    };
    filter.blocker_only = e.blocker.unwrap_or(false);
    filter.sla_breached_only = e.sla_breached.unwrap_or(false);
    filter.search = text(&e.search).unwrap_or_default();
    let sort = match &e.sort {
        Some(s) => parse_sort(s.get_ref()).map_err(|problem| bad(s.span(), problem))?,
        None => Sort::default(),
    };
    Ok(View {
        name: name.to_string(),
        query: BugQuery { filter, sort },
        mine,
    })
}

fn status_filter(items: Vec<&str>) -> Result<StatusFilter, String> {
    if let [one] = items.as_slice() {
        if one.trim().eq_ignore_ascii_case("open") {
            return Ok(StatusFilter::Open);
        }
        if one.trim().eq_ignore_ascii_case("all") {
            return Ok(StatusFilter::All);
        }
    }
    let mut out = Vec::new();
    for s in items {
        let s: BugStatus = s.parse().map_err(|e| {
            format!("{e}; or write status = \"open\" (not shipped or closed) or \"all\"")
        })?;
        if !out.contains(&s) {
            out.push(s);
        }
    }
    if out.is_empty() {
        return Err("an empty status list matches no bug; leave status out for open bugs".into());
    }
    Ok(StatusFilter::Only(out))
}

/// `"age"`, `"-age"` (reversed) — the same spelling as `bugs list --sort`.
fn parse_sort(text: &str) -> Result<Sort, String> {
    let t = text.trim();
    let (reversed, name) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let key: SortKey = name.parse()?;
    Ok(Sort { key, reversed })
}
