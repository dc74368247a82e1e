//! Drill-down: the KPI pane as a grid of figures the cursor moves over, and
//! for each figure the bug-table filter that shows the bugs behind it.
//!
//! A count's filter shows exactly the bugs it counts (the table's count equals
//! the figure; `tests/drill_down.rs` checks every one). A rate, a mean or a sum
//! of money drills to the bugs it is computed over, and says so. Figures about
//! projects (valuation, ARR, infra, year-3 revenue, projects) and the backlog
//! change (a difference of two counts, each drillable) are not selectable.

use super::msg::Command;
use super::state::{App, Pane, Tone};
use super::table_nav;
use super::update::notify;
use crate::domain::alert::KpiName;
use crate::domain::{BugStatus, Severity};
use crate::query::{BugFilter, StatusFilter, Window};

/// The figures in the order the wide KPI pane draws them: four columns of six.
pub const GRID: [[KpiName; 6]; 4] = [
    [
        KpiName::OpenTotal,
        KpiName::Open(Severity::Critical),
        KpiName::Open(Severity::High),
        KpiName::Open(Severity::Medium),
        KpiName::Open(Severity::Low),
        KpiName::Deferred,
    ],
    [
        KpiName::SlaBreached,
        KpiName::SlaBreachedDeferred,
        KpiName::SlaCompliancePct,
        KpiName::SlaCompliancePct30d,
        KpiName::Blockers,
        KpiName::RevenueAtRiskDaily,
    ],
    [
        KpiName::OpenedLast7d,
        KpiName::ResolvedLast7d,
        KpiName::BacklogChange7d,
        KpiName::MeanTimeToResolveHours,
        KpiName::MeanTimeToResolveHoursAll,
        KpiName::EngineeringCost,
    ],
    [
        KpiName::RevenueAtRiskMonthly,
        KpiName::PortfolioValuation,
        KpiName::ArrTotal,
        KpiName::MonthlyInfraCost,
        KpiName::ProjectsTotal,
        KpiName::Year3RevenueTotal,
    ],
];

/// Which figure of [`GRID`] is selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FigureCursor {
    pub col: usize,
    pub row: usize,
}

impl FigureCursor {
    pub fn kpi(self) -> KpiName {
        GRID[self.col][self.row]
    }
}

/// The bugs behind a figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Drill {
    pub filter: BugFilter,
    /// The table's count is the figure itself (not the set it is computed over).
    pub countable: bool,
    /// What the table then shows, for the footer and the help.
    pub shows: &'static str,
}

fn filter(status: StatusFilter) -> BugFilter {
    BugFilter {
        status,
        ..Default::default()
    }
}

fn only(s: BugStatus) -> StatusFilter {
    StatusFilter::Only(vec![s])
}

/// The drill-down of `kpi`, or `None` when it is not selectable.
pub fn drill(kpi: KpiName) -> Option<Drill> {
    use KpiName::*;
    let count = |filter: BugFilter, shows| Drill {
        filter,
        countable: true,
        shows,
    };
    let over = |filter: BugFilter, shows| Drill {
        filter,
        countable: false,
        shows,
    };
    let resolved = |window| BugFilter {
        window: Some(window),
        ..filter(StatusFilter::All)
    };
    Some(match kpi {
        OpenTotal => count(filter(StatusFilter::Open), "the open bugs"),
        Open(s) => count(
            BugFilter {
                severities: vec![s],
                ..filter(StatusFilter::Open)
            },
            "the open bugs of that severity",
        ),
        Deferred => count(filter(only(BugStatus::Deferred)), "the deferred bugs"),
        Blockers => count(
            BugFilter {
                blocker_only: true,
                ..filter(StatusFilter::Open)
            },
            "the open blockers",
        ),
        SlaBreached => count(
            BugFilter {
                sla_breached_only: true,
                ..filter(StatusFilter::Open)
            },
            "the open bugs past their SLA, deferred ones included",
        ),
        SlaBreachedDeferred => count(
            BugFilter {
                sla_breached_only: true,
                ..filter(only(BugStatus::Deferred))
            },
            "the deferred bugs past their SLA",
        ),
        OpenedLast7d => count(
            BugFilter {
                window: Some(Window::Opened { days: 7 }),
                ..filter(StatusFilter::All)
            },
            "the bugs opened in the last 7 days",
        ),
        ResolvedLast7d => count(
            resolved(Window::Resolved { days: 7 }),
            "the bugs resolved in the last 7 days",
        ),
        SlaCompliancePct | MeanTimeToResolveHoursAll => over(
            resolved(Window::ResolvedEver),
            "every resolved bug, which it is computed over",
        ),
        SlaCompliancePct30d | MeanTimeToResolveHours => over(
            resolved(Window::Resolved { days: 30 }),
            "the bugs resolved in the last 30 days, which it is computed over",
        ),
        RevenueAtRiskDaily | RevenueAtRiskMonthly => over(
            BugFilter {
                severities: vec![Severity::Critical],
                ..filter(StatusFilter::Open)
            },
            "the open critical bugs, whose daily revenue impact it sums",
        ),
        EngineeringCost => over(
            filter(StatusFilter::All),
            "every bug, whose hours it prices",
        ),
        BacklogChange7d | PortfolioValuation | ArrTotal | MonthlyInfraCost | ProjectsTotal
        | ProjectsShipped | Year3RevenueTotal => return None,
    })
}

