//! The projects CSV: its columns, the checks each row must pass, and which
//! existing project a row updates.
//!
//! Matching: a row with an `id` (as `projects list --format csv` writes it)
//! updates that project, which must exist. Otherwise, a row with a githubUrl updates the project with that URL (compared
//! case-insensitively, ignoring a trailing "/" or ".git"); failing that, a
//! project of the same name that has no URL yet (which then gets this one);
//! otherwise it is new. A row without a githubUrl updates the project with the
//! same name (case-insensitive), or is new; if several projects share that name
//! the row is rejected, since the file cannot say which one it means.

use super::csv_file::{Cells, FieldSpec, Header, aka, field, required};
use super::validate::{self, DecimalRule};
use crate::db::import::{ExistingProject, ProjectColumns, ProjectRow};
use crate::domain::ProjectStatus;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::collections::HashMap;
use uuid::Uuid;

pub const NAME: usize = 0;
pub const DESCRIPTION: usize = 1;
pub const GITHUB_URL: usize = 2;
pub const DEMO_URL: usize = 3;
pub const LANGUAGE: usize = 4;
pub const TAGS: usize = 5;
pub const STARS: usize = 6;
pub const FORKS: usize = 7;
pub const LAST_COMMIT: usize = 8;
pub const STATUS: usize = 9;
pub const COMPLEXITY: usize = 10;
pub const CLIENT_APPEAL: usize = 11;
pub const CURRENT_MILESTONE: usize = 12;
pub const TOTAL_MILESTONES: usize = 13;
pub const ARR: usize = 14;
pub const YEAR1_REVENUE: usize = 15;
pub const YEAR3_REVENUE: usize = 16;
pub const ROI_SCORE: usize = 17;
pub const TAM: usize = 18;
pub const SAM: usize = 19;
pub const SOM_YEAR3: usize = 20;
pub const TRACTION_MRR: usize = 21;
pub const MARGIN_PERCENT: usize = 22;
pub const DCF_VALUATION: usize = 23;
pub const MONTHLY_INFRA_COST: usize = 24;
pub const ID: usize = 25;

/// The source product's project template, in its order, then the export's
/// `id`.
pub const FIELDS: &[FieldSpec] = &[
    required("name"),
    field("description"),
    aka("githubUrl", &["github", "repository", "repoUrl"]),
    aka("demoUrl", &["homepage"]),
    field("language"),
    aka("tags", &["topics"]),
    aka("stars", &["stargazersCount"]),
    aka("forks", &["forksCount"]),
    field("lastCommit"),
    field("status"),
    field("complexity"),
    field("clientAppeal"),
    field("currentMilestone"),
    field("totalMilestones"),
    field("arr"),
    field("year1Revenue"),
    field("year3Revenue"),
    field("roiScore"),
    field("tam"),
    field("sam"),
    aka("somYear3", &["som"]),
    aka("tractionMrr", &["mrr"]),
    aka("marginPercent", &["margin"]),
    aka("dcfValuation", &["dcf"]),
    aka("monthlyInfraCost", &["infraCost"]),
    field("id"),
];

/// Columns of `projects list --format csv` the database computes: recognised,
/// never stored.
pub const DERIVED: &[&str] = &[
    "openBugs",
    "criticalBugs",
    "blockerBugs",
    "riskScore",
    "riskLevel",
    "riskCriticalBugs",
    "riskStalledPrs",
    "riskLowActivity",
    "riskOverdueMilestones",
    "healthScore",
];

pub fn columns(h: &Header) -> ProjectColumns {
    ProjectColumns {
        description: h.has(DESCRIPTION),
        github_url: h.has(GITHUB_URL),
        demo_url: h.has(DEMO_URL),
        language: h.has(LANGUAGE),
        tags: h.has(TAGS),
        stars: h.has(STARS),
        forks: h.has(FORKS),
        last_commit: h.has(LAST_COMMIT),
        status: h.has(STATUS),
        complexity: h.has(COMPLEXITY),
        client_appeal: h.has(CLIENT_APPEAL),
        current_milestone: h.has(CURRENT_MILESTONE),
        total_milestones: h.has(TOTAL_MILESTONES),
        arr: h.has(ARR),
        year1_revenue: h.has(YEAR1_REVENUE),
        year3_revenue: h.has(YEAR3_REVENUE),
        roi_score: h.has(ROI_SCORE),
        tam: h.has(TAM),
        sam: h.has(SAM),
        som_year3: h.has(SOM_YEAR3),
        traction_mrr: h.has(TRACTION_MRR),
        margin_percent: h.has(MARGIN_PERCENT),
        dcf_valuation: h.has(DCF_VALUATION),
        monthly_infra_cost: h.has(MONTHLY_INFRA_COST),
    }
}

