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

/// A config file's remapped key and saved view, used from the keyboard:
/// the footer shows the remapped quit key, a number key switches to a view
/// (the table's title says which filters), the old quit key does nothing
/// and the new one quits.
#[tokio::test(flavor = "multi_thread")]
async fn a_remapped_key_and_a_view_switch() {
    let db = TestDb::new().await;
    let opts = SeedOptions {
        bugs: 2_000,
        projects: Some(12),
        users: Some(15),
        seed: 5,
        reset: false,
    };
    seed::run(&db.pool, &opts).await.unwrap();
    let data_dir = std::env::temp_dir().join(format!("ctodash-e2e-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&data_dir).unwrap();
    let config = data_dir.join("config.toml");
    std::fs::write(
        &config,
        "[keys]\nquit = [\"Q\"]\n\n[[views]]\nname = \"Hot\"\nseverity = [\"critical\"]\n\
         sla_breached = true\n",
    )
    .unwrap();
    let args: Vec<String> = vec![
        "--database-url".into(),
        db.url(),
        "--data-dir".into(),
        data_dir.display().to_string(),
        "--config".into(),
        config.display().to_string(),
    ];
    let mut screen = Screen::spawn(&args, &[], 120, 40);
    let text = screen.wait_for("BUG-", 20);
    assert!(
        text.contains("Q quit"),
        "the footer shows the remapped key:\n{text}"
    );
    assert!(
        text.contains("5 Hot"),
        "the configured view has a tab:\n{text}"
    );

    screen.send("5");
    let text = screen.wait_until("the Hot view", 10, |t| {
        t.contains("open · critical · SLA breached") && !t.contains("loading…")
    });
    // Every row shown is critical and breached (marked "!").
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("┃BUG-")).collect();
    assert!(!rows.is_empty(), "{text}");
    assert!(
        rows.iter().all(|r| r.contains("CRIT") && r.contains('!')),
        "{text}"
    );
    let breached: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM bugs WHERE severity = 'critical' AND sla_due_at < now() \
         AND status IN ('pending', 'in_progress', 'verified', 'deferred')",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let expected = format!("of {breached} ");
    screen.wait_until("the count of the Hot view", 10, |t| t.contains(&expected));

    // The default quit key no longer quits; the remapped one does.
    screen.send("q");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(screen.in_alternate_screen(), "q no longer quits");
    screen.send("Q");
    let ok = tokio::task::spawn_blocking(move || screen.wait_exit(10))
        .await
        .unwrap();
    assert!(ok, "Q quit with exit code 0");
    std::fs::remove_dir_all(&data_dir).ok();
}
