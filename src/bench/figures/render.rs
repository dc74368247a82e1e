//! The frame render figure: a full screen of real data drawn into a test backend.

use super::PAGE;
use crate::app::model::KpiData;
use crate::app::msg::{Loaded, Msg, Page, Part};
use crate::bench::stats::time_async;
use crate::bench::{Figure, Measure, Target};
use crate::db::{bugs, detail, kpis, portfolio};
use crate::query::{BugQuery, PageAnchor};
use chrono::Utc;
use sqlx::PgPool;

/// A full 200×60 frame with real data, into ratatui's TestBackend.
pub(super) async fn render(pool: &PgPool, n: usize) -> sqlx::Result<Figure> {
    use crate::app::state::{Identity, ReadOnlyReason};
    use crate::app::update::update;
    let now = Utc::now();
    let mut conn = pool.acquire().await?;
    let mut app = crate::app::App::new(
        now,
        Identity::ReadOnly(ReadOnlyReason::NoUser),
        "bench".into(),
    );
    let cmds = update(&mut app, Msg::RefreshDue);
    let ticket = |cmds: &[crate::app::Command], part| {
        cmds.iter()
            .filter_map(crate::app::Command::ticket)
            .find_map(|(p, t)| (p == part).then_some(t))
            .unwrap_or(0)
    };
    let generation = ticket(&cmds, Part::Page);
    let kpis = KpiData {
        kpis: kpis::load(&mut conn, now).await?,
        trend: kpis::trend(&mut conn).await?,
        clock: Default::default(),
    };
    let q = BugQuery::default();
    let page: Page = bugs::page(&mut conn, &q, &PageAnchor::Top, PAGE, now).await?;
    let first = page.rows.first().map(|r| r.id);
    update(
        &mut app,
        Msg::Loaded(Loaded::Kpis {
            ticket: ticket(&cmds, Part::Kpis),
            kpis,
        }),
    );
    let after_page = update(&mut app, Msg::Loaded(Loaded::Page { generation, page }));
    update(
        &mut app,
        Msg::Loaded(Loaded::Portfolio {
            ticket: ticket(&cmds, Part::Portfolio),
            rows: portfolio::projects(&mut conn, now).await?,
        }),
    );
    let detail = match first {
        Some(id) => detail::detail(&mut conn, id).await?,
        None => None,
    };
    if let Some(d) = detail {
        let ticket = ticket(&after_page, Part::Detail);
        let detail = Box::new(d);
        update(&mut app, Msg::Loaded(Loaded::Detail { ticket, detail }));
    }
    let theme = crate::ui::Theme::colour();
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 60)).expect("test backend");
    let frames = (n * 5).max(50);
    let samples = time_async(10, frames, |_| {
        let r = terminal
            .draw(|f| crate::ui::render_with(f, &app, &theme))
            .map(|_| ());
        async move { r }
    })
    .await;
    Ok(Figure {
        name: "frame render",
        how: "full screen, 200×60, real data, ratatui TestBackend".into(),
        ours: Measure::Latency(samples),
        baseline: None,
        target: Target::P95Ms(1.0),
    })
}
