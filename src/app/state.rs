//! The dashboard's whole state. `update` changes it; `ui` only reads it.

use super::change::{ChangeRequest, UserChoice};
pub use super::dialogs::{RefusedChange, WritePurpose, Writing};
use super::forms::{LineInput, Picker};
use super::model::{BugDetail, BugRow, Count, KpiData, Me, ProjectRow};
use crate::db::edit::FieldChange;
use crate::domain::BugStatus;
use crate::domain::Field;
use crate::domain::alert::KpiName;
use crate::query::{BugQuery, PageAnchor};
use chrono::{DateTime, Utc};

/// The panes that take keyboard focus, in `Tab` order. The KPI pane is
/// focused to pick a figure and drill down to its bugs (`drill`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Bugs,
    Detail,
    Portfolio,
    Kpis,
}

impl Pane {
    pub const ORDER: [Pane; 4] = [Pane::Bugs, Pane::Detail, Pane::Portfolio, Pane::Kpis];

    pub fn next(self) -> Pane {
        let i = Self::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        Self::ORDER[(i + 1) % Self::ORDER.len()]
    }

    pub fn prev(self) -> Pane {
        let i = Self::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        Self::ORDER[(i + Self::ORDER.len() - 1) % Self::ORDER.len()]
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Bugs => "Bugs",
            Pane::Detail => "Detail",
            Pane::Portfolio => "Portfolio",
            Pane::Kpis => "KPIs",
        }
    }
}

/// The bug table: a window of rows around the viewport, never the whole set.
#[derive(Debug, Clone, Default)]
pub struct TableState {
    pub query: BugQuery,
    /// The loaded window, in sort order.
    pub rows: Vec<BugRow>,
    /// Absolute position (0-based) of `rows[0]` within the full result.
    pub window_start: u64,
    /// Index into `rows` of the selected bug.
    pub selected: usize,
    /// Rows the table had room for at the last draw (for paging).
    pub viewport: usize,
    pub total: Option<Count>,
    /// More rows exist before `rows[0]` / after the last row.
    pub more_before: bool,
    pub more_after: bool,
    /// A page request is in flight. Every load that replaces the window (a new
    /// query, `g`, `G`, a refresh) takes a new page ticket, its generation;
    /// pages of older generations are dropped (see `App::tickets`).
    pub loading: bool,
    /// What the in-flight page load is for.
    pub pending: Option<PageIntent>,
    /// How `rows[0]` was reached, so a refresh can reload the same window.
    pub anchor: Option<PageAnchor>,
    /// The KPI whose bugs the filter was set to show (see `drill::active`).
    pub drill: Option<KpiName>,
}

/// What to do with a page when it arrives.
#[derive(Debug, Clone, PartialEq)]
pub enum PageIntent {
    /// Replace the window and select the first row.
    First,
    /// Replace the window and select the last row (`G`).
    Last,
    /// Replace the window, keeping the bug selected *when the page arrives*
    /// (the user may have moved while it loaded) if it is still there.
    Keep,
    /// Replace the window and select this bug (just created), if it is in it.
    Select(uuid::Uuid, String),
    /// Extend the window forward / backward (scrolling past its edge).
    Append,
    Prepend,
}

impl TableState {
    pub fn selected_row(&self) -> Option<&BugRow> {
        self.rows.get(self.selected)
    }

    /// Absolute 0-based position of the selection.
    pub fn position(&self) -> u64 {
        self.window_start + self.selected as u64
    }
}

#[derive(Debug, Clone, Default)]
pub struct PortfolioState {
    pub rows: Vec<ProjectRow>,
    pub selected: usize,
}

/// The detail pane: the bug shown and how far its text is scrolled.
#[derive(Debug, Clone, Default)]
pub struct DetailState {
    pub bug: Option<BugDetail>,
    pub scroll: u16,
    pub limit: ScrollLimit,
    pub loading: bool,
}

/// How far a wrapped text could scroll when it was last drawn. Only drawing
/// knows the width the text wraps to, so it records the limit here and the
/// keys clamp to it: `G` lands on the last screenful, not past it, and `k`
/// moves at once after scrolling to the end. Unknown before the first frame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScrollLimit(std::cell::Cell<Option<u16>>);

impl ScrollLimit {
    /// Called while drawing.
    pub fn record(&self, max: u16) {
        self.0.set(Some(max));
    }

    /// The furthest scroll; before the first frame, far enough for anything.
    pub fn max(&self) -> u16 {
        self.0.get().unwrap_or(u16::MAX / 2)
    }

    /// `scroll + delta`, kept between 0 and [`Self::max`].
    pub fn step(&self, scroll: u16, delta: isize) -> u16 {
        let max = i64::from(self.max());
        (i64::from(scroll).min(max) + delta as i64).clamp(0, max) as u16
    }
}

