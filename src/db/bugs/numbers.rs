//! Bug numbers for new bugs: `BUG-<n>` from the `bug_number_seq` sequence
//! (migration 0009). `nextval` never returns a value twice, even to parallel
//! transactions and even when they roll back, so concurrent imports (and, later,
//! bugs created by hand) never collide and no lock is held while they run. A
//! value whose number a bug already has (an imported `BUG-5000`, or `BUG-0042`
//! for 42) is skipped; numbers are therefore unique but may have gaps.

use sqlx::PgConnection;

/// `n` fresh bug numbers such as `BUG-1042`, ascending.
pub async fn allocate(conn: &mut PgConnection, n: usize) -> sqlx::Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(n);
    while out.len() < n {
        let want = i64::try_from(n - out.len()).unwrap_or(i64::MAX);
        let free: Vec<i64> = sqlx::query_scalar(
            "SELECT v FROM (SELECT nextval('bug_number_seq') AS v \
                            FROM generate_series(1, $1::bigint)) s \
             WHERE NOT EXISTS (SELECT 1 FROM bugs b WHERE bug_number_key(b.bug_number) = s.v) \
             ORDER BY v",
        )
        .bind(want)
        .fetch_all(&mut *conn)
        .await?;
        out.extend(free.into_iter().map(|v| format!("BUG-{v}")));
    }
    Ok(out)
}
