//! `ctodash bugs show` and `ctodash bugs set-status`, run as the real binary
//! against a real, seeded database and checked against plain SQL: `show` with
//! every field and the history in table, JSON and CSV form; `set-status`
//! writing the status, one bug_history row and one audit_log row, its refusals
//! (a move the workflow forbids, no or an unknown user, read-only, bad input)
//! that write nothing, and a conflict with a concurrent change, reported and
//! applied to the fresh row when the command is run again.

#[path = "common/cli.rs"]
mod cli;

use cli::{count, seeded};
use ctodash::commands::bugs::{SHOW_CSV_HEADER, apply_status, load_detail};
use ctodash::db::edit::EditContext;
use ctodash::db::testing::TestDb;
use ctodash::domain::{BugNumber, BugStatus};
use ctodash::seed::DEMO_CTO_EMAIL;
use serde_json::Value;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread")]
async fn show_prints_every_field_and_the_history() {
    let (db, cli) = seeded().await;
    let (id, number, title, history): (Uuid, String, String, i64) = sqlx::query_as(
        "SELECT b.id, b.bug_number, b.title, count(h.id) FROM bugs b \
         JOIN bug_history h ON h.bug_id = b.id JOIN users u ON u.id = b.assigned_to \
         GROUP BY b.id HAVING count(h.id) >= 2 ORDER BY b.bug_number LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .expect("a bug with history");
    let (email, status, version): (String, String, i64) = sqlx::query_as(
        "SELECT u.email, b.status::text, b.version FROM bugs b JOIN users u ON u.id = b.assigned_to \
         WHERE b.id = $1",
    )
    .bind(id)
    .fetch_one(&db.pool)
    .await
    .unwrap();

    let out = cli.run(&["bugs", "show", &number]).await.ok().stdout;
    assert!(out.starts_with(&format!("{number}  {title}")), "{out}");
    for label in [
        "Severity",
        "Status",
        "Priority",
        "Blocker",
        "SLA",
        "Assignee",
        "Reported by",
        "Project",
        "Created",
        "Updated",
        "Resolved",
        "Revenue",
        "Hours",
        "Eng. cost",
        "Impact",
        "Version",
        "Description",
        "History",
    ] {
        assert!(out.contains(label), "{label} in\n{out}");
    }
    assert!(out.contains(&format!("<{email}>")), "{out}");
    assert!(out.contains(&format!("Status       {status}\n")), "{out}");
    assert!(
        out.contains(&format!("History · {history} changes, newest first")),
        "{out}"
    );
    let history_lines = out
        .lines()
        .skip_while(|l| !l.contains("When (UTC)"))
        .skip(1)
        .count();
    assert_eq!(history_lines as i64, history, "{out}");

    // A bare number works the same.
    let bare = &number[4..];
    let json = cli
        .run(&["bugs", "show", bare, "--format", "json"])
        .await
        .ok()
        .stdout;
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["number"], number.as_str());
    assert_eq!(v["status"], status.as_str());
    assert_eq!(v["version"], version);
    assert_eq!(v["assignee_email"], email.as_str());
    assert_eq!(v["id"], id.to_string());
    let h = v["history"].as_array().unwrap();
    assert_eq!(h.len() as i64, history);
    let at: Vec<&str> = h.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] >= w[1]), "newest first: {at:?}");
    assert!(
        h.iter()
            .all(|e| e.get("field").is_some() && e.get("old").is_some())
    );

    let csv_out = cli
        .run(&["bugs", "show", &number, "--format", "csv"])
        .await
        .ok()
        .stdout;
    let mut reader = csv::Reader::from_reader(csv_out.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        &csv::StringRecord::from(SHOW_CSV_HEADER.to_vec())
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], number.as_str());
    assert_eq!(&rows[0][1], title.as_str());

    cli.run(&["bugs", "show", "BUG-999999"])
        .await
        .fails_with(1, &["there is no bug BUG-999999"]);
    cli.run(&["bugs", "show", "BUG-x"])
        .await
        .fails_with(1, &["\"BUG-x\" is not a bug number", "BUG-1001"]);
}

async fn audit_and_history(db: &TestDb) -> (i64, i64) {
    (
        count(db, "SELECT count(*) FROM audit_log").await,
        count(db, "SELECT count(*) FROM bug_history").await,
    )
}