pub fn selectable(kpi: KpiName) -> bool {
    drill(kpi).is_some()
}

/// Up and down within a column, skipping figures that cannot be selected;
/// at the end of the column the cursor stays.
pub fn step_rows(cur: FigureCursor, delta: isize) -> FigureCursor {
    let col = &GRID[cur.col];
    let mut best = cur;
    let mut row = cur.row as isize;
    let mut left = delta.unsigned_abs();
    while left > 0 {
        row += delta.signum();
        let Some(kpi) = usize::try_from(row).ok().and_then(|r| col.get(r)) else {
            break;
        };
        if selectable(*kpi) {
            best.row = row as usize;
            left -= 1;
        }
    }
    best
}

/// The first (`top`) or last selectable figure of the cursor's column.
pub fn column_end(cur: FigureCursor, top: bool) -> FigureCursor {
    let rows: Vec<usize> = (0..GRID[cur.col].len())
        .filter(|r| selectable(GRID[cur.col][*r]))
        .collect();
    let row = if top { rows.first() } else { rows.last() };
    FigureCursor {
        row: row.copied().unwrap_or(cur.row),
        ..cur
    }
}

/// Left and right: the next column with a selectable figure, on the nearest
/// selectable row to the one the cursor is on.
pub fn step_cols(cur: FigureCursor, delta: isize) -> FigureCursor {
    let mut col = cur.col as isize;
    loop {
        col += delta.signum();
        let Some(figures) = usize::try_from(col).ok().and_then(|c| GRID.get(c)) else {
            return cur;
        };
        let nearest = (0..figures.len())
            .filter(|r| selectable(figures[*r]))
            .min_by_key(|r| r.abs_diff(cur.row));
        if let Some(row) = nearest {
            return FigureCursor {
                col: col as usize,
                row,
            };
        }
    }
}

/// Enter on a figure: the table shows the bugs behind it, with the figure
/// named in its title, and takes the focus.
pub fn open(app: &mut App) -> Vec<Command> {
    let kpi = app.kpi_cursor.kpi();
    let Some(d) = drill(kpi) else {
        return vec![];
    };
    app.table.query.filter = d.filter;
    app.table.drill = Some(kpi);
    app.focus = Pane::Bugs;
    let figure = app
        .kpis
        .as_ref()
        .and_then(|k| kpi.value(&k.kpis))
        .map(|v| format!(" ({v})"))
        .unwrap_or_default();
    notify(
        app,
        Tone::Info,
        format!("{}{figure}: showing {} (x clears)", kpi.label(), d.shows),
    );
    table_nav::requery(app)
}

/// The figure the table's filter is the drill-down of, while it still is
/// (any change of filter ends the drill-down's label).
pub fn active(app: &App) -> Option<KpiName> {
    app.table
        .drill
        .filter(|k| drill(*k).is_some_and(|d| d.filter == app.table.query.filter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_has_a_selectable_figure_and_the_cursor_starts_on_one() {
        for col in GRID {
            assert!(col.iter().any(|k| selectable(*k)));
        }
        assert!(selectable(FigureCursor::default().kpi()));
    }

    #[test]
    fn the_cursor_skips_what_cannot_be_selected_and_stops_at_edges() {
        let at = |col, row| FigureCursor { col, row };
        // Opened → Resolved → (backlog change skipped) → Resolve, 30 days.
        assert_eq!(step_rows(at(2, 1), 1), at(2, 3));
        assert_eq!(step_rows(at(2, 3), -1), at(2, 1));
        assert_eq!(step_rows(at(0, 5), 1), at(0, 5));
        assert_eq!(step_rows(at(0, 0), -1), at(0, 0));
        assert_eq!(step_rows(at(0, 0), 100), at(0, 5));
        // Into the money column only "At risk / month" is selectable.
        assert_eq!(step_cols(at(2, 4), 1), at(3, 0));
        assert_eq!(step_cols(at(3, 0), 1), at(3, 0));
        assert_eq!(step_cols(at(3, 0), -1), at(2, 0));
        assert_eq!(step_cols(at(0, 3), -1), at(0, 3));
        assert_eq!(column_end(at(2, 0), false), at(2, 5));
        assert_eq!(column_end(at(3, 0), false), at(3, 0));
        for col in 0..GRID.len() {
            for row in 0..6 {
                for moved in [
                    step_rows(at(col, row), 1),
                    step_cols(at(col, row), 1),
                    step_cols(at(col, row), -1),
                ] {
                    assert!(
                        moved == at(col, row) || selectable(moved.kpi()),
                        "{moved:?}"
                    );
                }
            }
        }
    }
}
