//! Rows of cells written straight into the buffer, for the bug table and the
//! portfolio. ratatui's `Table` restyles every cell several times over (table,
//! row, cell, text, line) and lays out its columns with the constraint solver;
//! at 200×60 that was over half of a frame. Our panes size their own columns,
//! so all a row needs is each cell's spans written once, clipped to its
//! column, and the selected row tinted.

use super::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use std::ops::Range;

/// Which rows of a list are on screen under a one-line header.
pub struct Window {
    /// Indexes into the list; only these rows are built.
    pub rows: Range<usize>,
    /// The selected row, counted from the first on screen.
    pub selected: usize,
    /// How many rows fit.
    pub visible: usize,
}

/// Centred scrolling: the selection keeps rows of context on both sides, and
/// the same selection always draws the same way (render keeps no state).
/// `len` must be at least 1.
pub fn window(len: usize, selected: usize, height: u16) -> Window {
    let visible = usize::from(height.saturating_sub(1)).max(1);
    let selected = selected.min(len - 1);
    let offset = selected
        .saturating_sub(visible / 2)
        .min(len.saturating_sub(visible));
    Window {
        rows: offset..(offset + visible).min(len),
        selected: selected - offset,
        visible,
    }
}

/// Column widths (left to right, `spacing` columns apart) and how the header
/// and the selected row look.
pub struct Grid<'a> {
    pub widths: &'a [u16],
    pub spacing: u16,
    pub header_style: Style,
    pub highlight: Style,
}

impl<'a> Grid<'a> {
    /// The header and highlight of the theme; the highlight is dimmer when the
    /// pane does not have focus.
    pub fn new(widths: &'a [u16], spacing: u16, theme: &Theme, focused: bool) -> Self {
        Grid {
            widths,
            spacing,
            header_style: theme.table_header,
            highlight: if focused {
                theme.selected_row
            } else {
                theme.selected_row_unfocused
            },
        }
    }

    /// Draws `header` on the first line of `area` and `rows` below it, one line
    /// each, until the area is full; row `selected` (counted from the first of
    /// `rows`) gets the highlight over the whole width.
    pub fn render<'l>(
        &self,
        area: Rect,
        buf: &mut Buffer,
        header: &[Line<'l>],
        rows: impl IntoIterator<Item = Vec<Line<'l>>>,
        selected: Option<usize>,
    ) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let line = |y| Rect {
            y,
            height: 1,
            ..area
        };
        buf.set_style(line(area.y), self.header_style);
        self.row(buf, line(area.y), header);
        for (i, cells) in rows.into_iter().enumerate() {
            let Some(y) = u16::try_from(i + 1)
                .ok()
                .map(|d| area.y.saturating_add(d))
                .filter(|y| *y < area.bottom())
            else {
                break;
            };
            self.row(buf, line(y), &cells);
            if selected == Some(i) {
                buf.set_style(line(y), self.highlight);
            }
        }
    }

    fn row(&self, buf: &mut Buffer, line: Rect, cells: &[Line<'_>]) {
        let mut x = line.x;
        for (cell, &w) in cells.iter().zip(self.widths) {
            if x >= line.right() {
                break;
            }
            let w = w.min(line.right() - x);
            put(
                buf,
                Rect {
                    x,
                    width: w,
                    ..line
                },
                cell,
            );
            x = x.saturating_add(w).saturating_add(self.spacing);
        }
    }
}

