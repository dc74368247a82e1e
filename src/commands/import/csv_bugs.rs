//! The bugs CSV: its columns and the checks each row must pass.

use super::csv_file::{Cells, FieldSpec, Header, aka, field, required};
use super::validate::{self, DecimalRule};
use crate::db::import::{BugColumns, BugRow};
use crate::domain::{BugStatus, Severity};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

pub const BUG_NUMBER: usize = 0;
pub const TITLE: usize = 1;
pub const DESCRIPTION: usize = 2;
pub const SEVERITY: usize = 3;
pub const STATUS: usize = 4;
pub const ASSIGNED_TO: usize = 5;
pub const PROJECT_NAME: usize = 6;
pub const SLA_HOURS: usize = 7;
pub const BUSINESS_IMPACT: usize = 8;
pub const REVENUE_IMPACT: usize = 9;
pub const IS_BLOCKER: usize = 10;
pub const PRIORITY_SCORE: usize = 11;
pub const ESTIMATED_HOURS: usize = 12;
pub const ACTUAL_HOURS: usize = 13;
pub const RESOLVED_AT: usize = 14;
pub const CREATED_AT: usize = 15;
pub const VERSION: usize = 16;
pub const ASSIGNEE: usize = 17;
pub const PROJECT_ID: usize = 18;

/// The source product's bug template, in its order, plus `createdAt` (ours:
/// lets a migration keep each bug's age, which drives SLA and priority), then
/// what `bugs list --format csv` adds so its export imports back unchanged:
/// `version` (the conflict check), `assignee` (a display name or an email;
/// ignored when `assignee_email` is there) and `project_id` (which project,
/// even when two share a name; `project` is then ignored).
pub const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        required: true,
        ..aka("bugNumber", &["number"])
    },
    required("title"),
    field("description"),
    required("severity"),
    field("status"),
    aka("assignedTo", &["assigneeEmail", "assignedToEmail"]),
    aka("projectName", &["project"]),
    field("slaHours"),
    field("businessImpact"),
    aka("revenueImpact", &["revenueImpactDaily"]),
    aka("isBlocker", &["blocker"]),
    field("priorityScore"),
    field("estimatedHours"),
    field("actualHours"),
    field("resolvedAt"),
    field("createdAt"),
    field("version"),
    field("assignee"),
    field("projectId"),
];

/// The fields of a file without a bug-number column: the source product's
/// documented bugs layout (`title,description,severity,status,
/// assigned_to_email,project_name,…`), where only `title` is required and
/// severity defaults to medium. Same order as [`FIELDS`].
pub fn numberless_fields() -> Vec<FieldSpec> {
    FIELDS
        .iter()
        .enumerate()
        .map(|(i, f)| FieldSpec {
            required: i == TITLE,
            ..*f
        })
        .collect()
}

/// Columns of the export the database computes: recognised, never stored.
pub const DERIVED: &[&str] = &[
    "priority",
    "ageHours",
    "slaDueAt",
    "slaState",
    "slaBreached",
    "id",
];

/// Which optional columns the file has.
pub fn columns(h: &Header) -> BugColumns {
    BugColumns {
        description: h.has(DESCRIPTION),
        status: h.has(STATUS),
        assigned_to: h.has(ASSIGNED_TO) || h.has(ASSIGNEE),
        project: h.has(PROJECT_NAME) || h.has(PROJECT_ID),
        sla_hours: h.has(SLA_HOURS),
        business_impact: h.has(BUSINESS_IMPACT),
        revenue_impact: h.has(REVENUE_IMPACT),
        is_blocker: h.has(IS_BLOCKER),
        estimated_hours: h.has(ESTIMATED_HOURS),
        actual_hours: h.has(ACTUAL_HOURS),
        resolved_at: h.has(RESOLVED_AT),
        created_at: h.has(CREATED_AT),
        version: h.has(VERSION),
    }
}

