//! The dialog of a refused change: nothing was written, these bugs are why
//! (who changed what, or which rule said no), and what the user can do next.

use super::popup::{hint, popup_box, wrapped_height};
use super::text::{clean, styled, width};
use super::theme::Theme;
use crate::app::applying::choices;
use crate::app::change::Purpose;
use crate::app::state::RefusedChange;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn render(frame: &mut Frame, area: Rect, r: &RefusedChange, theme: &Theme) {
    let req = &r.request;
    let total = req.edits.len();
    let verb = match req.purpose {
        Purpose::Edit => "",
        Purpose::Undo => "undo of ",
    };
    let mut text = vec![Line::from(vec![
        Span::raw("Nothing was written: "),
        styled(format!("{} of {total}", r.refusals.len()), theme.bad),
        Span::raw(if total == 1 { " bug" } else { " bugs" }),
        Span::raw(format!(" refused the {verb}")),
        styled(clean(&req.label).into_owned(), theme.title),
    ])];
    text.push(Line::default());
    let number_w = r.refusals.iter().map(|x| width(&x.bug)).max().unwrap_or(0);
    for refusal in &r.refusals {
        let pad = " ".repeat(number_w - width(&refusal.bug));
        text.push(Line::from(vec![
            styled(format!("{}{pad}  ", clean(&refusal.bug)), theme.title),
            Span::raw(clean(&refusal.reason.to_string()).into_owned()),
        ]));
    }
    let (others, fresh) = choices(r);
    let mut keys: Vec<(String, String)> = vec![];
    if fresh {
        let what = if r.refusals.len() == 1 { "it" } else { "them" };
        keys.push(("r".into(), format!("re-apply on {what} as they are now")));
    }
    if others {
        let n = total - r.refusals.len();
        keys.push(("o".into(), format!("apply to the other {n}")));
    }
    keys.push(("Esc".into(), "cancel".into()));
    let mut refs: Vec<(&str, &str)> = keys.iter().map(|(k, d)| (k.as_str(), d.as_str())).collect();

    let w = area.width.min(90);
    let h = wrapped_height(&text, w.saturating_sub(4)).saturating_add(2);
    let title = match req.purpose {
        Purpose::Edit => " Change refused ",
        Purpose::Undo => " Undo refused ",
    };
    let t = Line::from(styled(title, theme.bad));
    if h > area.height {
        refs.insert(0, ("j/k", "scroll"));
    }
    let inner = popup_box(frame, area, w, h, t, hint(&refs, theme), theme);
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .scroll((r.scroll, 0)),
        inner,
    );
}
