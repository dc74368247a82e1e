//! The one message type into the UI loop, and the commands `update` hands back
//! to the runtime to carry out (database reads and writes).

use super::change::{ChangeRequest, UserChoice};
use super::model::{BugDetail, BugRow, Count, KpiData, ProjectRow};
use crate::db::edit::{ChangeOutcome, NewBug};
use crate::domain::BugStatus;
use crate::query::{BugQuery, PageAnchor};
use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// The answer to the `Command::Apply` of this request id.
    Applied {
        request: u64,
        outcome: ChangeOutcome,
    },
    /// The answer to `Command::CreateBug`: the new bug, or why not.
    Created(Result<BugRow, String>),
    /// The answer to `Command::AddComment`.
    Commented {
        bug: String,
        result: Result<(), String>,
    },
    /// `$EDITOR` finished: the text written (`None`: left unchanged or
    /// failed, with `error` saying why).
    EditorDone {
        text: Option<String>,
        error: Option<String>,
    },
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
        /// The failed load's ticket (a page's generation): an older load's
        /// failure does not stop the newer one's wait.
        ticket: u64,
        error: String,
    },
    /// A background task panicked: a bug, not a database problem. The app
    /// says so and exits cleanly rather than run on with a task missing.
    WorkerFailed {
        task: String,
        error: String,
    },
    ConnectionUp,
    ConnectionDown {
        error: String,
    },
    /// Reads come from a replica this far behind the primary (`None`: not
    /// known, e.g. it has nothing to replay).
    ReplicaLag {
        lag: Option<std::time::Duration>,
    },
    /// A connection was refused for want of free slots (see `db::capacity`).
    ServerFull {
        status: String,
    },
    /// How full the server is, asked on a connection still open once a new
    /// one was refused (see `db::capacity::usage`).
    ServerUsage {
        in_use: i64,
        max: i64,
    },
    Saved(SaveOutcome),
    /// Work under way, for the footer until the first data arrives (first-run
    /// seeding).
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
    Users,
    Marks,
    ViewCounts,
}

impl Part {
    pub const ALL: [Part; 8] = [
        Part::Kpis,
        Part::Page,
        Part::Count,
        Part::Detail,
        Part::Portfolio,
        Part::Users,
        Part::Marks,
        Part::ViewCounts,
    ];
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
/// A read's result, stamped with the ticket of the command that asked for it
/// (see `tickets`): results of superseded loads are dropped.
#[derive(Debug, Clone)]
pub enum Loaded {
    Kpis {
        ticket: u64,
        kpis: KpiData,
    },
    /// A page of the bug table for the window of `generation` (the ticket of
    /// the load that started the window; pages extending it share it).
    Page {
        generation: u64,
        page: Page,
    },
    Count {
        ticket: u64,
        count: Count,
    },
    /// Also dropped unless the bug is still the one selected.
    Detail {
        ticket: u64,
        detail: Box<BugDetail>,
    },
    Portfolio {
        ticket: u64,
        rows: Vec<ProjectRow>,
    },
    Users {
        ticket: u64,
        users: Vec<UserChoice>,
    },
    /// The bugs `*` marks.
    Marks {
        ticket: u64,
        rows: Vec<BugRow>,
    },
    /// One count per view tab, in the tabs' order.
    ViewCounts {
        ticket: u64,
        counts: Vec<Option<Count>>,
    },
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
    LoadKpis {
        ticket: u64,
    },
    LoadPage {
        generation: u64,
        query: BugQuery,
        anchor: PageAnchor,
        limit: usize,
    },
    LoadCount {
        ticket: u64,
        query: BugQuery,
    },
    LoadDetail {
        ticket: u64,
        id: Uuid,
    },
    LoadPortfolio {
        ticket: u64,
    },
    /// The view tabs' counts; `None` queries (Mine without a user) are skipped.
    LoadViewCounts {
        ticket: u64,
        queries: Vec<Option<BugQuery>>,
    },
    SaveStatus {
        bug: BugRow,
        to: BugStatus,
    },
    LoadUsers {
        ticket: u64,
    },
    LoadMarks {
        ticket: u64,
        query: BugQuery,
        limit: usize,
    },
    /// One audited change of one or many bugs, all or nothing.
    Apply(ChangeRequest),
    CreateBug(NewBug),
    AddComment {
        bug: BugRow,
        body: String,
    },
}

impl Command {
    /// Which part a load is for and its ticket; `None` for writes.
    pub fn ticket(&self) -> Option<(Part, u64)> {
        match self {
            Command::LoadKpis { ticket } => Some((Part::Kpis, *ticket)),
            Command::LoadPage { generation, .. } => Some((Part::Page, *generation)),
            Command::LoadCount { ticket, .. } => Some((Part::Count, *ticket)),
            Command::LoadDetail { ticket, .. } => Some((Part::Detail, *ticket)),
            Command::LoadPortfolio { ticket } => Some((Part::Portfolio, *ticket)),
            Command::LoadUsers { ticket } => Some((Part::Users, *ticket)),
            Command::LoadMarks { ticket, .. } => Some((Part::Marks, *ticket)),
            Command::LoadViewCounts { ticket, .. } => Some((Part::ViewCounts, *ticket)),
            Command::SaveStatus { .. }
            | Command::Apply(_)
            | Command::CreateBug(_)
            | Command::AddComment { .. } => None,
        }
    }
}
