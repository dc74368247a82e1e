//! The bug table's keyset pagination against plain `ORDER BY ... OFFSET` SQL on
//! 120,000 seeded bugs, plus the count, the portfolio and the detail reads.

use chrono::{DateTime, SecondsFormat, Utc};
use ctodash::app::model::BugRow;
use ctodash::app::msg::Page;
use ctodash::db::testing::TestDb;
use ctodash::db::{bugs, detail, portfolio};
use ctodash::domain::{BugStatus, Severity};
use ctodash::query::{BugFilter, BugQuery, PageAnchor, Sort, SortKey, StatusFilter};
use ctodash::seed::{self, SeedOptions};
use sqlx::PgConnection;
use uuid::Uuid;

const LIMIT: usize = 50;
const OPEN: &str = "b.status NOT IN ('shipped', 'closed')";

/// The sort expression of each key, written out independently of the code
/// under test.
fn order_expr(key: SortKey) -> &'static str {
    match key {
        SortKey::Priority => "b.priority_score",
        SortKey::Number => "bug_number_key(b.bug_number)",
        SortKey::Severity => "b.severity",
        SortKey::Status => "b.status",
        SortKey::Title => "lower(b.title)",
        SortKey::Assignee => "coalesce(u.name, '')",
        SortKey::Project => "coalesce(p.name, '')",
        SortKey::Age => "b.created_at",
        SortKey::Sla => "b.sla_due_at",
    }
}