/// Existing projects by URL key and by lower-case name.
#[derive(Debug, Default)]
pub struct ProjectIndex {
    by_url: HashMap<String, Vec<Uuid>>,
    /// (id, has a GitHub URL)
    by_name: HashMap<String, Vec<(Uuid, bool)>>,
    ids: std::collections::HashSet<Uuid>,
}

impl ProjectIndex {
    pub fn new(existing: &[ExistingProject]) -> Self {
        let mut ix = Self::default();
        for p in existing {
            ix.ids.insert(p.id);
            if let Some(url) = &p.github_url {
                ix.by_url
                    .entry(validate::url_key(url))
                    .or_default()
                    .push(p.id);
            }
            ix.by_name
                .entry(p.name.trim().to_lowercase())
                .or_default()
                .push((p.id, p.github_url.is_some()));
        }
        ix
    }

    /// The existing project a row means: Ok(Some(id)) to update, Ok(None) for a
    /// new one, Err when ambiguous.
    pub fn find(&self, name: &str, url: Option<&str>) -> Result<Option<Uuid>, String> {
        let named = self
            .by_name
            .get(&name.to_lowercase())
            .map(Vec::as_slice)
            .unwrap_or_default();
        if let Some(url) = url {
            if let Some(ids) = self.by_url.get(&validate::url_key(url)) {
                return match ids.as_slice() {
                    [id] => Ok(Some(*id)),
                    _ => Err(format!(
                        "{} projects have the GitHub URL {url:?}; fix them in the database first",
                        ids.len()
                    )),
                };
            }
            let without_url: Vec<Uuid> = named
                .iter()
                .filter(|(_, has)| !has)
                .map(|(id, _)| *id)
                .collect();
            return Ok(match without_url.as_slice() {
                [id] => Some(*id),
                _ => None,
            });
        }
        match named {
            [] => Ok(None),
            [(id, _)] => Ok(Some(*id)),
            many => Err(format!(
                "{} projects are named {name:?}; add their githubUrl to say which one this row updates",
                many.len()
            )),
        }
    }
}

/// Row checks with the state they need.
pub struct ProjectChecker {
    pub index: ProjectIndex,
    pub now: DateTime<Utc>,
    seen_url: HashMap<String, u64>,
    seen_name: HashMap<String, u64>,
    seen_target: HashMap<Uuid, u64>,
    /// githubUrl cells are git URLs (`….git`, `git@…`), see `csv_repos`.
    git_urls: bool,
}

const fn nonneg(int_digits: u32) -> DecimalRule {
    DecimalRule::money(int_digits)
}

impl ProjectChecker {
    pub fn new(index: ProjectIndex, now: DateTime<Utc>) -> Self {
        Self {
            index,
            now,
            seen_url: HashMap::new(),
            seen_name: HashMap::new(),
            seen_target: HashMap::new(),
            git_urls: false,
        }
    }

    /// Reads githubUrl as a git URL (the GitHub-repositories layout).
    pub fn with_git_urls(mut self) -> Self {
        self.git_urls = true;
        self
    }

    pub fn check(&mut self, c: &mut Cells<'_>) -> Option<ProjectRow> {
        let now = self.now;
        let name = c.parse_required(NAME, |s| validate::short_text(s, 200));
        let description = c.parse(DESCRIPTION, validate::text);
        let git_urls = self.git_urls;
        let github_url = c.parse(GITHUB_URL, |s| {
            if git_urls {
                validate::http_url(&super::csv_repos::web_url(s))
            } else {
                validate::http_url(s)
            }
        });
        let demo_url = c.parse(DEMO_URL, validate::http_url);
        let language = c.parse(LANGUAGE, validate::text);
        let tags = c.parse(TAGS, validate::tags);
        let stars = c.parse(STARS, |s| validate::int_at_least(s, 0));
        let forks = c.parse(FORKS, |s| validate::int_at_least(s, 0));
        let last_commit = c.parse(LAST_COMMIT, |s| validate::past_timestamp(s, now));
        let status = c.parse(STATUS, validate::label::<ProjectStatus>);
        let complexity = c.parse(COMPLEXITY, |s| validate::int_in(s, 1, 5));
        let client_appeal = c.parse(CLIENT_APPEAL, |s| validate::int_in(s, 0, 10));
        let current_milestone = c.parse(CURRENT_MILESTONE, |s| validate::int_at_least(s, 0));
        let total_milestones = c.parse(TOTAL_MILESTONES, |s| validate::int_at_least(s, 0));
        if let (Some(cur), Some(total)) = (current_milestone, total_milestones)
            && cur > total
        {
            c.fail(
                CURRENT_MILESTONE,
                format!("{cur} is more than totalMilestones ({total})"),
            );
        }
        let money = |c: &mut Cells<'_>, f: usize, rule: DecimalRule| {
            c.parse(f, |s| validate::decimal(s, rule))
        };
        let arr = money(c, ARR, nonneg(14));
        let year1_revenue = money(c, YEAR1_REVENUE, nonneg(14));
        let year3_revenue = money(c, YEAR3_REVENUE, nonneg(14));
        let roi_score = money(
            c,
            ROI_SCORE,
            DecimalRule {
                money: false,
                ..DecimalRule::signed_money(8)
            },
        );
        let tam = money(c, TAM, nonneg(16));
        let sam = money(c, SAM, nonneg(16));
        let som_year3 = money(c, SOM_YEAR3, nonneg(16));
        let traction_mrr = money(c, TRACTION_MRR, nonneg(14));
        let margin_percent = money(
            c,
            MARGIN_PERCENT,
            DecimalRule {
                min: Some(Decimal::from(-100)),
                max: Some(Decimal::from(100)),
                money: false,
                ..DecimalRule::signed_money(4)
            },
        );
        let dcf_valuation = money(c, DCF_VALUATION, DecimalRule::signed_money(14));
        let monthly_infra_cost = money(c, MONTHLY_INFRA_COST, nonneg(12));
        let id = c.parse(ID, |s| {
            let id = s
                .parse::<Uuid>()
                .map_err(|_| format!("{s:?} is not a project id (a UUID)"))?;
            if self.index.ids.contains(&id) {
                Ok(id)
            } else {
                Err(format!(
                    "no project has the id {id}; leave the cell empty to add the row as a new project"
                ))
            }
        });

