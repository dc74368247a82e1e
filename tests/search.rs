//! Search: case-insensitive substrings of titles and descriptions, and typo
//! tolerance through trigram similarity when asked for.

use chrono::Utc;
use ctodash::db::bugs;
use ctodash::db::testing::TestDb;
use ctodash::query::{BugFilter, BugQuery, PageAnchor};

async fn titles(db: &TestDb, search: &str, fuzzy: bool) -> Vec<String> {
    let q = BugQuery {
        filter: BugFilter {
            search: search.into(),
            fuzzy,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut conn = db.conn().await;
    let page = bugs::page(&mut conn, &q, &PageAnchor::Top, 50, Utc::now())
        .await
        .unwrap();
    let mut t: Vec<String> = page.rows.into_iter().map(|r| r.title).collect();
    t.sort();
    t
}

#[tokio::test]
async fn substring_case_insensitive_and_fuzzy_for_typos() {
    let db = TestDb::new().await;
    for (n, title, description) in [
        (1, "Checkout fails for EU customers", "Payment step"),
        (
            2,
            "Login hangs on Safari",
            "Seen after the CHECKOUT redesign",
        ),
        (3, "Search is slow", "Nothing to do with payments"),
        (4, "100% CPU in the 50_50 split job", "wildcards in text"),
    ] {
        sqlx::query("INSERT INTO bugs (bug_number, title, description, severity) VALUES ($1, $2, $3, 'high')")
            .bind(format!("BUG-{n}"))
            .bind(title)
            .bind(description)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    assert_eq!(
        titles(&db, "checkout", false).await,
        ["Checkout fails for EU customers", "Login hangs on Safari"]
    );
    assert_eq!(titles(&db, "ARI", false).await, ["Login hangs on Safari"]);
    assert!(
        titles(&db, "chekout", false).await.is_empty(),
        "exact search does not guess"
    );
    assert_eq!(
        titles(&db, "chekout", true).await,
        ["Checkout fails for EU customers"]
    );
    // The user's % and _ are literal characters, not wildcards.
    assert_eq!(
        titles(&db, "100%", false).await,
        ["100% CPU in the 50_50 split job"]
    );
    assert!(titles(&db, "5_5", false).await.is_empty());
}