/// The saved views shown as tabs above the bug table, with their counts.
#[derive(Debug, Clone)]
pub struct ViewTabs {
    /// The built-in views, then the config file's.
    pub list: Vec<crate::views::View>,
    /// Each view's row count, in `list`'s order; `None` until counted (and
    /// for Mine without a user).
    pub counts: Vec<Option<Count>>,
    /// The view last switched to: `]` and `[` step from here when the table's
    /// filters no longer match any view.
    pub last: usize,
}

impl ViewTabs {
    pub fn new(list: Vec<crate::views::View>) -> ViewTabs {
        ViewTabs {
            counts: vec![None; list.len()],
            list,
            last: 0,
        }
    }
}

impl Default for ViewTabs {
    fn default() -> ViewTabs {
        ViewTabs::new(crate::views::builtins())
    }
}

/// Who may write. Read-only sessions are also enforced by the database session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    User(Me),
    ReadOnly(ReadOnlyReason),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadOnlyReason {
    /// `--read-only` or `read_only = true`.
    Requested,
    /// No --user / CTODASH_USER / config user.
    NoUser,
    /// The configured email is not in `users`.
    UnknownUser(String),
    /// The database has not been reached yet, so nothing is known.
    NotConnected,
}

impl ReadOnlyReason {
    pub fn explain(&self) -> String {
        match self {
            ReadOnlyReason::Requested => "read-only (--read-only)".into(),
            ReadOnlyReason::NoUser => {
                "read-only: no user (start with --user EMAIL or set CTODASH_USER)".into()
            }
            ReadOnlyReason::UnknownUser(e) => format!("read-only: {e} is not in users"),
            ReadOnlyReason::NotConnected => "not connected yet".into(),
        }
    }
}

/// Reads come from a hot standby (`--replica-url`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplicaView {
    pub lag: Option<std::time::Duration>,
}

/// The state of the database connection, as the header reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Connection {
    #[default]
    Connecting,
    Up,
    /// Lost or never reached; data on screen (if any) is stale.
    Down {
        since: DateTime<Utc>,
        error: String,
    },
    /// The server is up but has no free connection slot (SQLSTATE 53300):
    /// retried with back-off like `Down`, but told apart from it. `status`
    /// says how full ("… (97 of 100 in use)").
    Full {
        since: DateTime<Utc>,
        status: String,
    },
}

/// An in-progress status edit.
#[derive(Debug, Clone, PartialEq)]
pub struct EditTarget {
    pub bug: BugRow,
}

/// What the bug looked like when the edit was refused, and who changed it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictInfo {
    pub wanted: BugStatus,
    pub mine: BugRow,
    pub theirs: BugRow,
    /// e.g. "Grace Hopper changed status in_progress → verified 12s ago"
    pub changes: Vec<String>,
}

/// A popup on top of the panes; at most one at a time.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help {
        scroll: u16,
        limit: ScrollLimit,
    },
    /// The live `/` search box; `previous` is restored on Esc.
    Search {
        input: String,
        previous: String,
    },
    Filter(FilterMenu),
    StatusPicker {
        target: EditTarget,
        options: Vec<BugStatus>,
        selected: usize,
    },
    Confirm {
        target: EditTarget,
        to: BugStatus,
    },
    Saving {
        target: EditTarget,
        to: BugStatus,
    },
    Conflict(ConflictInfo),
    /// The full-screen chart of the monthly rollups; `view` indexes
    /// `trends::VIEWS`.
    Trends {
        view: usize,
    },
    /// `e`: which field to change, for `targets` (the marked bugs, or the
    /// selected one).
    FieldChooser {
        targets: Vec<BugRow>,
        selected: usize,
    },
    /// A field with a fixed set of values (severity, assignee, blocker,
    /// project), typed to filter.
    PickValue {
        targets: Vec<BugRow>,
        field: Field,
        picker: Picker<FieldChange>,
    },
    /// A one-line value (title, hours); `error` says why the last Enter was
    /// refused.
    InputValue {
        targets: Vec<BugRow>,
        field: Field,
        input: LineInput,
        error: Option<String>,
    },
    /// A multi-line text: a description or a comment.
    Write(Box<Writing>),
    /// `n`: the new-bug form.
    Create(Box<super::create::CreateForm>),
    /// `*`: mark every bug of the filter, after this confirmation.
    MarkAll {
        count: u64,
        capped: bool,
    },
    /// A change, creation or comment is being written: keys wait. `back`
    /// is the form or text box it came from, reopened (with the error) if
    /// the write fails, so nothing typed is lost.
    Working {
        text: String,
        back: Option<Box<Overlay>>,
    },
    /// The change was refused as a whole; `refusals` say which bugs and why.
    Refused(Box<RefusedChange>),
    /// `u`: revert the newest change of this session, after `y`.
    UndoConfirm {
        label: String,
    },
}

/// The `f` menu: one line per filter dimension.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FilterMenu {
    pub selected: usize,
    /// Text being typed for project or assignee, when editing one.
    pub editing: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Error,
    /// Work under way that ends when data arrives (first-run seeding): the
    /// notice clears itself with the first load.
    Progress,
}