/// The header's columns that say the same thing as a more precise one and so
/// are ignored: `assignee` beside `assignee_email`, `project` beside `project_id`.
pub fn shadowed(h: &Header) -> Vec<String> {
    let mut out = Vec::new();
    for (loose, exact) in [(ASSIGNEE, ASSIGNED_TO), (PROJECT_NAME, PROJECT_ID)] {
        if let (Some((_, label)), true) = (&h.columns[loose], h.has(exact)) {
            out.push(label.clone());
        }
    }
    out
}

/// Look-ups from the database and the rows seen so far in this file.
pub struct BugChecker {
    /// lower(email) → user id.
    pub users: HashMap<String, Uuid>,
    /// lower(trimmed name) → ids of the projects with that name.
    pub projects: HashMap<String, Vec<Uuid>>,
    pub now: DateTime<Utc>,
    /// lower(trimmed display name) → ids of the users with that name.
    pub user_names: HashMap<String, Vec<Uuid>>,
    /// Every project id, for a `project_id` column.
    pub project_ids: HashSet<Uuid>,
    /// Which columns decide the assignee and the project (see [`shadowed`]).
    assignee_by_name: bool,
    project_by_id: bool,
    /// Bug number → line of its first row in this file.
    seen: HashMap<String, u64>,
    /// The file has no bug-number column: every row is a new bug, numbered at
    /// load time, and severity may be empty (medium).
    numberless: bool,
    /// `--create-users` / `--create-projects`: unknown emails and project
    /// names become new users and projects (ids chosen here, rows written by
    /// the load).
    pub create_users: bool,
    pub create_projects: bool,
    /// lower(email) → (id, email as first written) of the users to create.
    pub new_users: Vec<(Uuid, String)>,
    /// (id, name as first written) of the projects to create.
    pub new_projects: Vec<(Uuid, String)>,
    /// Row warnings (the row is still imported), such as an ignored resolvedAt.
    pub warnings: Vec<String>,
}

impl BugChecker {
    pub fn new(
        users: HashMap<String, Uuid>,
        projects: HashMap<String, Vec<Uuid>>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            users,
            projects,
            now,
            user_names: HashMap::new(),
            project_ids: HashSet::new(),
            assignee_by_name: false,
            project_by_id: false,
            seen: HashMap::new(),
            numberless: false,
            create_users: false,
            create_projects: false,
            new_users: Vec::new(),
            new_projects: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Creates unknown assignees and projects instead of rejecting the row.
    pub fn creating(mut self, users: bool, projects: bool) -> Self {
        self.create_users = users;
        self.create_projects = projects;
        self
    }

    /// Resolves the export's `assignee` (display name or email) and
    /// `project_id` columns when the header has them.
    pub fn for_header(
        mut self,
        h: &Header,
        user_names: HashMap<String, Vec<Uuid>>,
        project_ids: HashSet<Uuid>,
    ) -> Self {
        self.numberless = !h.has(BUG_NUMBER);
        self.assignee_by_name = h.has(ASSIGNEE) && !h.has(ASSIGNED_TO);
        self.project_by_id = h.has(PROJECT_ID);
        self.user_names = user_names;
        self.project_ids = project_ids;
        self
    }

    fn user_by_email(&mut self, email: &str) -> Result<Uuid, String> {
        let key = email.to_lowercase();
        if let Some(id) = self.users.get(&key) {
            return Ok(*id);
        }
        if !self.create_users {
            return Err(format!(
                "no user has the email {email:?}; add the user first, leave the cell empty, or \
                 import with --create-users to create it"
            ));
        }
        if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
            return Err(format!(
                "{email:?} is not an email address, so --create-users cannot create a user for it"
            ));
        }
        let id = Uuid::new_v4();
        self.users.insert(key, id);
        self.new_users.push((id, email.to_string()));
        Ok(id)
    }

