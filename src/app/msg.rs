//! The one message type into the UI loop, and the commands `update` hands back
//! to the runtime to carry out (database reads and writes).

use super::model::{BugDetail, BugRow, Count, KpiData, ProjectRow};
use crate::domain::BugStatus;
use crate::query::{BugQuery, PageAnchor};
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// The terminal was resized: redraw.
    Resize,
    /// The clock moved on (ages and SLA countdowns are drawn against it).
    Tick(DateTime<Utc>),
    /// Time to reload everything (periodic refresh, or after a reconnect).
    RefreshDue,
    /// Time has passed with no change announced: reload only what the clock
    /// alone changes (the KPIs' windows and SLA breaches).
    ClockDue,
    /// The database announced changes (LISTEN/NOTIFY, bursts coalesced).
    DataChanged(Changes),
    /// Whether push notifications are flowing; without them the runtime polls.
    Push {
        live: bool,
    },
    Loaded(Loaded),
    /// A read failed; the data on screen stays, marked stale.
    LoadFailed {
        part: Part,
        error: String,
    },
    ConnectionUp,
    ConnectionDown {
        error: String,
    },
    Saved(SaveOutcome),
    /// Something worth telling the user in the footer (e.g. first-run seeding).
    Notice(String),
}

/// Which read a `LoadFailed` was: only that part stops waiting for its
/// answer (a failed KPI read must not drop the table's page request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Kpis,
    Page,
    Count,
    Detail,
    Portfolio,
}

/// Which tables changed since the last reload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    pub bugs: bool,
    pub projects: bool,
    pub users: bool,
}

impl Changes {
    pub fn everything() -> Changes {
        Changes {
            bugs: true,
            projects: true,
            users: true,
        }
    }

    pub fn merge(&mut self, other: Changes) {
        self.bugs |= other.bugs;
        self.projects |= other.projects;
        self.users |= other.users;
    }
}

// The KPI figures (a few hundred bytes) arrive every few seconds at most, and
// boxing them would only tip `Msg` over the same lint the other way.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Loaded {
    Kpis(KpiData),
    /// A page of the bug table for the query of `generation`.
    Page {
        generation: u64,
        page: Page,
    },
    Count {
        generation: u64,
        count: Count,
    },
    Detail(Box<BugDetail>),
    Portfolio(Vec<ProjectRow>),
}

/// Rows in sort order, and whether more exist on either side.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub anchor: PageAnchor,
    pub rows: Vec<BugRow>,
    pub more_before: bool,
    pub more_after: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SaveOutcome {
    Saved {
        before: BugRow,
        after: BugRow,
    },
    /// The bug changed since it was shown; nothing was written.
    Conflict {
        wanted: BugStatus,
        mine: BugRow,
        theirs: BugRow,
        changes: Vec<String>,
    },
    /// Refused or failed; nothing was written. One clear sentence.
    Failed {
        bug: String,
        error: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    LoadKpis,
    LoadPage {
        generation: u64,
        query: BugQuery,
        anchor: PageAnchor,
        limit: usize,
    },
    LoadCount {
        generation: u64,
        query: BugQuery,
    },
    LoadDetail {
        id: Uuid,
    },
    LoadPortfolio,
    SaveStatus {
        bug: BugRow,
        to: BugStatus,
    },
}