async fn pending_bug(db: &TestDb) -> (Uuid, String, i64) {
    sqlx::query_as(
        "SELECT id, bug_number, version FROM bugs WHERE status = 'pending' ORDER BY bug_number LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .expect("a pending bug")
}

#[tokio::test(flavor = "multi_thread")]
async fn set_status_writes_the_status_one_history_and_one_audit_row() {
    let (db, cli) = seeded().await;
    let (id, number, version) = pending_bug(&db).await;
    let cto: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(DEMO_CTO_EMAIL)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let (audit0, history0) = audit_and_history(&db).await;

    let out = cli
        .run(&[
            "bugs",
            "set-status",
            &number,
            "in_progress",
            "--user",
            DEMO_CTO_EMAIL,
        ])
        .await
        .ok()
        .stdout;
    assert_eq!(
        out,
        format!(
            "{number}: pending → in_progress (version {})\n",
            version + 1
        )
    );
    let (status, v): (String, i64) =
        sqlx::query_as("SELECT status::text, version FROM bugs WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), v), ("in_progress", version + 1));
    let (audit1, history1) = audit_and_history(&db).await;
    assert_eq!((audit1 - audit0, history1 - history0), (1, 1));
    let (who, field, old, new): (Option<Uuid>, String, Option<String>, Option<String>) =
        sqlx::query_as(
            "SELECT changed_by, field_changed, old_value, new_value FROM bug_history \
             WHERE bug_id = $1 ORDER BY changed_at DESC, id DESC LIMIT 1",
        )
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        (who, field.as_str(), old.as_deref(), new.as_deref()),
        (Some(cto), "status", Some("pending"), Some("in_progress"))
    );
    let (user, action, entity, from, to, agent): (Uuid, String, Uuid, String, String, String) =
        sqlx::query_as(
            "SELECT user_id, action, entity_id, details->>'from', details->>'to', user_agent \
             FROM audit_log",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!((user, entity), (cto, id));
    assert_eq!(action, "bug.status_changed");
    assert_eq!((from.as_str(), to.as_str()), ("pending", "in_progress"));
    assert!(agent.starts_with("ctodash/"), "{agent}");

    // The user can also come from CTODASH_USER; a bare number works.
    let out = cli
        .run_env(
            &["bugs", "set-status", &number[4..], "verified"],
            &[("CTODASH_USER", DEMO_CTO_EMAIL)],
        )
        .await
        .ok()
        .stdout;
    assert_eq!(
        out,
        format!(
            "{number}: in_progress → verified (version {})\n",
            version + 2
        )
    );
    let (audit2, history2) = audit_and_history(&db).await;
    assert_eq!((audit2 - audit1, history2 - history1), (1, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn set_status_refusals_write_nothing() {
    let (db, cli) = seeded().await;
    let (id, number, version) = pending_bug(&db).await;
    let before = audit_and_history(&db).await;
    let user = ["--user", DEMO_CTO_EMAIL];

    let run = cli
        .run(&["bugs", "set-status", &number, "shipped", user[0], user[1]])
        .await;
    run.fails_with(
        1,
        &[
            &number,
            "cannot move a bug from pending to shipped",
            "allowed from pending are in_progress, deferred, closed",
            "nothing was written",
        ],
    );
    cli.run(&["bugs", "set-status", &number, "pending", user[0], user[1]])
        .await
        .fails_with(1, &["already pending"]);
    cli.run(&["bugs", "set-status", &number, "verified"])
        .await
        .fails_with(
            1,
            &[
                "does not know who you are",
                "--user EMAIL",
                "CTODASH_USER",
                "nothing was written",
            ],
        );
    cli.run(&[
        "bugs",
        "set-status",
        &number,
        "in_progress",
        "--user",
        "ghost@example.com",
    ])
    .await
    .fails_with(
        1,
        &[
            "no user with the email ghost@example.com",
            "nothing was written",
        ],
    );
    cli.run(&[
        "bugs",
        "set-status",
        &number,
        "in_progress",
        user[0],
        user[1],
        "--read-only",
    ])
    .await
    .fails_with(1, &["read-only", "nothing was written"]);
    cli.run(&["bugs", "set-status", &number, "done", user[0], user[1]])
        .await
        .fails_with(1, &["\"done\" is not a valid bug status", "in_progress"]);
    cli.run(&[
        "bugs",
        "set-status",
        "BUG-999999",
        "in_progress",
        user[0],
        user[1],
    ])
    .await
    .fails_with(1, &["there is no bug BUG-999999"]);

    assert_eq!(audit_and_history(&db).await, before);
    let (status, v): (String, i64) =
        sqlx::query_as("SELECT status::text, version FROM bugs WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), v), ("pending", version));
}

/// The window between reading a bug and writing it is too short to hit from
/// outside, so the conflict is made deterministic: read the row, let
/// "someone else" change it, then apply the status to the stale copy.
#[tokio::test(flavor = "multi_thread")]
async fn a_conflict_is_reported_and_rerunning_applies_to_the_fresh_row() {
    let (db, cli) = seeded().await;
    let (id, number, _) = pending_bug(&db).await;
    let mut conn = db.conn().await;
    let me = ctodash::db::users::find_by_email(&mut conn, DEMO_CTO_EMAIL)
        .await
        .unwrap()
        .unwrap();
    let stale = load_detail(&mut conn, number.parse::<BugNumber>().unwrap(), "test")
        .await
        .unwrap()
        .row;
    sqlx::query("UPDATE bugs SET severity = 'low' WHERE id = $1 AND severity <> 'low'")
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE bugs SET status = 'deferred' WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
    let before = audit_and_history(&db).await;

    let err = apply_status(
        &db.pool,
        &EditContext::new(me),
        &stale,
        BugStatus::InProgress,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(&format!(
            "{number} changed while this command was changing it"
        )),
        "{err}"
    );
    assert!(err.contains("status: pending → deferred"), "{err}");
    assert!(err.contains("Nothing was written"), "{err}");
    assert!(
        err.contains("Run the same command again to apply in_progress"),
        "{err}"
    );
    assert_eq!(audit_and_history(&db).await, before);

    // Re-running reads the fresh row (deferred) and applies the change to it.
    let out = cli
        .run(&[
            "bugs",
            "set-status",
            &number,
            "in_progress",
            "--user",
            DEMO_CTO_EMAIL,
        ])
        .await
        .ok()
        .stdout;
    assert!(
        out.starts_with(&format!("{number}: deferred → in_progress (version ")),
        "{out}"
    );
}
