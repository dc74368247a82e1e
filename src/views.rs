//! Saved views: a name and a table query. Four are built in (Open, Mine,
//! Breached, Blockers); the config file's `[[views]]` follow them. The
//! dashboard shows them as tabs above the bug table, `bugs list --view`
//! prints one.

use crate::query::{BugFilter, BugQuery};

#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub name: String,
    /// The query, with the assignee left out when it is "me".
    pub query: BugQuery,
    /// `assignee = "me"`: the bugs of whoever is running ctodash.
    pub mine: bool,
}

impl View {
    fn builtin(name: &str, filter: BugFilter, mine: bool) -> View {
        View {
            name: name.to_string(),
            query: BugQuery {
                filter,
                sort: Default::default(),
            },
            mine,
        }
    }

    /// The view's query for the user `me` (an email); `None` when the view
    /// is about "me" and nobody is signed in.
    pub fn query_for(&self, me: Option<&str>) -> Option<BugQuery> {
        let mut q = self.query.clone();
        if self.mine {
            q.filter.assignee = Some(me?.to_string());
        }
        Some(q)
    }
}

/// Open, Mine, Breached, Blockers: what a CTO looks at first, open bugs only.
pub fn builtins() -> Vec<View> {
    vec![
        View::builtin("Open", BugFilter::default(), false),
        View::builtin("Mine", BugFilter::default(), true),
        View::builtin(
            "Breached",
            BugFilter {
                sla_breached_only: true,
                ..Default::default()
            },
            false,
        ),
        View::builtin(
            "Blockers",
            BugFilter {
                blocker_only: true,
                ..Default::default()
            },
            false,
        ),
    ]
}

/// The built-in views, then the configured ones.
pub fn all(configured: &[View]) -> Vec<View> {
    let mut out = builtins();
    out.extend(configured.iter().cloned());
    out
}

/// A view by name, ignoring case and surrounding spaces.
pub fn find<'a>(views: &'a [View], name: &str) -> Option<&'a View> {
    views
        .iter()
        .find(|v| v.name.trim().eq_ignore_ascii_case(name.trim()))
}

/// "Open", "Mine", … for error messages that list what exists.
pub fn names(views: &[View]) -> String {
    views
        .iter()
        .map(|v| format!("\"{}\"", v.name))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mine_needs_a_user_and_the_rest_do_not() {
        let views = builtins();
        let mine = find(&views, " mine ").unwrap();
        assert_eq!(mine.query_for(None), None);
        assert_eq!(
            mine.query_for(Some("ada@x.io")).unwrap().filter.assignee,
            Some("ada@x.io".into())
        );
        assert_eq!(
            find(&views, "OPEN").unwrap().query_for(None),
            Some(BugQuery::default()),
            "Open is the dashboard's starting query"
        );
        assert!(find(&views, "nope").is_none());
    }
}