/// One cell: left-aligned lines go straight in; a right-aligned one is shifted
/// by its width, and one too wide for its column is left to ratatui, which
/// keeps its right end as a right-aligned line should.
fn put(buf: &mut Buffer, cell: Rect, line: &Line<'_>) {
    // A line's own style covers its whole cell, as ratatui draws it.
    if line.style != Style::default() {
        buf.set_style(cell, line.style);
    }
    if line.alignment == Some(Alignment::Right) {
        let w = u16::try_from(line.width()).unwrap_or(u16::MAX);
        if w > cell.width {
            ratatui::widgets::Widget::render(line, cell, buf);
            return;
        }
        buf.set_line(cell.x + (cell.width - w), cell.y, line, w);
    } else {
        buf.set_line(cell.x, cell.y, line, cell.width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Stylize};
    use ratatui::widgets::{Cell, Row, StatefulWidget, Table, TableState};

    /// What ratatui's Table draws for the same cells, to compare against.
    fn table(
        area: Rect,
        g: &Grid<'_>,
        header: &[Line<'static>],
        rows: &[Vec<Line<'static>>],
        sel: usize,
    ) -> Buffer {
        let mut buf = Buffer::empty(area);
        let widths = g
            .widths
            .iter()
            .map(|w| ratatui::layout::Constraint::Length(*w));
        let rows = rows
            .iter()
            .map(|r| Row::new(r.iter().cloned().map(Cell::from)));
        let t = Table::new(rows, widths)
            .header(Row::new(header.iter().cloned().map(Cell::from)).style(g.header_style))
            .column_spacing(g.spacing)
            .row_highlight_style(g.highlight);
        StatefulWidget::render(
            t,
            area,
            &mut buf,
            &mut TableState::default().with_selected(Some(sel)),
        );
        buf
    }

    #[test]
    fn draws_what_ratatuis_table_draws() {
        let g = Grid {
            widths: &[8, 12, 5],
            spacing: 1,
            header_style: Style::new().bold(),
            highlight: Style::new().bg(Color::Blue),
        };
        let header = [
            Line::from("Bug"),
            Line::from("Title"),
            Line::from("Pri").right_aligned(),
        ];
        let rows: Vec<Vec<Line<'static>>> = (0..6)
            .map(|i| {
                vec![
                    Line::from(format!("BUG-{i}")).red(),
                    Line::from(vec![
                        "■ ".yellow(),
                        "🔥 wide emoji title that is long".into(),
                    ]),
                    Line::from(format!("{}", i * 37)).right_aligned(),
                ]
            })
            .collect();
        // Shorter than the rows, exactly as wide as the columns, and wider.
        for area in [
            Rect::new(0, 0, 28, 5),
            Rect::new(2, 1, 27, 3),
            Rect::new(0, 0, 40, 9),
        ] {
            let want = table(area, &g, &header, &rows, 1);
            let mut got = Buffer::empty(area);
            g.render(area, &mut got, &header, rows.clone(), Some(1));
            assert_eq!(got, want, "area {area:?}");
        }
    }

    #[test]
    fn the_window_centres_the_selection_and_stops_at_the_ends() {
        // 10 rows fit under the header.
        let w = window(400, 200, 11);
        assert_eq!((w.rows, w.selected, w.visible), (195..205, 5, 10));
        let w = window(400, 2, 11);
        assert_eq!((w.rows, w.selected), (0..10, 2));
        let w = window(400, 399, 11);
        assert_eq!((w.rows, w.selected), (390..400, 9));
        // Fewer rows than fit, a selection past the end, no height at all.
        let w = window(3, 7, 11);
        assert_eq!((w.rows, w.selected), (0..3, 2));
        let w = window(5, 4, 0);
        assert_eq!((w.rows, w.selected, w.visible), (4..5, 0, 1));
    }

    #[test]
    fn a_too_wide_right_aligned_cell_keeps_its_end() {
        let g = Grid {
            widths: &[4],
            spacing: 1,
            header_style: Style::new(),
            highlight: Style::new(),
        };
        let area = Rect::new(0, 0, 4, 2);
        let mut buf = Buffer::empty(area);
        g.render(
            area,
            &mut buf,
            &[Line::from("N")],
            [vec![Line::from("123456").right_aligned()]],
            None,
        );
        assert_eq!(buf, Buffer::with_lines(["N   ", "3456"]));
    }

    #[test]
    fn areas_outside_the_buffer_draw_nothing_and_never_panic() {
        let g = Grid {
            widths: &[3, 3],
            spacing: 1,
            header_style: Style::new(),
            highlight: Style::new(),
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 5, 2));
        let rows = vec![vec![Line::from("abcdef"), Line::from("ghi")]; 5];
        g.render(
            Rect::new(3, 1, 10, 10),
            &mut buf,
            &[Line::from("h")],
            rows.clone(),
            Some(3),
        );
        g.render(
            Rect::new(9, 9, 4, 4),
            &mut buf,
            &[Line::from("h")],
            rows,
            Some(0),
        );
        assert_eq!(buf, Buffer::with_lines(["     ", "   h "]));
    }
}
