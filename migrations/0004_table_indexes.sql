-- Indexes for the bug table's keyset pagination and the portfolio pane.
--
-- Every page of the table is `WHERE <filters> AND (<sort expr>, id) > (<cursor>)
-- ORDER BY <sort expr>, id LIMIT n`, which is only cheap when an index yields rows
-- in exactly that order. The dashboard shows open bugs by default (about 7% of a
-- mature tracker), so each sort column gets a small partial index over the open
-- statuses: the query spells out the same status list, the planner proves the
-- predicate, and the first page, the last page and every page between read ~50
-- index entries. Being partial, they cost ~0.2 s each to build at 1,000,000 bugs
-- instead of ~1 s, which matters to the bulk seed that rebuilds them.
--
-- The status list must stay exactly the open statuses of the domain
-- (BugStatus::is_open): 'pending', 'in_progress', 'verified', 'deferred'.

CREATE INDEX bugs_open_priority_idx ON bugs (priority_score, id)
    WHERE status IN ('pending', 'in_progress', 'verified', 'deferred');
CREATE INDEX bugs_open_severity_idx ON bugs (severity, id)
    WHERE status IN ('pending', 'in_progress', 'verified', 'deferred');
CREATE INDEX bugs_open_status_idx ON bugs (status, id)
    WHERE status IN ('pending', 'in_progress', 'verified', 'deferred');
CREATE INDEX bugs_open_title_idx ON bugs (lower(title), id)
    WHERE status IN ('pending', 'in_progress', 'verified', 'deferred');
CREATE INDEX bugs_open_created_idx ON bugs (created_at, id)
    WHERE status IN ('pending', 'in_progress', 'verified', 'deferred');
CREATE INDEX bugs_open_sla_idx ON bugs (sla_due_at, id)
    WHERE status IN ('pending', 'in_progress', 'verified', 'deferred');
-- Sorting by assignee / project walks users / projects in name order (see the
-- name indexes below) and fetches each one's bugs in id order from these.
CREATE INDEX bugs_open_assignee_idx ON bugs (assigned_to, id)
    WHERE status IN ('pending', 'in_progress', 'verified', 'deferred');
-- Also the portfolio's per-project open / critical / blocker counts: an
-- index-only scan of ~70,000 entries instead of a scan of the table.
CREATE INDEX bugs_open_project_idx ON bugs (project_id, id) INCLUDE (severity, is_blocker)
    WHERE status IN ('pending', 'in_progress', 'verified', 'deferred');

-- Search (title OR description, case-insensitive substring) over open bugs.
-- 0001's title index covers titles of all bugs; a trigram index on the
-- descriptions of all bugs would add ~40 s to a 1,000,000-bug seed on two cores,
-- so descriptions of resolved bugs are searched by scanning.
CREATE INDEX bugs_open_search_trgm_idx ON bugs
    USING gin (title gin_trgm_ops, description gin_trgm_ops)
    WHERE status IN ('pending', 'in_progress', 'verified', 'deferred');

-- Sorts over every status ("any status" filter). Age is served by 0001's
-- created_at index (near-unique values, so an incremental sort on id is free);
-- severity and status are read one value at a time in id order (primary key).
-- Priority has ~10,000 ties per value at 1M bugs, so 0001's (priority_score DESC)
-- index would make each page sort a whole tie group; and the bug number is an
-- expression no other index orders by. These two also serve open bugs well
-- enough (one row in fourteen is open), so the number needs no partial index.
CREATE INDEX bugs_priority_id_idx ON bugs (priority_score, id);
CREATE INDEX bugs_number_idx ON bugs ((substr(bug_number, 5)::bigint), id);

-- Small tables: name order for the assignee / project sorts, and the
-- case-insensitive lookup of "who am I" by email.
CREATE INDEX users_name_idx ON users (name);
CREATE INDEX projects_name_idx ON projects (name);
CREATE INDEX users_email_lower_idx ON users (lower(email));
