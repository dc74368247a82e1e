//! Data never drives the terminal: titles, descriptions and names holding
//! escape sequences (OSC 52 writes the clipboard, CSI 2J clears the screen),
//! C1 controls and bidi overrides reach every human-readable output as
//! visible text: `bugs show`, `bugs list`, `projects list`, import reports,
//! error messages and the dashboard. JSON and CSV keep the exact bytes.

#[path = "common/cli.rs"]
mod cli;

use chrono::{TimeZone, Utc};
use cli::{Cli, seeded};
use ctodash::app::fixtures::sample_app;
use ctodash::app::state::{Overlay, Pane};
use ctodash::text_safety::is_unsafe;
use ctodash::ui::{Theme, render_with};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::Value;

/// OSC 52 (clipboard write), CSI 2J (clear screen), the one-byte C1 CSI, a
/// right-to-left override and a DEL.
const TITLE: &str = "Pwn\x1b]52;c;SGVsbG8=\x07 title\x1b[2J\u{9b}31m \u{202E}evil\x7f";
const DESCRIPTION: &str = "line one\x1b]0;owned\x07\r\nline two\u{9b}2J\rsneaky\n\ttabbed";
const NAME: &str = "Mallory\x1b[31m Red\x1b[0m";
const PROJECT: &str = "Proj\x1b]8;;http://evil.example\x07link\x1b]8;;\x07";

#[track_caller]
fn assert_terminal_safe(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| c != '\n' && is_unsafe(c))
        .collect();
    assert!(bad.is_empty(), "{what} prints {bad:?}:\n{text}");
}