/// The reference answer: plain SQL with OFFSET.
async fn expected(
    conn: &mut PgConnection,
    filter_sql: &str,
    sort: Sort,
    offset: i64,
    limit: usize,
) -> Vec<Uuid> {
    let dir = if sort.descending() { "DESC" } else { "ASC" };
    let expr = order_expr(sort.key);
    let sql = format!(
        "SELECT b.id FROM bugs b LEFT JOIN users u ON u.id = b.assigned_to \
         LEFT JOIN projects p ON p.id = b.project_id WHERE {filter_sql} \
         ORDER BY {expr} {dir}, b.id {dir} LIMIT {limit} OFFSET {offset}"
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_all(conn)
        .await
        .unwrap()
}

async fn total(conn: &mut PgConnection, filter_sql: &str) -> i64 {
    let sql = format!(
        "SELECT count(*) FROM bugs b LEFT JOIN users u ON u.id = b.assigned_to \
         LEFT JOIN projects p ON p.id = b.project_id WHERE {filter_sql}"
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(conn)
        .await
        .unwrap()
}

fn ids(page: &Page) -> Vec<Uuid> {
    page.rows.iter().map(|r| r.id).collect()
}

fn last(page: &Page) -> &BugRow {
    page.rows.last().expect("a non-empty page")
}

async fn get(
    conn: &mut PgConnection,
    q: &BugQuery,
    anchor: PageAnchor,
    now: DateTime<Utc>,
) -> Page {
    bugs::page(conn, q, &anchor, LIMIT, now).await.unwrap()
}

/// Top, two pages forward, back one, From, Bottom and the page before it,
/// each compared with the OFFSET answer.
async fn check_paging(conn: &mut PgConnection, q: &BugQuery, filter_sql: &str, now: DateTime<Utc>) {
    let what = format!("{:?} / {}", q.sort, filter_sql);
    let n = total(conn, filter_sql).await;
    assert!(n > 3 * LIMIT as i64, "{what}: need several pages, have {n}");
    let key = q.sort.key;

    let top = get(conn, q, PageAnchor::Top, now).await;
    assert_eq!(
        ids(&top),
        expected(conn, filter_sql, q.sort, 0, LIMIT).await,
        "top {what}"
    );
    assert!(!top.more_before && top.more_after, "top flags {what}");

    let p2 = get(
        conn,
        q,
        PageAnchor::After(bugs::cursor_of(last(&top), key)),
        now,
    )
    .await;
    assert_eq!(
        ids(&p2),
        expected(conn, filter_sql, q.sort, 50, LIMIT).await,
        "page 2 {what}"
    );
    assert!(p2.more_before && p2.more_after, "page 2 flags {what}");
    let p3 = get(
        conn,
        q,
        PageAnchor::After(bugs::cursor_of(last(&p2), key)),
        now,
    )
    .await;
    assert_eq!(
        ids(&p3),
        expected(conn, filter_sql, q.sort, 100, LIMIT).await,
        "page 3 {what}"
    );

    let back = get(
        conn,
        q,
        PageAnchor::Before(bugs::cursor_of(&p3.rows[0], key)),
        now,
    )
    .await;
    assert_eq!(ids(&back), ids(&p2), "before page 3 is page 2 {what}");
    assert!(back.more_before && back.more_after, "before flags {what}");
    let back_to_top = get(
        conn,
        q,
        PageAnchor::Before(bugs::cursor_of(&p2.rows[0], key)),
        now,
    )
    .await;
    assert_eq!(
        ids(&back_to_top),
        ids(&top),
        "before page 2 is the top {what}"
    );
    assert!(!back_to_top.more_before, "nothing before the top {what}");

    let from = get(
        conn,
        q,
        PageAnchor::From(bugs::cursor_of(&p2.rows[0], key)),
        now,
    )
    .await;
    assert_eq!(ids(&from), ids(&p2), "from {what}");
    assert!(from.more_before && from.more_after, "from flags {what}");
    let from_top = get(
        conn,
        q,
        PageAnchor::From(bugs::cursor_of(&top.rows[0], key)),
        now,
    )
    .await;
    assert!(!from_top.more_before, "from the first row {what}");

    let bottom = get(conn, q, PageAnchor::Bottom, now).await;
    let tail = expected(conn, filter_sql, q.sort, n - LIMIT as i64, LIMIT).await;
    assert_eq!(ids(&bottom), tail, "bottom {what}");
    assert!(
        bottom.more_before && !bottom.more_after,
        "bottom flags {what}"
    );
    let end = get(
        conn,
        q,
        PageAnchor::After(bugs::cursor_of(last(&bottom), key)),
        now,
    )
    .await;
    assert!(
        end.rows.is_empty() && !end.more_after,
        "nothing after the bottom {what}"
    );
    let above = get(
        conn,
        q,
        PageAnchor::Before(bugs::cursor_of(&bottom.rows[0], key)),
        now,
    )
    .await;
    let above_expected = expected(conn, filter_sql, q.sort, n - 2 * LIMIT as i64, LIMIT).await;
    assert_eq!(ids(&above), above_expected, "page above the bottom {what}");
}

fn query(filter: BugFilter, key: SortKey, reversed: bool) -> BugQuery {
    BugQuery {
        filter,
        sort: Sort { key, reversed },
    }
}

#[tokio::test]
async fn pages_match_plain_sql_on_120k_bugs() {
    let db = TestDb::new().await;
    seed::run(
        &db.pool,
        &SeedOptions {
            bugs: 120_000,
            projects: Some(50),
            users: Some(40),
            seed: 3,
            reset: false,
        },
    )
    .await
    .unwrap();
    let mut conn = db.conn().await;
    let c = &mut conn;
    let now = Utc::now();

    // The default view: open bugs, highest priority first.
    let default = BugQuery::default();
    assert_eq!(default.filter.status, StatusFilter::Open);
    check_paging(c, &default, OPEN, now).await;
    let top = get(c, &default, PageAnchor::Top, now).await;
    assert!(top.rows.windows(2).all(|w| w[0].priority >= w[1].priority));
    assert!(top.rows.iter().all(|r| r.status.is_open()));
    let first = &top.rows[0];
    let (assignee, project): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT u.name, p.name FROM bugs b LEFT JOIN users u ON u.id = b.assigned_to \
         LEFT JOIN projects p ON p.id = b.project_id WHERE b.id = $1",
    )
    .bind(first.id)
    .fetch_one(&mut *c)
    .await
    .unwrap();
    assert_eq!(
        (first.assignee.clone(), first.project.clone()),
        (assignee, project)
    );

    // Every sort key in both directions, over open bugs and over all bugs.
    for key in SortKey::ALL {
        for reversed in [false, true] {
            check_paging(c, &query(BugFilter::default(), key, reversed), OPEN, now).await;
        }
    }
    let all = BugFilter {
        status: StatusFilter::All,
        ..Default::default()
    };
    for key in SortKey::ALL {
        if key != SortKey::Title && key != SortKey::Sla {
            let reversed = key == SortKey::Severity;
            check_paging(c, &query(all.clone(), key, reversed), "true", now).await;
        }
    }

    // Assignee order across the boundary between unassigned ('') and named.
    let by_assignee = query(BugFilter::default(), SortKey::Assignee, false);
    let unassigned = total(c, &format!("{OPEN} AND b.assigned_to IS NULL")).await;
    assert!(unassigned > 10);
    let near = expected(c, OPEN, by_assignee.sort, unassigned - 10, 1).await[0];
    let near_row = detail::detail(c, near).await.unwrap().unwrap().row;
    assert_eq!(near_row.assignee, None);
    let across = get(
        c,
        &by_assignee,
        PageAnchor::After(bugs::cursor_of(&near_row, SortKey::Assignee)),
        now,
    )
    .await;
    assert_eq!(
        ids(&across),
        expected(c, OPEN, by_assignee.sort, unassigned - 9, LIMIT).await
    );
    assert!(across.rows[8].assignee.is_none() && across.rows[9].assignee.is_some());
    let back = get(
        c,
        &by_assignee,
        PageAnchor::Before(bugs::cursor_of(&across.rows[20], SortKey::Assignee)),
        now,
    )
    .await;
    assert_eq!(
        ids(&back),
        expected(c, OPEN, by_assignee.sort, unassigned - 39, LIMIT).await
    );

    // A filtered page: critical blockers (open: one short page; any status: paged).
    let critical_blockers = BugFilter {
        severities: vec![Severity::Critical],
        blocker_only: true,
        ..Default::default()
    };
    let cb_sql = format!("{OPEN} AND b.severity = 'critical' AND b.is_blocker");
    let q = query(critical_blockers.clone(), SortKey::Priority, false);
    let page = get(c, &q, PageAnchor::Top, now).await;
    let n = total(c, &cb_sql).await;
    assert!(n > 0 && n < LIMIT as i64, "open critical blockers: {n}");
    assert_eq!(ids(&page), expected(c, &cb_sql, q.sort, 0, LIMIT).await);
    assert!(!page.more_before && !page.more_after);
    assert!(
        page.rows
            .iter()
            .all(|r| r.is_blocker && r.severity == Severity::Critical)
    );
    let count = bugs::count(c, &q, now).await.unwrap();
    assert_eq!((count.n, count.estimated), (n as u64, false));
    let any_status = BugFilter {
        status: StatusFilter::All,
        ..critical_blockers
    };
    check_paging(
        c,
        &query(any_status, SortKey::Priority, false),
        "b.severity = 'critical' AND b.is_blocker",
        now,
    )
    .await;

    // Search: case-insensitive substring of title or description.
    let search = BugFilter {
        status: StatusFilter::All,
        search: "ChEcKoUt".into(),
        ..Default::default()
    };
    let search_sql = "(b.title ILIKE '%checkout%' OR b.description ILIKE '%checkout%')";
    check_paging(
        c,
        &query(search.clone(), SortKey::Priority, false),
        search_sql,
        now,
    )
    .await;
    check_paging(
        c,
        &query(
            BugFilter {
                status: StatusFilter::Open,
                ..search
            },
            SortKey::Age,
            false,
        ),
        &format!("{OPEN} AND {search_sql}"),
        now,
    )
    .await;
    // In descriptions too, and wildcards in the search text are literal.
    let desc_only = BugFilter {
        search: "SERIALIZER".into(),
        ..Default::default()
    };
    let desc_sql = format!("{OPEN} AND b.description ILIKE '%serializer%'");
    check_paging(
        c,
        &query(desc_only, SortKey::Priority, false),
        &desc_sql,
        now,
    )
    .await;
    let wild = BugFilter {
        search: "%_%".into(),
        ..Default::default()
    };
    let q = query(wild, SortKey::Priority, false);
    assert!(get(c, &q, PageAnchor::Top, now).await.rows.is_empty());
    assert_eq!(bugs::count(c, &q, now).await.unwrap().n, 0);
    let percent = BugFilter {
        search: "2%".into(),
        ..Default::default()
    };
    let q = query(percent, SortKey::Priority, false);
    let page = get(c, &q, PageAnchor::Top, now).await;
    let percent_sql =
        format!("{OPEN} AND (b.title ILIKE '%2\\%%' OR b.description ILIKE '%2\\%%')");
    assert_eq!(
        ids(&page),
        expected(c, &percent_sql, q.sort, 0, LIMIT).await
    );
    assert!(!page.rows.is_empty());

    // Other filters: status subset, SLA breached, project, assignee (email,
    // name, "none").
    let in_progress = BugFilter {
        status: StatusFilter::Only(vec![BugStatus::InProgress, BugStatus::Verified]),
        ..Default::default()
    };
    for key in [SortKey::Sla, SortKey::Status] {
        for reversed in [false, true] {
            check_paging(
                c,
                &query(in_progress.clone(), key, reversed),
                "b.status IN ('in_progress', 'verified')",
                now,
            )
            .await;
        }
    }
    let high_low = BugFilter {
        status: StatusFilter::All,
        severities: vec![Severity::Low, Severity::High],
        ..Default::default()
    };
    check_paging(
        c,
        &query(high_low, SortKey::Severity, false),
        "b.severity IN ('high', 'low')",
        now,
    )
    .await;
    let breached = BugFilter {
        sla_breached_only: true,
        ..Default::default()
    };
    // The source product's rule: open (deferred included), older than its SLA.
    let breached_sql = "b.status NOT IN ('shipped', 'closed') \
                        AND b.created_at + make_interval(hours => b.sla_hours) < $NOW";
    let breached_sql = breached_sql.replace(
        "$NOW",
        &format!("'{}'", now.to_rfc3339_opts(SecondsFormat::Micros, true)),
    );
    check_paging(
        c,
        &query(breached.clone(), SortKey::Priority, false),
        &breached_sql,
        now,
    )
    .await;
    let count = bugs::count(c, &query(breached, SortKey::Priority, false), now)
        .await
        .unwrap();
    assert_eq!(
        (count.n as i64, count.estimated),
        (total(c, &breached_sql).await, false)
    );

    let (project, email, name): (String, String, String) = sqlx::query_as(
        "SELECT p.name, u.email, u.name FROM bugs b JOIN projects p ON p.id = b.project_id \
         JOIN users u ON u.id = b.assigned_to WHERE b.status = 'pending' \
         GROUP BY 1, 2, 3 ORDER BY count(*) DESC LIMIT 1",
    )
    .fetch_one(&mut *c)
    .await
    .unwrap();
    let by_project = BugFilter {
        status: StatusFilter::All,
        project: Some(project.to_ascii_uppercase()),
        ..Default::default()
    };
    let project_sql = format!("lower(p.name) = lower('{}')", project.replace('\'', "''"));
    check_paging(
        c,
        &query(by_project, SortKey::Number, false),
        &project_sql,
        now,
    )
    .await;
    let by_email = format!("lower(u.email) = lower('{}')", email.replace('\'', "''"));
    let by_name = format!("lower(u.name) = lower('{}')", name.replace('\'', "''"));
    for (who, sql) in [
        (email.to_ascii_uppercase(), by_email),
        (name.to_ascii_lowercase(), by_name),
    ] {
        let f = BugFilter {
            status: StatusFilter::All,
            assignee: Some(who),
            ..Default::default()
        };
        check_paging(c, &query(f, SortKey::Title, false), &sql, now).await;
    }
    let nobody = BugFilter {
        assignee: Some("None".into()),
        ..Default::default()
    };
    check_paging(
        c,
        &query(nobody, SortKey::Priority, false),
        &format!("{OPEN} AND b.assigned_to IS NULL"),
        now,
    )
    .await;

    // Counts: exact below the threshold, the planner's estimate above it.
    let open_count = bugs::count(c, &default, now).await.unwrap();
    assert_eq!(
        (open_count.n as i64, open_count.estimated),
        (total(c, OPEN).await, false)
    );
    let everything = query(all.clone(), SortKey::Priority, false);
    let est = bugs::count(c, &everything, now).await.unwrap();
    assert!(est.estimated, "{est:?}");
    assert!((100_000..=140_000).contains(&est.n), "{est:?}");

    // The portfolio: one row per project, counts as plain SQL has them.
    let projects = portfolio::projects(c, now).await.unwrap();
    assert_eq!(projects.len(), 50);
    assert!(
        projects
            .windows(2)
            .all(|w| w[0].risk.score >= w[1].risk.score)
    );
    for p in &projects {
        let (open, critical, blockers): (i64, i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE severity = 'critical'), \
             count(*) FILTER (WHERE is_blocker) FROM bugs \
             WHERE project_id = $1 AND status NOT IN ('shipped', 'closed')",
        )
        .bind(p.id)
        .fetch_one(&mut *c)
        .await
        .unwrap();
        assert_eq!(
            (p.open_bugs, p.critical_bugs, p.blocker_bugs),
            (open, critical, blockers)
        );
    }
    assert!(projects.iter().any(|p| p.health_score.is_some()));

    // Detail: every field and the history, newest first.
    let d = detail::detail(c, top.rows[0].id).await.unwrap().unwrap();
    assert_eq!(d.row, top.rows[0]);
    let history: i64 = sqlx::query_scalar("SELECT count(*) FROM bug_history WHERE bug_id = $1")
        .bind(d.row.id)
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(d.history.len() as i64, history);
    assert!(d.history.windows(2).all(|w| w[0].at >= w[1].at));
    assert!(d.creator.is_some());
    assert!(detail::detail(c, Uuid::new_v4()).await.unwrap().is_none());
}
