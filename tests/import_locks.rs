//! A big import never freezes the dashboards: while an import's transaction is
//! open (after its inserts and updates, before the commit), it holds no lock on
//! a shared table that a reader would wait for, and a plain `SELECT` from
//! another session, with a 200 ms lock timeout, gets its answer. Checked from
//! `pg_locks` at that point, so the test does not depend on timing.

use ctodash::db::import::{BugColumns, BugLoad, BugRow, ImportAudit, load_bugs};
use ctodash::db::testing::TestDb;
use ctodash::domain::{BugStatus, Severity};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

/// More new bugs than the table holds and than any "rebuild the indexes"
/// threshold, the case where an importer is tempted to drop indexes.
const ROWS: usize = 12_000;

fn rows(title_suffix: &str) -> Vec<BugRow> {
    let severities = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];
    (0..ROWS)
        .map(|i| BugRow {
            line: i as u64 + 2,
            bug_number: format!("BUG-{}", 10_000 + i),
            title: format!("Imported bug {i}{title_suffix}"),
            description: Some(format!("Row {i} of the lock test")),
            severity: severities[i % 4],
            status: Some(BugStatus::Pending),
            assigned_to: None,
            project_id: None,
            sla_hours: None,
            business_impact: None,
            revenue_impact_daily: None,
            is_blocker: Some(i % 9 == 0),
            estimated_hours: None,
            actual_hours: None,
            resolved_at: None,
            created_at: None,
            version: None,
        })
        .collect()
}

/// Locks the importing session holds on shared (not temporary) relations in a
/// mode other than the three that never block a reader.
async fn blocking_locks(observer: &mut PgConnection, pid: i32) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT c.relname::text, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
         WHERE l.pid = $1 AND c.relpersistence <> 't' \
           AND l.mode NOT IN ('AccessShareLock', 'RowShareLock', 'RowExclusiveLock') \
         ORDER BY 1, 2",
    )
    .bind(pid)
    .fetch_all(observer)
    .await
    .unwrap()
}

/// What a dashboard does on refresh, refusing to wait more than 200 ms for a lock.
async fn reader_gets_an_answer(reader: &mut PgConnection) {
    sqlx::query("SET lock_timeout = '200ms'")
        .execute(&mut *reader)
        .await
        .unwrap();
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM bugs WHERE status IN ('pending', 'in_progress', 'verified', 'deferred')",
    )
    .fetch_one(&mut *reader)
    .await
    .expect("a reader is not blocked by the import");
    assert_eq!(open, 0, "the import is not committed yet");
    let page: Vec<String> = sqlx::query_scalar(
        "SELECT bug_number FROM bugs WHERE status IN ('pending', 'in_progress', 'verified', 'deferred') \
         ORDER BY priority_score, id LIMIT 50",
    )
    .fetch_all(&mut *reader)
    .await
    .expect("a page read is not blocked by the import");
    assert!(page.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn import_never_blocks_readers() {
    let db = TestDb::new().await;
    let audit = ImportAudit {
        import_id: Uuid::new_v4(),
        file: "locks.csv".into(),
        sha256: None,
        client_addr: "host:test".into(),
        user_agent: "ctodash/test".into(),
    };
    let cols = BugColumns {
        description: true,
        status: true,
        is_blocker: true,
        ..BugColumns::default()
    };
    let load = BugLoad {
        cols,
        actor: None,
        overwrite: false,
        audit: &audit,
    };
    let mut observer = db.conn().await;
    let mut reader = db.conn().await;

    // A first import, all new bugs.
    let mut importer = db.conn().await;
    let mut tx = importer.begin().await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let counts = load_bugs(&mut tx, &rows(""), &load).await.unwrap();
    assert_eq!(counts.inserted, ROWS as u64);
    assert_eq!(blocking_locks(&mut observer, pid).await, []);
    reader_gets_an_answer(&mut reader).await;
    tx.commit().await.unwrap();

    // A re-import changing every bug: locks each row and updates it.
    let mut tx = importer.begin().await.unwrap();
    let counts = load_bugs(&mut tx, &rows(" (edited)"), &load).await.unwrap();
    assert_eq!(counts.updated, ROWS as u64);
    assert_eq!(blocking_locks(&mut observer, pid).await, []);
    sqlx::query("SET lock_timeout = '200ms'")
        .execute(&mut reader)
        .await
        .unwrap();
    let titles: i64 = sqlx::query_scalar("SELECT count(*) FROM bugs WHERE title LIKE '%(edited)'")
        .fetch_one(&mut reader)
        .await
        .expect("a reader is not blocked by the re-import");
    assert_eq!(titles, 0, "readers see the old rows until the commit");
    tx.commit().await.unwrap();
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'bug.imported'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(audited, ROWS as i64);
}

/// New bugs get time-ordered (version 7) ids, so a big import appends to the
/// right-hand end of the primary key and of every (column, id) index instead
/// of dirtying a random page of each per row (the import's main I/O cost at a
/// million bugs). A bug written later sorts after every bug written before it.
#[tokio::test]
async fn imported_bugs_get_time_ordered_ids() {
    let db = TestDb::new().await;
    let audit = ImportAudit {
        import_id: Uuid::new_v4(),
        file: "ids.csv".into(),
        sha256: None,
        client_addr: "host:test".into(),
        user_agent: "ctodash/test".into(),
    };
    let load = BugLoad {
        cols: BugColumns::default(),
        actor: None,
        overwrite: false,
        audit: &audit,
    };
    let batch: Vec<BugRow> = rows("").into_iter().take(500).collect();
    let mut conn = db.conn().await;
    let mut tx = conn.begin().await.unwrap();
    assert_eq!(
        load_bugs(&mut tx, &batch, &load).await.unwrap().inserted,
        500
    );
    tx.commit().await.unwrap();

    let not_v7: i64 =
        sqlx::query_scalar("SELECT count(*) FROM bugs WHERE substr(id::text, 15, 1) <> '7'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(not_v7, 0, "every imported bug has a version 7 id");
    // Past the millisecond the import's ids carry.
    sqlx::query("SELECT pg_sleep(0.005)")
        .execute(&db.pool)
        .await
        .unwrap();
    let later: Uuid = sqlx::query_scalar(
        "INSERT INTO bugs (bug_number, title, severity) VALUES ('BUG-99999', 'Later', 'low') \
         RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM bugs WHERE id < $1")
        .bind(later)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(before, 500, "the later bug sorts after every imported one");
}