/// BUG-1001 gets the hostile title, description and impact, an assignee and a
/// project with hostile names, and a history row by that assignee.
async fn plant(db: &ctodash::db::testing::TestDb) {
    let pool = &db.pool;
    let mut tx = pool.begin().await.unwrap();
    let user: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users ORDER BY email LIMIT 1")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
        .bind(NAME)
        .bind(user)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("SELECT set_config('ctodash.actor', $1, true)")
        .bind(user.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE projects SET name = $1 WHERE id = (SELECT project_id FROM bugs WHERE bug_number = 'BUG-1001')",
    )
    .bind(PROJECT)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE bugs SET title = $1, description = $2, business_impact = $1, assigned_to = $3, \
         severity = CASE severity WHEN 'low' THEN 'high'::bug_severity ELSE 'low' END, \
         status = 'pending', resolved_at = NULL \
         WHERE bug_number = 'BUG-1001'",
    )
    .bind(TITLE)
    .bind(DESCRIPTION)
    .bind(user)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn human_outputs_show_controls_as_text_and_data_formats_keep_them() {
    let (db, cli) = seeded().await;
    plant(&db).await;

    let show = cli.run(&["bugs", "show", "BUG-1001"]).await.ok().stdout;
    assert_terminal_safe("bugs show", &show);
    assert!(
        show.contains("Pwn␛]52;c;SGVsbG8=␇ title␛[2J�31m evil␡"),
        "{show}"
    );
    assert!(
        show.contains("  line one␛]0;owned␇\n  line two�2J sneaky\n"),
        "{show}"
    );
    assert!(show.contains("Mallory␛[31m Red␛[0m"), "{show}");
    assert!(show.contains("Proj␛]8;;http://evil.example␇link"), "{show}");

    let list = cli
        .run(&[
            "bugs", "list", "--status", "all", "--limit", "0", "--search", "Pwn",
        ])
        .await
        .ok()
        .stdout;
    assert_terminal_safe("bugs list", &list);
    assert!(list.contains("BUG-1001"), "{list}");
    assert!(list.contains("Pwn␛]52"), "{list}");

    let projects = cli.run(&["projects", "list"]).await.ok().stdout;
    assert_terminal_safe("projects list", &projects);
    assert!(projects.contains("Proj␛]8;;"), "{projects}");

    // A hostile search text, echoed by the summary line.
    let searched = cli
        .run(&["bugs", "list", "--search", "\x1b]52;c;eA==\x07"])
        .await
        .ok()
        .stdout;
    assert_terminal_safe("bugs list's summary", &searched);

    // JSON and CSV carry the exact data.
    let json: Value = serde_json::from_str(
        &cli.run(&["bugs", "show", "BUG-1001", "--format", "json"])
            .await
            .ok()
            .stdout,
    )
    .unwrap();
    assert_eq!(json["title"], TITLE);
    assert_eq!(json["description"], DESCRIPTION);
    assert_eq!(json["project"], PROJECT);
    assert_eq!(json["assignee"], NAME);
    assert_eq!(json["history"][0]["who"], NAME);
    let csv_out = cli
        .run(&[
            "bugs", "list", "--status", "all", "--search", "Pwn", "--format", "csv",
        ])
        .await
        .ok()
        .stdout;
    let mut r = csv::Reader::from_reader(csv_out.as_bytes());
    let header = r.headers().unwrap().clone();
    let row = r.records().next().unwrap().unwrap();
    let field = |name: &str| &row[header.iter().position(|h| h == name).unwrap()];
    assert_eq!(field("title"), TITLE);
    assert_eq!(field("project"), PROJECT);
    assert_eq!(field("assignee"), NAME);
    let json_list: Value = serde_json::from_str(
        &cli.run(&["projects", "list", "--format", "json"])
            .await
            .ok()
            .stdout,
    )
    .unwrap();
    assert!(
        json_list
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == PROJECT)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn import_reports_and_errors_show_controls_as_text() {
    let db = ctodash::db::testing::TestDb::new().await;
    let cli = Cli::new(db.url());
    let dir = std::env::temp_dir().join(format!("ctodash-hostile-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bugs\x1b[2J.csv");
    let hostile = "\x1b]52;c;SGVsbG8=\x07";
    std::fs::write(
        &file,
        format!(
            "bugNumber,title,severity,Extra{hostile}\n\
             BUG-70001,\"ok {hostile}\",{hostile},x\n\
             {hostile},t,high,x\n\
             BUG-70003,t,high,x,\"{hostile}\"\n"
        ),
    )
    .unwrap();
    let run = cli
        .run(&[
            "import",
            "csv",
            "--kind",
            "bugs",
            "--dry-run",
            file.to_str().unwrap(),
        ])
        .await;
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_terminal_safe("the import report", &run.stdout);
    assert_terminal_safe("the import's stderr", &run.stderr);
    assert!(
        run.stdout.contains("line 2, column severity"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("bugs␛[2J.csv"), "{}", run.stdout);

    // Errors quote what was typed.
    for args in [
        &["bugs", "show", hostile][..],
        &["bugs", "list", "--project", hostile],
        &[
            "import",
            "csv",
            "--kind",
            "bugs",
            "/nonexistent/\x1b[2Jfile.csv",
        ],
    ] {
        let run = cli.run(args).await;
        assert_eq!(run.code, 1, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
        assert_terminal_safe("an error", &run.stderr);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_dashboard_draws_controls_as_text() {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let mut app = sample_app(now);
    let row = &mut app.table.rows[0];
    row.title = TITLE.into();
    row.assignee = Some(NAME.into());
    row.project = Some(PROJECT.into());
    let detail = app.detail.bug.as_mut().unwrap();
    detail.row = app.table.rows[0].clone();
    detail.description = Some(DESCRIPTION.into());
    detail.business_impact = Some(TITLE.into());
    detail.creator = Some(NAME.into());
    detail.assignee_email = Some(format!("{NAME}@x"));
    for h in &mut detail.history {
        h.who = Some(NAME.into());
        h.old = Some(TITLE.into());
    }
    app.portfolio.rows[0].name = PROJECT.into();
    let screens = [
        (Pane::Bugs, None),
        (Pane::Detail, None),
        (Pane::Portfolio, None),
        (
            Pane::Bugs,
            Some(Overlay::Search {
                input: format!("find {TITLE}"),
                previous: Default::default(),
            }),
        ),
    ];
    for (focus, overlay) in screens {
        app.focus = focus;
        app.overlay = overlay;
        for (w, h) in [(80, 24), (200, 60)] {
            let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
            terminal
                .draw(|f| render_with(f, &app, &Theme::colour()))
                .unwrap();
            let buf = terminal.backend().buffer();
            let text: String = buf.content().iter().map(|c| c.symbol()).collect();
            assert_terminal_safe(&format!("the {focus:?} screen at {w}×{h}"), &text);
            assert!(text.contains('␛'), "the escape shows as text at {w}×{h}");
        }
    }
}