        let name = name?;
        let name = name.trim().to_string();
        let name_key = name.to_lowercase();
        if let Some(url) = &github_url {
            let key = validate::url_key(url);
            if let Some(first) = self.seen_url.get(&key) {
                c.fail(
                    GITHUB_URL,
                    format!("is a duplicate of line {first} (same GitHub URL)"),
                );
            } else {
                self.seen_url.insert(key, c.line);
            }
        }
        // With an id the name need not be unique: the id says which project.
        if id.is_none() {
            if let Some(first) = self.seen_name.get(&name_key) {
                c.fail(
                    NAME,
                    format!("{name:?} is a duplicate of line {first} (same name)"),
                );
            } else {
                self.seen_name.insert(name_key, c.line);
            }
        }
        if !c.ok() {
            return None;
        }
        let found = match id {
            Some(id) => Ok(Some(id)),
            None => self.index.find(&name, github_url.as_deref()),
        };
        let target = match found {
            Ok(t) => t,
            Err(e) => {
                c.fail(
                    if github_url.is_some() {
                        GITHUB_URL
                    } else {
                        NAME
                    },
                    e,
                );
                return None;
            }
        };
        if let Some(id) = target {
            if let Some(first) = self.seen_target.get(&id) {
                c.fail(
                    NAME,
                    format!("updates the same existing project as line {first}"),
                );
                return None;
            }
            self.seen_target.insert(id, c.line);
        }
        Some(ProjectRow {
            line: c.line,
            id: target.unwrap_or_else(Uuid::new_v4),
            existing: target.is_some(),
            name,
            description,
            github_url,
            demo_url,
            language,
            tags,
            stars,
            forks,
            last_commit,
            status,
            complexity,
            client_appeal,
            current_milestone,
            total_milestones,
            arr,
            year1_revenue,
            year3_revenue,
            roi_score,
            tam,
            sam,
            som_year3,
            traction_mrr,
            margin_percent,
            dcf_valuation,
            monthly_infra_cost,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(name: &str, url: Option<&str>) -> ExistingProject {
        ExistingProject {
            id: Uuid::new_v4(),
            name: name.into(),
            github_url: url.map(Into::into),
            status: ProjectStatus::Active,
        }
    }

    #[test]
    fn matching_rules() {
        let a = project("Atlas", Some("https://github.com/acme/atlas"));
        let b = project("Beacon", None);
        let c1 = project("Comet", None);
        let c2 = project("comet", Some("https://github.com/acme/comet"));
        let ix = ProjectIndex::new(&[a.clone(), b.clone(), c1.clone(), c2.clone()]);
        // By URL, whatever the name and the URL's case.
        assert_eq!(
            ix.find("Renamed", Some("https://GitHub.com/acme/Atlas/")),
            Ok(Some(a.id))
        );
        // A new URL adopts the same-named project that has none yet.
        assert_eq!(
            ix.find("beacon", Some("https://github.com/acme/beacon")),
            Ok(Some(b.id))
        );
        assert_eq!(
            ix.find("Comet", Some("https://github.com/acme/comet")),
            Ok(Some(c2.id))
        );
        assert_eq!(
            ix.find("Comet", Some("https://github.com/other/comet")),
            Ok(Some(c1.id))
        );
        // By name only.
        assert_eq!(ix.find("ATLAS", None), Ok(Some(a.id)));
        assert_eq!(ix.find("Nova", None), Ok(None));
        assert!(
            ix.find("Comet", None)
                .unwrap_err()
                .starts_with("2 projects are named")
        );
    }
}
