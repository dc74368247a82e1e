//! The generic audited change (`db::edit::apply_changes`): every field, many
//! bugs at once (all or nothing), per-bug refusals, undo, and a bulk change
//! racing a single edit. Creating and commenting: tests/db_create_comment.rs.

#[path = "common/edit_fixture.rs"]
mod edit_fixture;

use ctodash::db::detail;
use ctodash::db::edit::{self, BugEdit, ChangeOutcome, FieldChange, FieldError, RefusalReason};
use ctodash::domain::{BugStatus, Field, Severity, TransitionError, priority_score};
use edit_fixture::{all_shown, ctx, fixture, shown, written};
use rust_decimal_macros::dec;
use uuid::Uuid;

fn applied(o: ChangeOutcome) -> edit::Applied {
    match o {
        ChangeOutcome::Applied(a) => a,
        other => panic!("expected Applied, got {other:?}"),
    }
}

fn refused(o: ChangeOutcome) -> Vec<edit::Refusal> {
    match o {
        ChangeOutcome::Refused(r) => r,
        other => panic!("expected Refused, got {other:?}"),
    }
}

#[tokio::test]
async fn every_field_is_written_with_a_history_row_each_and_one_audit_row() {
    let f = fixture(1, "in_progress").await;
    let seen = shown(&f, f.bugs[0]).await;
    let atlas: Uuid = sqlx::query_scalar("SELECT id FROM projects WHERE name = 'Atlas'")
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    let changes = vec![
        FieldChange::Status(BugStatus::Verified),
        FieldChange::Severity(Severity::Critical),
        FieldChange::Assignee(Some(f.grace.id)),
        FieldChange::Blocker(true),
        FieldChange::Title("  Checkout charges twice ".into()),
        FieldChange::Project(Some(atlas)),
        FieldChange::EstimatedHours(Some(dec!(6.5))),
        FieldChange::ActualHours(Some(dec!(2))),
        FieldChange::Description(Some("Pay, then pay again.".into())),
    ];
    let out = edit::apply_changes(
        &f.db.pool,
        &ctx(&f.grace),
        &[BugEdit::new(seen.clone(), changes)],
    )
    .await
    .unwrap();
    let a = applied(out);
    let after = &a.bugs[0].after;
    assert_eq!(a.bugs[0].changed, Field::ALL);
    assert_eq!(after.version, seen.version + 1, "one write, one version");
    assert_eq!(after.status, BugStatus::Verified);
    assert_eq!(after.title, "Checkout charges twice");
    assert_eq!(after.assignee.as_deref(), Some("Grace Hopper"));
    assert_eq!(after.project.as_deref(), Some("Atlas"));
    // Severity moves the SLA and the priority as the rules say.
    assert_eq!(after.sla_hours, 4);
    assert_eq!(
        after.priority,
        i32::from(priority_score(
            Severity::Critical,
            Some(dec!(2500)),
            true,
            after.created_at,
            after.created_at
        ))
    );
    assert_eq!(
        *after,
        shown(&f, f.bugs[0]).await,
        "returned row is stored row"
    );

    let fields: Vec<(String, Option<String>, Option<Uuid>)> = sqlx::query_as(
        "SELECT field_changed, new_value, changed_by FROM bug_history ORDER BY field_changed",
    )
    .fetch_all(&f.db.pool)
    .await
    .unwrap();
    let names: Vec<&str> = fields.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "actual_hours",
            "assigned_to",
            "description",
            "estimated_hours",
            "is_blocker",
            "project_id",
            "severity",
            "status",
            "title"
        ]
    );
    assert!(fields.iter().all(|(_, _, by)| *by == Some(f.grace.id)));

    let (action, details): (String, serde_json::Value) =
        sqlx::query_as("SELECT action, details FROM audit_log")
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(action, "bug.updated");
    assert_eq!(details["bug_number"], "BUG-1001");
    assert_eq!(details["version_before"], seen.version);
    assert_eq!(details["version_after"], seen.version + 1);
    assert_eq!(
        details["changes"]["severity"],
        serde_json::json!({"from": "high", "to": "critical"})
    );
    assert_eq!(
        details["changes"]["assigned_to"]["from"],
        f.ada.id.to_string()
    );
    assert_eq!(details["changes"].as_object().unwrap().len(), 9);

    // The detail pane names the project, not its id.
    let mut conn = f.db.conn().await;
    let d = detail::detail(&mut conn, f.bugs[0]).await.unwrap().unwrap();
    let project = d.history.iter().find(|h| h.field == "project_id").unwrap();
    assert_eq!(project.old.as_deref(), Some("Nova Pay"));
    assert_eq!(project.new.as_deref(), Some("Atlas"));
    assert_eq!(d.estimated_hours, Some(dec!(6.5)));
    assert_eq!(d.description.as_deref(), Some("Pay, then pay again."));
}

