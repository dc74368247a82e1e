//! The replicated change signal: the sums of `change_counters` (see
//! `migrations/0006_change_counters.sql`), read cheaply and compared with the
//! previous reading to learn what to reload. Works the same on the primary.

use crate::app::msg::Changes;
use sqlx::PgConnection;

/// How many statements have written each group of tables, ever. Only changes
/// matter: the values themselves mean nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeSignal {
    pub bugs: i64,
    /// `projects` and `project_metrics`.
    pub projects: i64,
    pub users: i64,
}

impl ChangeSignal {
    /// What changed between `earlier` and this reading.
    pub fn changes_since(&self, earlier: &ChangeSignal) -> Changes {
        Changes {
            bugs: self.bugs != earlier.bugs,
            projects: self.projects != earlier.projects,
            users: self.users != earlier.users,
        }
    }
}

/// One index scan of 16 rows.
pub async fn read_signal(conn: &mut PgConnection) -> sqlx::Result<ChangeSignal> {
    let (bugs, projects, users): (i64, i64, i64) = sqlx::query_as(
        "SELECT coalesce(sum(bugs), 0)::bigint, coalesce(sum(projects), 0)::bigint, \
                coalesce(sum(users), 0)::bigint FROM change_counters",
    )
    .fetch_one(conn)
    .await?;
    Ok(ChangeSignal {
        bugs,
        projects,
        users,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_groups_whose_sums_moved_changed() {
        let a = ChangeSignal {
            bugs: 5,
            projects: 2,
            users: 1,
        };
        assert_eq!(a.changes_since(&a), Changes::default());
        let b = ChangeSignal { bugs: 6, ..a };
        assert_eq!(
            b.changes_since(&a),
            Changes {
                bugs: true,
                ..Changes::default()
            }
        );
        // A rebuilt table can make a sum go down: still a change.
        let c = ChangeSignal {
            projects: 0,
            users: 9,
            ..a
        };
        assert_eq!(
            c.changes_since(&a),
            Changes {
                bugs: false,
                projects: true,
                users: true
            }
        );
    }
}