    /// An email, or a display name only one user has.
    fn user_by_name_or_email(&self, who: &str) -> Result<Uuid, String> {
        if let Some(id) = self.users.get(&who.to_lowercase()) {
            return Ok(*id);
        }
        match self.user_names.get(&who.to_lowercase()).map(Vec::as_slice) {
            Some([id]) => Ok(*id),
            Some(ids) if ids.len() > 1 => Err(format!(
                "{} users are named {who:?}; use an assignee_email column to say which one",
                ids.len()
            )),
            _ => Err(format!(
                "no user has the name or email {who:?}; add the user first or leave the cell empty"
            )),
        }
    }

    fn project_by_name(&mut self, name: &str) -> Result<Uuid, String> {
        let key = name.to_lowercase();
        if self.create_projects && !self.projects.contains_key(&key) {
            let id = Uuid::new_v4();
            self.projects.insert(key.clone(), vec![id]);
            self.new_projects.push((id, name.to_string()));
        }
        match self.projects.get(&key).map(Vec::as_slice) {
            Some([id]) => Ok(*id),
            Some(ids) if ids.len() > 1 => Err(format!(
                "{} projects are named {name:?}; rename one so the name is unique, or add a \
                 project_id column",
                ids.len()
            )),
            _ => Err(format!(
                "no project is named {name:?}; import the project first, leave the cell empty, \
                 or import with --create-projects to create it"
            )),
        }
    }

