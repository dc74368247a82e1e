//! Triage end to end: the real binary in a pseudo-terminal against a real
//! database, driven key by key as a person would — create two bugs, edit a
//! field, change both at once (one refused, then "apply to the others"),
//! undo, comment through `$EDITOR` — checking the database after each step.

mod common;

use common::pty::Screen;
use ctodash::db::testing::TestDb;
use ctodash::seed::{self, DEMO_CTO_EMAIL, SeedOptions};
use sqlx::PgPool;
use uuid::Uuid;

const ENTER: &str = "\r";
const TAB: &str = "\t";
const CTRL_S: &str = "\x13";

async fn bug(pool: &PgPool, title: &str) -> (String, String, String, bool) {
    sqlx::query_as(
        "SELECT bug_number, status::text, severity::text, is_blocker FROM bugs WHERE title = $1",
    )
    .bind(title)
    .fetch_one(pool)
    .await
    .unwrap_or_else(|e| panic!("no bug titled {title}: {e}"))
}

async fn actions(pool: &PgPool, number: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE details->>'bug_number' = $1 ORDER BY created_at, id",
    )
    .bind(number)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Runs a blocking screen step off the async runtime.
async fn step<T: Send + 'static>(
    screen: &mut Option<Screen>,
    f: impl FnOnce(&mut Screen) -> T + Send + 'static,
) -> T {
    let mut s = screen.take().unwrap();
    let (s, out) = tokio::task::spawn_blocking(move || {
        let out = f(&mut s);
        (s, out)
    })
    .await
    .unwrap();
    *screen = Some(s);
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn triage_by_keyboard_create_edit_bulk_undo_and_comment() {
    let db = TestDb::new().await;
    let opts = SeedOptions {
        bugs: 500,
        projects: Some(6),
        users: Some(8),
        seed: 5,
        reset: false,
    };
    seed::run(&db.pool, &opts).await.unwrap();
    let data_dir = std::env::temp_dir().join(format!("ctodash-e2e-{}", Uuid::new_v4().simple()));
    let args: Vec<String> = vec![
        "--database-url".into(),
        db.url(),
        "--user".into(),
        DEMO_CTO_EMAIL.into(),
        "--data-dir".into(),
        data_dir.display().to_string(),
    ];
    // An "editor" that writes the comment into the file it is given.
    let editor = "sh -c 'printf \"Seen from the editor\" > \"$0\"'";
    let mut screen = Some(Screen::spawn(&args, &[("EDITOR", editor)], 140, 40));

    // Create two bugs with `n`: title, Tab, severity typed to filter, Ctrl-s.
    for (title, severity) in [("Zebrafish alpha", "hi"), ("Zebrafish beta", "cri")] {
        let (title, severity) = (title.to_string(), severity.to_string());
        step(&mut screen, move |s| {
            s.wait_for("BUG-", 20);
            s.send("n");
            s.wait_for("New bug", 5);
            s.type_slowly(&title);
            s.send(TAB);
            s.type_slowly(&severity);
            s.send(CTRL_S);
            s.wait_for(&format!("created: {title}"), 10);
        })
        .await;
    }
    let (alpha, status, severity, _) = bug(&db.pool, "Zebrafish alpha").await;
    assert_eq!((status.as_str(), severity.as_str()), ("pending", "high"));
    assert_eq!(actions(&db.pool, &alpha).await, ["bug.created"]);
    let (beta, _, severity, _) = bug(&db.pool, "Zebrafish beta").await;
    assert_eq!(severity, "critical");

    // The new bug is selected: `e`, `v`, "low", Enter changes its severity.
    step(&mut screen, |s| {
        s.send("e");
        s.wait_for("Edit which field?", 5);
        s.send("v");
        s.type_slowly("low");
        s.send(ENTER);
        s.wait_for("severity → low (saved", 10);
    })
    .await;
    assert_eq!(bug(&db.pool, "Zebrafish beta").await.2, "low");

    // Beta to in_progress with the status dialog (its first choice), then
    // both zebrafish marked with `*` over a search and moved to verified:
    // alpha (pending) may not, so nothing is written until `o`.
    step(&mut screen, |s| {
        s.send("s");
        s.wait_for("Change status", 5);
        s.send(ENTER);
        s.wait_for(" y", 5);
        s.send("y");
        s.wait_for("in_progress (saved", 10);
        s.send("/");
        s.type_slowly("zebrafish");
        s.send(ENTER);
        s.wait_until("the two zebrafish", 10, |t| {
            t.contains("Zebrafish alpha") && t.contains("Zebrafish beta") && t.contains("1 of 2 ┓")
        });
        s.send("*");
        s.wait_for("Mark 2 bugs", 5);
        s.send("y");
        s.wait_for("2 marked", 10);
        s.send("s");
        s.wait_for("Set status", 5);
        s.type_slowly("verif");
        s.send(ENTER);
        let text = s.wait_for("Change refused", 10);
        assert!(text.contains("1 of 2"), "{text}");
        assert!(
            text.contains("cannot move a bug from pending to verified"),
            "{text}"
        );
    })
    .await;
    assert_eq!(
        bug(&db.pool, "Zebrafish beta").await.1,
        "in_progress",
        "all or nothing"
    );
    step(&mut screen, |s| {
        s.send("o");
        s.wait_for("verified (saved", 10);
    })
    .await;
    assert_eq!(bug(&db.pool, "Zebrafish beta").await.1, "verified");
    assert_eq!(bug(&db.pool, "Zebrafish alpha").await.1, "pending");

    // `u`, `y`: the bulk change is reverted as a new audited change.
    step(&mut screen, |s| {
        s.send("u");
        s.wait_for("Undo status → verified", 5);
        s.send("y");
        s.wait_for("undone: status → verified", 10);
    })
    .await;
    assert_eq!(bug(&db.pool, "Zebrafish beta").await.1, "in_progress");
    assert_eq!(
        actions(&db.pool, &beta).await,
        [
            "bug.created",
            "bug.updated",
            "bug.status_changed",
            "bug.status_changed",
            "bug.reverted"
        ]
    );

    // `c` runs $EDITOR; what it wrote becomes the comment, shown in the detail.
    step(&mut screen, |s| {
        s.send("*");
        s.send("c");
        s.wait_for("comment added", 10);
        // Enter focuses the detail, G scrolls to its timeline.
        s.send(ENTER);
        s.send("G");
        s.wait_for("Seen from the editor", 10);
    })
    .await;
    let body: String = sqlx::query_scalar(
        "SELECT body FROM bug_comments c JOIN users u ON u.id = c.author \
                            WHERE u.email = $1",
    )
    .bind(DEMO_CTO_EMAIL)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(body, "Seen from the editor");

    step(&mut screen, |s| {
        s.send("q");
        assert!(s.wait_exit(10), "exit code 0");
        assert!(!s.in_alternate_screen(), "left the alternate screen");
    })
    .await;
    std::fs::remove_dir_all(&data_dir).ok();
}