#[tokio::test]
async fn a_bulk_change_is_all_or_nothing_and_names_each_refused_bug() {
    let f = fixture(5, "in_progress").await;
    let rows = all_shown(&f).await;
    // Someone ships BUG-1002 and BUG-1004 is already verified: both refused.
    sqlx::query("UPDATE bugs SET status = 'verified' WHERE bug_number = 'BUG-1002'")
        .execute(&f.db.pool)
        .await
        .unwrap();
    let mut rows_with_4_verified = rows.clone();
    sqlx::query("UPDATE bugs SET status = 'verified' WHERE bug_number = 'BUG-1004'")
        .execute(&f.db.pool)
        .await
        .unwrap();
    rows_with_4_verified[3] = shown(&f, f.bugs[3]).await;
    let before = written(&f.db.pool).await;

    let edits = BugEdit::same_for(
        &rows_with_4_verified,
        &[FieldChange::Status(BugStatus::Verified)],
    );
    let r = refused(
        edit::apply_changes(&f.db.pool, &ctx(&f.grace), &edits)
            .await
            .unwrap(),
    );
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(r[0].bug, "BUG-1002");
    assert!(
        matches!(&r[0].reason, RefusalReason::Conflict { changes, .. }
            if changes[0].starts_with("status: in_progress → verified")),
        "{r:?}"
    );
    assert_eq!(r[1].bug, "BUG-1004");
    assert_eq!(
        r[1].reason,
        RefusalReason::Transition(TransitionError::Unchanged(BugStatus::Verified))
    );
    assert!(
        r[1].to_string()
            .starts_with("BUG-1004: the bug is already verified")
    );
    assert_eq!(written(&f.db.pool).await, before, "nothing written");
    assert_eq!(shown(&f, f.bugs[0]).await.status, BugStatus::InProgress);

    // Apply to the others: exactly one audit row per bug, one history row each.
    let others = edit::without_refused(&edits, &r);
    assert_eq!(others.len(), 3);
    let a = applied(
        edit::apply_changes(&f.db.pool, &ctx(&f.grace), &others)
            .await
            .unwrap(),
    );
    assert_eq!(a.bugs.len(), 3);
    let (h, au) = written(&f.db.pool).await;
    assert_eq!((h - before.0, au - before.1), (3, 3));
    let per_bug: Vec<i64> =
        sqlx::query_scalar("SELECT count(*) FROM audit_log GROUP BY entity_id ORDER BY 1")
            .fetch_all(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(per_bug, [1, 1, 1]);
}

#[tokio::test]
async fn field_rules_refuse_before_anything_is_written() {
    let f = fixture(2, "pending").await;
    let rows = all_shown(&f).await;
    let ghost = Uuid::new_v4();
    let edits = vec![
        BugEdit::new(rows[0].clone(), vec![FieldChange::Title("  ".into())]),
        BugEdit::new(rows[1].clone(), vec![FieldChange::Assignee(Some(ghost))]),
    ];
    let r = refused(
        edit::apply_changes(&f.db.pool, &ctx(&f.grace), &edits)
            .await
            .unwrap(),
    );
    assert_eq!(r[0].reason, RefusalReason::Field(FieldError::EmptyTitle));
    assert_eq!(
        r[1].reason,
        RefusalReason::Field(FieldError::UnknownUser(ghost))
    );
    let r = refused(
        edit::apply_changes(
            &f.db.pool,
            &ctx(&f.grace),
            &[
                BugEdit::new(
                    rows[0].clone(),
                    vec![FieldChange::ActualHours(Some(dec!(-1)))],
                ),
                BugEdit::new(rows[1].clone(), vec![FieldChange::Project(Some(ghost))]),
            ],
        )
        .await
        .unwrap(),
    );
    assert!(matches!(
        r[0].reason,
        RefusalReason::Field(FieldError::NegativeHours { .. })
    ));
    assert_eq!(
        r[1].reason,
        RefusalReason::Field(FieldError::UnknownProject(ghost))
    );
    assert_eq!(written(&f.db.pool).await, (0, 0));
    // A value the bug already has writes nothing and bumps nothing.
    let a = applied(
        edit::apply_changes(
            &f.db.pool,
            &ctx(&f.grace),
            &[BugEdit::new(
                rows[0].clone(),
                vec![FieldChange::Severity(Severity::High)],
            )],
        )
        .await
        .unwrap(),
    );
    assert!(a.bugs[0].changed.is_empty() && a.undo.is_empty());
    assert_eq!(a.bugs[0].after.version, rows[0].version);
    assert_eq!(written(&f.db.pool).await, (0, 0));
}

#[tokio::test]
async fn undo_restores_old_values_as_a_new_audited_change_unless_changed_since() {
    let f = fixture(3, "verified").await;
    let rows = all_shown(&f).await;
    let edits = BugEdit::same_for(
        &rows,
        &[
            FieldChange::Status(BugStatus::Shipped),
            FieldChange::Assignee(None),
        ],
    );
    let a = applied(
        edit::apply_changes(&f.db.pool, &ctx(&f.grace), &edits)
            .await
            .unwrap(),
    );
    assert_eq!(a.undo.bugs(), ["BUG-1001", "BUG-1002", "BUG-1003"]);
    assert_eq!(a.undo.edits[0].seen.version, rows[0].version + 1);
    assert_eq!(
        a.undo.edits[0].changes,
        [
            FieldChange::Status(BugStatus::Verified),
            FieldChange::Assignee(Some(f.ada.id))
        ]
    );

    // Shipped → verified is no forward move, but an undo restores it.
    let back = applied(
        edit::revert(&f.db.pool, &ctx(&f.grace), &a.undo)
            .await
            .unwrap(),
    );
    for (b, r) in back.bugs.iter().zip(&rows) {
        assert_eq!(b.after.status, BugStatus::Verified);
        assert_eq!(b.after.assignee.as_deref(), Some("Ada Lovelace"));
        assert_eq!(b.after.version, r.version + 2);
    }
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY created_at, action")
            .fetch_all(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(actions.len(), 6);
    assert_eq!(actions.iter().filter(|a| *a == "bug.reverted").count(), 3);
    let resolved: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT resolved_at FROM bugs WHERE id = $1")
            .bind(f.bugs[0])
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(resolved, None, "reopened by the undo");

    // Undoing the undo (a redo) after Ada touched BUG-1003: refused, nothing written.
    sqlx::query("UPDATE bugs SET is_blocker = true WHERE bug_number = 'BUG-1003'")
        .execute(&f.db.pool)
        .await
        .unwrap();
    let before = written(&f.db.pool).await;
    let r = refused(
        edit::revert(&f.db.pool, &ctx(&f.grace), &back.undo)
            .await
            .unwrap(),
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].bug, "BUG-1003");
    assert!(r[0].to_string().contains("blocker: no → yes"), "{}", r[0]);
    assert_eq!(written(&f.db.pool).await, before);
}

#[tokio::test]
async fn a_bulk_change_and_a_single_edit_of_one_of_its_bugs_never_mix() {
    for round in 0..4 {
        let f = fixture(50, "pending").await;
        let rows = all_shown(&f).await;
        let bulk_edits = BugEdit::same_for(&rows, &[FieldChange::Severity(Severity::Low)]);
        let single = BugEdit::new(rows[25].clone(), vec![FieldChange::Blocker(true)]);
        let (c1, c2) = (ctx(&f.grace), ctx(&f.ada));
        let (bulk, one) = tokio::join!(
            edit::apply_changes(&f.db.pool, &c1, &bulk_edits),
            edit::apply_changes(&f.db.pool, &c2, std::slice::from_ref(&single)),
        );
        let low: i64 = sqlx::query_scalar("SELECT count(*) FROM bugs WHERE severity = 'low'")
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
        match (bulk.unwrap(), one.unwrap()) {
            (ChangeOutcome::Applied(_), ChangeOutcome::Refused(r)) => {
                assert_eq!(low, 50, "round {round}");
                assert!(matches!(r[0].reason, RefusalReason::Conflict { .. }));
            }
            (ChangeOutcome::Refused(r), ChangeOutcome::Applied(_)) => {
                assert_eq!(low, 0, "round {round}: nothing of the bulk change");
                assert_eq!(r.len(), 1);
                assert_eq!(r[0].bug, "BUG-1026");
            }
            other => panic!("round {round}: {other:?}"),
        }
    }
}