    /// Every check of one row; None when any failed (the problems are in `c`).
    pub fn check(&mut self, c: &mut Cells<'_>) -> Option<BugRow> {
        let now = self.now;
        // A numberless row's number is allocated at load time (see `import`).
        let bug_number = if self.numberless {
            Some(String::new())
        } else {
            c.parse_required(BUG_NUMBER, validate::bug_number)
        };
        if let Some(n) = bug_number.as_ref().filter(|_| !self.numberless) {
            if let Some(first) = self.seen.get(n) {
                c.fail(
                    BUG_NUMBER,
                    format!(
                        "{n} is a duplicate of line {first} (the first row is the one imported)"
                    ),
                );
            } else {
                self.seen.insert(n.clone(), c.line);
            }
        }
        let title = c.parse_required(TITLE, |s| validate::short_text(s, 500));
        let description = c.parse(DESCRIPTION, validate::text);
        let severity = if self.numberless && c.get(SEVERITY).is_none() {
            Some(Severity::Medium)
        } else {
            c.parse_required(SEVERITY, validate::label::<Severity>)
        };
        let status = c.parse(STATUS, validate::label::<BugStatus>);
        let assigned_to = if self.assignee_by_name {
            c.parse(ASSIGNEE, |who| self.user_by_name_or_email(who))
        } else {
            c.parse(ASSIGNED_TO, |email| self.user_by_email(email))
        };
        let project_id = if self.project_by_id {
            c.parse(PROJECT_ID, |s| {
                let id = s
                    .parse::<Uuid>()
                    .map_err(|_| format!("{s:?} is not a project id (a UUID)"))?;
                if self.project_ids.contains(&id) {
                    Ok(id)
                } else {
                    Err(format!(
                        "no project has the id {id}; import the project first or leave the cell empty"
                    ))
                }
            })
        } else {
            c.parse(PROJECT_NAME, |name| self.project_by_name(name))
        };
        let version = c.parse(VERSION, validate::version);
        let sla_hours = c.parse(SLA_HOURS, |s| validate::int_at_least(s, 1));
        let business_impact = c.parse(BUSINESS_IMPACT, validate::text);
        let revenue_impact_daily = c.parse(REVENUE_IMPACT, |s| {
            validate::decimal(s, DecimalRule::money(12))
        });
        let is_blocker = c.parse(IS_BLOCKER, validate::boolean);
        // Checked, never stored: the database derives every bug's priority from
        // severity, revenue impact, blocker flag and age.
        let _priority = c.parse(PRIORITY_SCORE, |s| validate::int_in(s, 0, 100));
        let estimated_hours = c.parse(ESTIMATED_HOURS, |s| {
            validate::decimal(s, DecimalRule::hours())
        });
        let actual_hours = c.parse(ACTUAL_HOURS, |s| validate::decimal(s, DecimalRule::hours()));
        let mut resolved_at = c.parse(RESOLVED_AT, |s| validate::past_timestamp(s, now));
        let created_at = c.parse(CREATED_AT, |s| validate::past_timestamp(s, now));
        // The source product wrote such rows (its template has one): the row
        // is imported as open and the date dropped, with a warning.
        if let (Some(status), Some(_)) = (status, resolved_at)
            && status.is_open()
        {
            let column = c.column_label(RESOLVED_AT);
            self.warnings.push(format!(
                "line {}, column {column}: is set but status {status} is open; the date was \
                 ignored and the bug imported as {status}",
                c.line
            ));
            resolved_at = None;
        }
        if let (Some(created), Some(resolved)) = (created_at, resolved_at)
            && resolved < created
        {
            c.fail(RESOLVED_AT, "is before createdAt");
        }
        Some(BugRow {
            line: c.line,
            bug_number: bug_number?,
            title: title?,
            description,
            severity: severity?,
            status,
            assigned_to,
            project_id,
            sla_hours,
            business_impact,
            revenue_impact_daily,
            is_blocker,
            estimated_hours,
            actual_hours,
            resolved_at,
            created_at,
            version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::csv_file;
    use super::*;
    use chrono::TimeZone;

    fn check(csv: &str, checker_users: &[(&str, &str, Uuid)]) -> Result<Vec<BugRow>, String> {
        let mut rdr = csv_file::reader(csv.as_bytes());
        let header = csv_file::read_header(&mut rdr, FIELDS, DERIVED, "bugs")?;
        let mut emails = HashMap::new();
        let mut names: HashMap<String, Vec<Uuid>> = HashMap::new();
        for (email, name, id) in checker_users {
            emails.insert(email.to_lowercase(), *id);
            names.entry(name.to_lowercase()).or_default().push(*id);
        }
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let mut checker =
            BugChecker::new(emails, HashMap::new(), now).for_header(&header, names, HashSet::new());
        let rows = csv_file::read_rows(&mut rdr, &header, false, |c| checker.check(c))?;
        match rows.problems.first() {
            Some(p) => Err(p.to_string()),
            None => Ok(rows.good),
        }
    }

    #[test]
    fn the_exports_assignee_is_a_name_or_an_email() {
        let (ada, grace, twin) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let users = [
            ("ada@example.com", "Ada Lovelace", ada),
            ("grace@example.com", "Sam Lee", grace),
            ("sam@example.com", "Sam Lee", twin),
        ];
        let rows = check(
            "number,title,severity,assignee,version\n\
             BUG-1,A,low,Ada Lovelace,3\n\
             BUG-2,B,low,grace@example.com,1\n",
            &users,
        )
        .unwrap();
        assert_eq!(rows[0].assigned_to, Some(ada));
        assert_eq!(rows[0].version, Some(3));
        assert_eq!(rows[1].assigned_to, Some(grace));
        assert_eq!(
            check(
                "number,title,severity,assignee\nBUG-1,A,low,Sam Lee\n",
                &users
            )
            .unwrap_err(),
            "line 2, column assignee: 2 users are named \"Sam Lee\"; use an assignee_email \
             column to say which one"
        );
        // Beside assignee_email the display name is not read at all.
        let rows = check(
            "number,title,severity,assignee,assignee_email\nBUG-1,A,low,Sam Lee,sam@example.com\n",
            &users,
        )
        .unwrap();
        assert_eq!(rows[0].assigned_to, Some(twin));
        assert_eq!(
            check("number,title,severity,version\nBUG-1,A,low,0\n", &users).unwrap_err(),
            "line 2, column version: 0 is not a version: versions start at 1"
        );
    }
}
