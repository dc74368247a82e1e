//! The status-change transaction: what it writes, what it refuses, and that a
//! failure anywhere leaves nothing behind. Plus the SQL priority rule against
//! the domain's, and the small reads next to it (detail history, who am I).

use chrono::{DateTime, TimeDelta, Utc};
use ctodash::app::model::{BugRow, Me};
use ctodash::app::msg::SaveOutcome;
use ctodash::db::edit::{self, EditContext};
use ctodash::db::testing::TestDb;
use ctodash::db::{detail, users};
use ctodash::domain::{BugStatus, Severity, priority_score};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Row};
use uuid::Uuid;

struct Fixture {
    db: TestDb,
    grace: Me,
    ada: Me,
    bug: Uuid,
}

async fn user(pool: &PgPool, email: &str, name: &str) -> Me {
    let id: Uuid =
        sqlx::query_scalar("INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id")
            .bind(email)
            .bind(name)
            .fetch_one(pool)
            .await
            .unwrap();
    Me {
        id,
        email: email.into(),
        name: name.into(),
    }
}

/// Two users, a project and one bug in `status`.
async fn fixture(status: &str) -> Fixture {
    let db = TestDb::new().await;
    let grace = user(&db.pool, "grace@example.com", "Grace Hopper").await;
    let ada = user(&db.pool, "ada@example.com", "Ada Lovelace").await;
    let project: Uuid =
        sqlx::query_scalar("INSERT INTO projects (name) VALUES ('Nova Pay') RETURNING id")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let bug: Uuid = sqlx::query_scalar(
        "INSERT INTO bugs (bug_number, title, severity, status, assigned_to, project_id, \
         created_by, revenue_impact_daily) \
         VALUES ('BUG-1001', 'Checkout double-charges', 'high', $1::bug_status, $2, $3, $4, 2500) \
         RETURNING id",
    )
    .bind(status)
    .bind(ada.id)
    .bind(project)
    .bind(grace.id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    Fixture {
        db,
        grace,
        ada,
        bug,
    }
}

fn ctx(me: &Me) -> EditContext {
    EditContext::new(me.clone())
}

async fn shown(f: &Fixture) -> BugRow {
    let mut conn = f.db.conn().await;
    detail::detail(&mut conn, f.bug).await.unwrap().unwrap().row
}

/// (status, version, history rows, audit rows) of the fixture's bug.
async fn state(f: &Fixture) -> (String, i64, i64, i64) {
    sqlx::query_as(
        "SELECT status::text, version, \
         (SELECT count(*) FROM bug_history WHERE bug_id = b.id), \
         (SELECT count(*) FROM audit_log WHERE entity_id = b.id) \
         FROM bugs b WHERE id = $1",
    )
    .bind(f.bug)
    .fetch_one(&f.db.pool)
    .await
    .unwrap()
}

fn failed(outcome: &SaveOutcome) -> &str {
    match outcome {
        SaveOutcome::Failed { bug, error } => {
            assert_eq!(bug, "BUG-1001");
            error
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[tokio::test]
async fn status_change_writes_status_history_and_audit_in_one_go() {
    let f = fixture("in_progress").await;
    let before = shown(&f).await;
    assert_eq!(before.assignee.as_deref(), Some("Ada Lovelace"));
    let ctx = ctx(&f.grace);

    let outcome = edit::change_status(&f.db.pool, &ctx, &before, BugStatus::Verified)
        .await
        .unwrap();
    let SaveOutcome::Saved { before: b, after } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(b, before);
    assert_eq!(after.status, BugStatus::Verified);
    assert_eq!(after.version, before.version + 1);
    assert_eq!(after, shown(&f).await, "the returned row is the stored row");
    assert_eq!(
        state(&f).await,
        ("verified".into(), before.version + 1, 1, 1)
    );

    let h = sqlx::query(
        "SELECT field_changed, old_value, new_value, changed_by FROM bug_history WHERE bug_id = $1",
    )
    .bind(f.bug)
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    assert_eq!(h.get::<String, _>(0), "status");
    assert_eq!(
        h.get::<Option<String>, _>(1).as_deref(),
        Some("in_progress")
    );
    assert_eq!(h.get::<Option<String>, _>(2).as_deref(), Some("verified"));
    assert_eq!(h.get::<Option<Uuid>, _>(3), Some(f.grace.id));

    let a = sqlx::query(
        "SELECT user_id, action, entity_type, entity_id, details, ip_address, user_agent \
         FROM audit_log",
    )
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    assert_eq!(a.get::<Option<Uuid>, _>("user_id"), Some(f.grace.id));
    assert_eq!(a.get::<String, _>("action"), "bug.status_changed");
    assert_eq!(a.get::<String, _>("entity_type"), "bug");
    assert_eq!(a.get::<Option<Uuid>, _>("entity_id"), Some(f.bug));
    let details: serde_json::Value = a.get::<sqlx::types::Json<_>, _>("details").0;
    assert_eq!(
        details,
        serde_json::json!({
            "bug_number": "BUG-1001", "from": "in_progress", "to": "verified",
            "version_before": before.version, "version_after": before.version + 1,
        })
    );
    assert!(
        !a.get::<Option<String>, _>("ip_address")
            .unwrap_or_default()
            .is_empty()
    );
    assert!(
        a.get::<Option<String>, _>("user_agent")
            .unwrap_or_default()
            .starts_with("ctodash/")
    );

    // The detail pane names who did it; resolving sets resolved_at.
    let mut conn = f.db.conn().await;
    let d = detail::detail(&mut conn, f.bug).await.unwrap().unwrap();
    assert_eq!(d.history[0].who.as_deref(), Some("Grace Hopper"));
    assert!(d.resolved_at.is_none());
    let outcome = edit::change_status(&f.db.pool, &ctx, &after, BugStatus::Shipped)
        .await
        .unwrap();
    assert!(matches!(outcome, SaveOutcome::Saved { .. }), "{outcome:?}");
    let d = detail::detail(&mut conn, f.bug).await.unwrap().unwrap();
    assert!(d.resolved_at.is_some());
    assert_eq!(d.history.len(), 2);
    assert_eq!(d.history[0].new.as_deref(), Some("shipped"));
}

#[tokio::test]
async fn a_concurrent_change_is_a_conflict_and_writes_nothing() {
    let f = fixture("in_progress").await;
    let mine = shown(&f).await;

    // Ada verifies the bug from psql after Grace's screen loaded it.
    let mut other = f.db.conn().await;
    sqlx::query("SELECT set_config('ctodash.actor', $1, false)")
        .bind(f.ada.id.to_string())
        .execute(&mut other)
        .await
        .unwrap();
    sqlx::query("UPDATE bugs SET status = 'verified' WHERE id = $1")
        .bind(f.bug)
        .execute(&mut other)
        .await
        .unwrap();
    let before = state(&f).await;
    assert_eq!(before, ("verified".into(), mine.version + 1, 1, 0));

    let outcome = edit::change_status(&f.db.pool, &ctx(&f.grace), &mine, BugStatus::Deferred)
        .await
        .unwrap();
    let SaveOutcome::Conflict {
        wanted,
        mine: m,
        theirs,
        changes,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(wanted, BugStatus::Deferred);
    assert_eq!(m, mine);
    assert_eq!(theirs.status, BugStatus::Verified);
    assert_eq!(theirs.version, mine.version + 1);
    assert!(
        changes[0].starts_with("status: in_progress → verified by Ada Lovelace"),
        "{changes:?}"
    );
    assert!(changes[0].ends_with(" ago"), "{changes:?}");
    assert_eq!(state(&f).await, before, "nothing written");

    // Re-applying on the fresh row goes through.
    let outcome = edit::change_status(&f.db.pool, &ctx(&f.grace), &theirs, BugStatus::Deferred)
        .await
        .unwrap();
    assert!(matches!(outcome, SaveOutcome::Saved { .. }), "{outcome:?}");
    assert_eq!(state(&f).await, ("deferred".into(), mine.version + 2, 2, 1));
}

#[tokio::test]
async fn a_forbidden_transition_fails_and_writes_nothing() {
    let f = fixture("pending").await;
    let mine = shown(&f).await;
    let before = state(&f).await;
    let outcome = edit::change_status(&f.db.pool, &ctx(&f.grace), &mine, BugStatus::Shipped)
        .await
        .unwrap();
    let error = failed(&outcome);
    assert!(
        error.contains("cannot move a bug from pending to shipped"),
        "{error}"
    );
    assert!(error.contains("nothing was written"), "{error}");
    let outcome = edit::change_status(&f.db.pool, &ctx(&f.grace), &mine, BugStatus::Pending)
        .await
        .unwrap();
    assert!(failed(&outcome).contains("already pending"));
    assert_eq!(state(&f).await, before);
}

#[tokio::test]
async fn a_held_row_lock_times_out_instead_of_hanging() {
    let f = fixture("pending").await;
    let mine = shown(&f).await;
    let before = state(&f).await;
    // Another session (a psql user, say) holds the row in an open transaction.
    let mut holder = f.db.pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM bugs WHERE id = $1 FOR UPDATE")
        .bind(f.bug)
        .execute(&mut *holder)
        .await
        .unwrap();
    let grace = ctx(&f.grace);
    let save = edit::change_status(&f.db.pool, &grace, &mine, BugStatus::InProgress);
    // The edit's own 3 s lock timeout must end the wait; 30 s means it hung.
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(30), save)
        .await
        .expect("the save waited on the lock instead of timing out")
        .unwrap();
    let error = failed(&outcome);
    assert!(
        error.contains("being changed by another session"),
        "{error}"
    );
    holder.rollback().await.unwrap();
    assert_eq!(state(&f).await, before, "nothing was written");
    // Once the lock is gone the same edit goes through, with the actor declared.
    let outcome = edit::change_status(&f.db.pool, &grace, &mine, BugStatus::InProgress)
        .await
        .unwrap();
    assert!(matches!(outcome, SaveOutcome::Saved { .. }), "{outcome:?}");
    let actor: Option<Uuid> =
        sqlx::query_scalar("SELECT changed_by FROM bug_history WHERE bug_id = $1")
            .bind(f.bug)
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(actor, Some(f.grace.id));
}

#[tokio::test]
async fn a_failing_history_insert_rolls_the_status_back() {
    let f = fixture("in_progress").await;
    let mine = shown(&f).await;
    let before = state(&f).await;
    // An actor that is not in `users`: the trigger's INSERT into bug_history
    // violates its foreign key after the status was already updated.
    let ghost = Me {
        id: Uuid::new_v4(),
        email: "ghost@example.com".into(),
        name: "Ghost".into(),
    };
    let outcome = edit::change_status(&f.db.pool, &ctx(&ghost), &mine, BugStatus::Verified)
        .await
        .unwrap();
    let error = failed(&outcome);
    assert!(
        error.contains("ghost@example.com") && error.contains("nothing was written"),
        "{error}"
    );
    assert_eq!(
        state(&f).await,
        before,
        "status, history and audit unchanged"
    );
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    assert_eq!(audit, 0);
}

#[tokio::test]
async fn read_only_sessions_cannot_write() {
    let f = fixture("in_progress").await;
    let mine = shown(&f).await;
    let before = state(&f).await;

    let by_options = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(edit::read_only_options(f.db.options.clone()))
        .await
        .unwrap();
    let by_callback = PgPoolOptions::new()
        .max_connections(1)
        .after_connect(edit::read_only_after_connect)
        .connect_with(f.db.options.clone())
        .await
        .unwrap();
    for pool in [&by_options, &by_callback] {
        assert!(edit::is_read_only(pool).await.unwrap());
        let outcome = edit::change_status(pool, &ctx(&f.grace), &mine, BugStatus::Verified)
            .await
            .unwrap();
        assert_eq!(
            failed(&outcome),
            "this session is read-only: nothing was written"
        );
        // Not even plain SQL gets through.
        let err = sqlx::query("UPDATE bugs SET status = 'verified'")
            .execute(pool)
            .await
            .expect_err("a read-only session wrote");
        let code = err.as_database_error().and_then(|e| e.code());
        assert_eq!(code.as_deref(), Some("25006"), "{err}"); // read_only_sql_transaction
    }
    assert_eq!(state(&f).await, before);
    assert!(!edit::is_read_only(&f.db.pool).await.unwrap());
}

#[tokio::test]
async fn a_lost_connection_is_a_failed_save_not_a_panic() {
    let f = fixture("in_progress").await;
    let mine = shown(&f).await;
    let nowhere = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(3))
        .connect_lazy_with(
            f.db.options
                .clone()
                .host("127.0.0.1")
                .port(1)
                .socket("/nonexistent"),
        );
    let outcome = edit::change_status(&nowhere, &ctx(&f.grace), &mine, BugStatus::Verified)
        .await
        .unwrap();
    assert_eq!(
        failed(&outcome),
        "lost the connection to the database: nothing was written"
    );

    // A backend killed between reading and writing.
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(f.db.options.clone())
        .await
        .unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .execute(&f.db.pool)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let outcome = edit::change_status(&pool, &ctx(&f.grace), &mine, BugStatus::Verified)
        .await
        .unwrap();
    if let SaveOutcome::Failed { error, .. } = &outcome {
        assert!(error.contains("nothing was written"), "{error}");
    } else {
        // The pool noticed the dead connection and opened a fresh one.
        assert!(matches!(outcome, SaveOutcome::Saved { .. }), "{outcome:?}");
    }
}

#[tokio::test]
async fn detail_history_shows_names_for_assignees() {
    let f = fixture("pending").await;
    let mut conn = f.db.conn().await;
    sqlx::query("SELECT set_config('ctodash.actor', $1, false)")
        .bind(f.grace.id.to_string())
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("UPDATE bugs SET assigned_to = $2 WHERE id = $1")
        .bind(f.bug)
        .bind(f.grace.id)
        .execute(&mut conn)
        .await
        .unwrap();
    let d = detail::detail(&mut conn, f.bug).await.unwrap().unwrap();
    assert_eq!(d.row.assignee.as_deref(), Some("Grace Hopper"));
    assert_eq!(d.assignee_email.as_deref(), Some("grace@example.com"));
    assert_eq!(d.creator.as_deref(), Some("Grace Hopper"));
    assert_eq!(d.row.project.as_deref(), Some("Nova Pay"));
    assert_eq!(d.revenue_impact_daily, Some(dec!(2500)));
    let h = &d.history[0];
    assert_eq!(
        (
            h.field.as_str(),
            h.old.as_deref(),
            h.new.as_deref(),
            h.who.as_deref()
        ),
        (
            "assigned_to",
            Some("Ada Lovelace"),
            Some("Grace Hopper"),
            Some("Grace Hopper")
        )
    );
    // A user who is gone shows as the raw id; so does garbage from other apps.
    sqlx::query("UPDATE bugs SET assigned_to = NULL WHERE id = $1")
        .bind(f.bug)
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(f.ada.id)
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO bug_history (bug_id, field_changed, old_value, new_value, changed_at) \
         VALUES ($1, 'assigned_to', 'not-a-uuid', NULL, now() + interval '1 minute')",
    )
    .bind(f.bug)
    .execute(&mut conn)
    .await
    .unwrap();
    let d = detail::detail(&mut conn, f.bug).await.unwrap().unwrap();
    assert_eq!(d.history.len(), 3);
    assert_eq!(
        (d.history[0].old.as_deref(), d.history[0].who.as_deref()),
        (Some("not-a-uuid"), None)
    );
    assert_eq!(
        (d.history[1].old.as_deref(), d.history[1].new.as_deref()),
        (Some("Grace Hopper"), None)
    );
    let ada_id = f.ada.id.to_string();
    assert_eq!(d.history[2].old.as_deref(), Some(ada_id.as_str()));
}

#[tokio::test]
async fn find_by_email_ignores_case() {
    let f = fixture("pending").await;
    let mut conn = f.db.conn().await;
    let me = users::find_by_email(&mut conn, " GRACE@Example.COM ")
        .await
        .unwrap();
    assert_eq!(me, Some(f.grace.clone()));
    assert_eq!(
        users::find_by_email(&mut conn, "nobody@example.com")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn sql_priority_rule_agrees_with_the_domain() {
    let db = TestDb::new().await;
    let now: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().unwrap();
    let day = TimeDelta::days(1);
    let revenues: [Option<Decimal>; 10] = [
        None,
        Some(dec!(0)),
        Some(dec!(-5000)),
        Some(dec!(999.99)),
        Some(dec!(1000)),
        Some(dec!(12345.67)),
        Some(dec!(29999.99)),
        Some(dec!(30000)),
        Some(dec!(31000)),
        Some(dec!(1000000000)),
    ];
    let ages = [
        TimeDelta::zero(),
        day - TimeDelta::seconds(1),
        day,
        day * 9 + TimeDelta::hours(23),
        day * 10,
        day * 400,
        -day * 3,
    ];
    let mut checked = 0;
    for severity in Severity::ALL {
        for revenue in revenues {
            for blocker in [false, true] {
                for age in ages {
                    let created = now - age;
                    let sql: i32 = sqlx::query_scalar(
                        "SELECT priority_score_for($1::bug_severity, $2, $3, $4, $5)",
                    )
                    .bind(severity.as_str())
                    .bind(revenue)
                    .bind(blocker)
                    .bind(created)
                    .bind(now)
                    .fetch_one(&db.pool)
                    .await
                    .unwrap();
                    let rust = priority_score(severity, revenue, blocker, created, now);
                    assert_eq!(
                        sql,
                        i32::from(rust),
                        "{severity} {revenue:?} blocker={blocker} age={age}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 4 * 10 * 2 * 7);
}