/// The footer line: the outcome of the last action.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub tone: Tone,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct App {
    /// The clock everything is drawn against; advanced by ticks, fixed in tests.
    pub now: DateTime<Utc>,
    pub focus: Pane,
    pub identity: Identity,
    pub connection: Connection,
    /// Changes are pushed to us (LISTEN/NOTIFY); otherwise the runtime polls.
    pub push_live: bool,
    /// Where the data comes from, for the header (password redacted).
    pub source: String,
    /// Reads come from a replica: `Some`, with its lag once measured.
    pub replica: Option<ReplicaView>,
    pub kpis: Option<KpiData>,
    pub table: TableState,
    pub detail: DetailState,
    pub portfolio: PortfolioState,
    pub views: ViewTabs,
    /// The keys in force (defaults with the config file's remaps).
    pub keys: super::keys::Keymap,
    pub overlay: Option<Overlay>,
    pub notice: Option<Notice>,
    /// When the data on screen was last loaded successfully.
    pub refreshed_at: Option<DateTime<Utc>>,
    pub should_quit: bool,
    /// Why the app has to stop (a background task failed); the runtime exits
    /// with this as its one-paragraph error.
    pub fatal: Option<String>,
    /// A load was lost to an outage or a full server: the next
    /// `ConnectionUp` reloads everything even if another load got through
    /// meanwhile (and so already shows the connection as up).
    pub reload_on_up: bool,
    /// The newest load of each part; older results are dropped.
    pub tickets: super::tickets::Tickets,
    /// Something changed since the last draw.
    pub dirty: bool,
    /// The selected figure of the KPI pane.
    pub kpi_cursor: super::drill::FigureCursor,
    /// The configured `[[alerts]]` and whether each is crossed now.
    pub alerts: Vec<super::alerting::AlertState>,
    /// Ring the terminal bell at the next draw (an alert just crossed).
    pub bell: bool,
    /// Marked bugs by id, as last seen (kept fresh by every page and detail
    /// that shows them); `s` and `e` act on them when there are any.
    pub marks: super::marks::Marks,
    /// This session's changes, newest last; `u` reverts the newest.
    pub undo: Vec<super::undo::UndoEntry>,
    /// The change in flight, if any (one at a time).
    pub change_seq: u64,
    pub in_flight: Option<ChangeRequest>,
    /// Users for the assignee pickers, loaded when first needed.
    pub users: Option<Vec<UserChoice>>,
    /// Whether mouse events are read (`mouse = false` / `--no-mouse`: off).
    pub mouse: bool,
    /// Where things were drawn, for mouse clicks.
    pub hits: super::mouse::HitMap,
    /// `$EDITOR`, when set: descriptions and comments are written there.
    pub editor: Option<String>,
    /// Asked for by `update`, carried out by the terminal loop: it has to
    /// leave the screen to run `$EDITOR`.
    pub editor_request: Option<super::editor::EditorRequest>,
}

impl App {
    pub fn new(now: DateTime<Utc>, identity: Identity, source: String) -> App {
        App {
            now,
            focus: Pane::Bugs,
            identity,
            connection: Connection::Connecting,
            push_live: false,
            source,
            replica: None,
            kpis: None,
            table: TableState::default(),
            detail: DetailState::default(),
            portfolio: PortfolioState::default(),
            views: ViewTabs::default(),
            keys: Default::default(),
            overlay: None,
            notice: None,
            refreshed_at: None,
            should_quit: false,
            fatal: None,
            reload_on_up: false,
            tickets: Default::default(),
            dirty: true,
            kpi_cursor: Default::default(),
            alerts: Vec::new(),
            bell: false,
            marks: Default::default(),
            undo: Vec::new(),
            change_seq: 0,
            in_flight: None,
            users: None,
            mouse: false,
            hits: Default::default(),
            editor: None,
            editor_request: None,
        }
    }

    /// The marked bugs, or else the selected one (from the pane in focus).
    pub fn targets(&self) -> Vec<BugRow> {
        if !self.marks.is_empty() {
            return self.marks.rows();
        }
        let bug = match self.focus {
            Pane::Detail => self.detail.bug.as_ref().map(|d| d.row.clone()),
            _ => self.table.selected_row().cloned(),
        };
        bug.into_iter().collect()
    }

    pub fn me(&self) -> Option<&Me> {
        match &self.identity {
            Identity::User(me) => Some(me),
            Identity::ReadOnly(_) => None,
        }
    }

    /// The view whose query the table shows now, if any (the first, when
    /// two views mean the same). Derived rather than stored, so changing a
    /// filter by hand un-highlights the tab and `x` lights Open again.
    pub fn current_view(&self) -> Option<usize> {
        let me = self.me().map(|m| m.email.as_str());
        let mut shown = self.table.query.clone();
        shown.filter.fuzzy = false;
        self.views
            .list
            .iter()
            .position(|v| v.query_for(me).is_some_and(|q| q == shown))
    }
}
