//! Creating bugs (`db::edit::create_bug`: 8 at once get 8 numbers, creator,
//! audit row, SLA and priority from the rules) and commenting
//! (`db::edit::add_comment`: audited, pushed, interleaved with history).

#[path = "common/edit_fixture.rs"]
mod edit_fixture;

use ctodash::app::model::TimelineEntry;
use ctodash::db::detail;
use ctodash::db::edit::{self, CommentOutcome, CreateOutcome, FieldError, NewBug, RefusalReason};
use ctodash::domain::{BugStatus, Severity};
use edit_fixture::{ctx, fixture, shown};
use sqlx::PgPool;
use uuid::Uuid;

#[tokio::test]
async fn parallel_creates_get_distinct_numbers_creator_audit_and_rules() {
    let f = fixture(1, "pending").await;
    let c = ctx(&f.grace);
    let new = |i: usize| NewBug {
        title: format!("Crash #{i}"),
        severity: Severity::Critical,
        project: Some(f.project),
        assignee: Some(f.ada.id),
        is_blocker: i.is_multiple_of(2),
        description: Some("Seen in production".into()),
    };
    let creates: Vec<_> = (0..8)
        .map(|i| {
            let (pool, c, n) = (f.db.pool.clone(), c.clone(), new(i));
            tokio::spawn(async move { edit::create_bug(&pool, &c, &n).await.unwrap() })
        })
        .collect();
    let mut numbers = Vec::new();
    for t in creates {
        match t.await.unwrap() {
            CreateOutcome::Created(row) => {
                assert_eq!(row.status, BugStatus::Pending);
                assert_eq!(row.sla_hours, 4);
                assert_eq!(row.priority, if row.is_blocker { 60 } else { 40 });
                assert_eq!(row.assignee.as_deref(), Some("Ada Lovelace"));
                numbers.push(row.number);
            }
            other => panic!("{other:?}"),
        }
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 8, "{numbers:?}");
    assert!(!numbers.contains(&"BUG-1001".to_owned()));
    let (creators, audits): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM bugs WHERE created_by = $1 AND title LIKE 'Crash%'), \
                (SELECT count(*) FROM audit_log WHERE action = 'bug.created' AND user_id = $1)",
    )
    .bind(f.grace.id)
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    assert_eq!((creators, audits), (8, 8));

    let bad = NewBug {
        title: "x".repeat(201),
        ..new(0)
    };
    assert_eq!(
        edit::create_bug(&f.db.pool, &c, &bad).await.unwrap(),
        CreateOutcome::Refused(FieldError::TitleTooLong(201))
    );
    let ghost = Uuid::new_v4();
    let bad = NewBug {
        project: Some(ghost),
        ..new(0)
    };
    assert_eq!(
        edit::create_bug(&f.db.pool, &c, &bad).await.unwrap(),
        CreateOutcome::Refused(FieldError::UnknownProject(ghost))
    );
}

#[tokio::test]
async fn comments_are_audited_pushed_and_interleaved_with_history() {
    let f = fixture(1, "pending").await;
    let c = ctx(&f.grace);
    let seen = shown(&f, f.bugs[0]).await;
    let mut listener = sqlx::postgres::PgListener::connect_with(&f.db.pool)
        .await
        .unwrap();
    listener.listen("ctodash_changes").await.unwrap();
    let counter = |pool: PgPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT sum(bugs)::bigint FROM change_counters")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let bumps = counter(f.db.pool.clone()).await;

    let first = match edit::add_comment(&f.db.pool, &c, f.bugs[0], "Seen on iOS\ntoo")
        .await
        .unwrap()
    {
        CommentOutcome::Added(c) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(first.author.as_deref(), Some("Grace Hopper"));
    assert_eq!(first.body, "Seen on iOS\ntoo");
    let note = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv())
        .await
        .expect("a notification")
        .unwrap();
    assert!(
        ctodash::db::listen::parse_payload(note.payload()).bugs,
        "{}",
        note.payload()
    );
    assert!(counter(f.db.pool.clone()).await > bumps);

    edit::change_status(&f.db.pool, &c, &seen, BugStatus::InProgress)
        .await
        .unwrap();
    edit::add_comment(&f.db.pool, &c, f.bugs[0], "Fix is in review")
        .await
        .unwrap();
    let mut conn = f.db.conn().await;
    let d = detail::detail(&mut conn, f.bugs[0]).await.unwrap().unwrap();
    let kinds: Vec<&str> = d
        .timeline()
        .iter()
        .map(|e| match e {
            TimelineEntry::Comment(c) => c.body.as_str(),
            TimelineEntry::Change(h) => h.field.as_str(),
        })
        .collect();
    assert_eq!(kinds, ["Fix is in review", "status", "Seen on iOS\ntoo"]);
    assert_eq!(
        d.row.version,
        seen.version + 1,
        "comments do not bump the bug"
    );

    let audits: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'bug.commented'")
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(audits, 2);
    assert_eq!(
        edit::add_comment(&f.db.pool, &c, f.bugs[0], " \n ")
            .await
            .unwrap(),
        CommentOutcome::Refused(RefusalReason::Field(FieldError::EmptyComment))
    );
    assert_eq!(
        edit::add_comment(&f.db.pool, &c, Uuid::new_v4(), "hello")
            .await
            .unwrap(),
        CommentOutcome::Refused(RefusalReason::Gone)
    );
}
