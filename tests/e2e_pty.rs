//! End to end: the real binary in a pseudo-terminal against a real database.
//! Open, move, search, change a status with the documented keys, see it on
//! screen and in the database, quit, and find the terminal restored.

mod common;

use common::pty::Screen;
use ctodash::db::testing::TestDb;
use ctodash::seed::{self, DEMO_CTO_EMAIL, SeedOptions};
use uuid::Uuid;

const DOWN: &str = "\x1b[B";

#[tokio::test(flavor = "multi_thread")]
async fn triage_a_bug_from_the_keyboard() {
    let db = TestDb::new().await;
    let opts = SeedOptions {
        bugs: 3_000,
        projects: Some(12),
        users: Some(15),
        seed: 11,
        reset: false,
    };
    seed::run(&db.pool, &opts).await.unwrap();
    let data_dir = std::env::temp_dir().join(format!("ctodash-e2e-{}", Uuid::new_v4().simple()));
    let url = db.url();
    let args: Vec<String> = [
        "--database-url",
        &url,
        "--user",
        DEMO_CTO_EMAIL,
        "--data-dir",
    ]
    .into_iter()
    .map(String::from)
    .chain([data_dir.display().to_string()])
    .collect();
    let mut screen = Screen::spawn(&args, &[], 140, 40);
    let text = screen.wait_for("BUG-", 20);
    assert!(
        text.contains("Ada")
            || text.contains(DEMO_CTO_EMAIL)
            || text.contains("Lovelace")
            || text.contains("cto@"),
        "header names the user:\n{text}"
    );

    // Move down twice (vim key and arrow), then search live.
    screen.send("j");
    screen.send(DOWN);
    screen.send("/");
    screen.type_slowly("checkout");
    screen.send("\r");
    let text = screen.wait_until("search results", 10, |t| {
        t.contains("\"checkout\"") && t.contains("Checkout")
    });
    assert!(!text.contains("no bugs match"), "{text}");

    // Change the selected bug's status: s opens the picker, Enter picks, y confirms.
    screen.send("s");
    screen.wait_for("Enter", 5);
    screen.send("\r");
    screen.wait_for(" y", 5);
    screen.send("y");
    let text = screen.wait_for("saved", 10);

    let (bug_id, from, to): (Uuid, String, String) = sqlx::query_as(
        "SELECT entity_id, details->>'from', details->>'to' FROM audit_log WHERE action = 'bug.status_changed'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("exactly one audit row");
    let (number, status): (String, String) =
        sqlx::query_as("SELECT bug_number, status::text FROM bugs WHERE id = $1")
            .bind(bug_id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(status, to);
    assert!(
        text.contains(&number),
        "footer names the bug {number}:\n{text}"
    );
    let history: (String, String, String) = sqlx::query_as(
        "SELECT h.old_value, h.new_value, u.email FROM bug_history h JOIN users u ON u.id = h.changed_by \
         WHERE h.bug_id = $1 ORDER BY h.changed_at DESC LIMIT 1",
    )
    .bind(bug_id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(history, (from, to, DEMO_CTO_EMAIL.to_string()));

    // A change made elsewhere (plain SQL, as psql would) shows up without a key.
    sqlx::query("UPDATE bugs SET title = 'Pushed from psql: checkout totals' WHERE id = $1")
        .bind(bug_id)
        .execute(&db.pool)
        .await
        .unwrap();
    screen.wait_for("Pushed from psql", 5);

    screen.send("q");
    let ok = tokio::task::spawn_blocking(move || {
        let ok = screen.wait_exit(10);
        assert!(!screen.in_alternate_screen(), "left the alternate screen");
        assert!(
            screen.raw_output().contains("\x1b[?1049l"),
            "sent LeaveAlternateScreen"
        );
        ok
    })
    .await
    .unwrap();
    assert!(ok, "exit code 0");
    std::fs::remove_dir_all(&data_dir).ok();
}

/// A panic in a background task (injected: debug builds honour
/// CTODASH_TEST_PANIC) ends the app cleanly: terminal restored, exit code 1,
/// one paragraph saying what happened — not a restored terminal under a
/// still-running app.
#[tokio::test(flavor = "multi_thread")]
async fn a_panicking_background_task_ends_the_app_cleanly() {
    let db = TestDb::new().await;
    let data_dir = std::env::temp_dir().join(format!("ctodash-e2e-{}", Uuid::new_v4().simple()));
    let args = vec![
        "--database-url".to_string(),
        db.url(),
        "--data-dir".to_string(),
        data_dir.display().to_string(),
    ];
    let mut screen = Screen::spawn(&args, &[("CTODASH_TEST_PANIC", "KPI")], 140, 40);
    tokio::task::spawn_blocking(move || {
        let ok = screen.wait_exit(20);
        assert!(!ok, "exit code 1");
        assert!(!screen.in_alternate_screen(), "left the alternate screen");
        let text = screen.wait_for("KPI task failed", 5);
        assert!(text.contains("error: ctodash stopped"), "{text}");
        assert!(text.contains("injected panic"), "{text}");
        assert!(
            !text.contains("panicked at"),
            "no backtrace or panic dump:\n{text}"
        );
        assert!(!text.contains("stack backtrace"), "{text}");
    })
    .await
    .unwrap();
    std::fs::remove_dir_all(&data_dir).ok();
}
