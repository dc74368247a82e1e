-- KPIs that stay flat as the backlog grows (issue 11 item 3).
--
-- The clock-dependent KPIs (SLA breaches, bugs opened / resolved in the last
-- 7 and 30 days, 30-day compliance and mean time to resolve) counted every
-- matching bug from an index: ~27,000 breached bugs and ~42,000 recent
-- creations at a million bugs, so the refresh grew with the table. Two
-- trigger-maintained summaries keyed by UTC hour replace those counts:
--
--   kpi_hourly           per hour: bugs created in it, and bugs resolved in it
--                        (count, seconds from creation, how many within SLA);
--   kpi_open_due_hourly  per hour of SLA deadline: open bugs due in it, the
--                        deferred ones apart.
--
-- A window read sums its whole hours (at most 720 rows for 30 days) and counts
-- only the two partial edge hours from the existing indexes. Breaches are the
-- open total minus the open bugs not due yet: the not-yet-due hours are
-- bounded by the longest SLA (720 h for low severity), whereas the overdue
-- hours grow with the history. Hours are UTC hours whatever the session's
-- TimeZone (a half-hour zone would otherwise shift them).
--
-- Statement-level AFTER triggers with transition tables: a 50,000-row import
-- pays one aggregate per statement. PostgreSQL forbids transition tables on
-- UPDATE OF <columns>, so the update trigger fires on every UPDATE and nets
-- the old images against the new: an update that moves no bucket (a title
-- edit) writes no row. Zero rows are kept, as in bug_stats: deleting them
-- could race a concurrent writer's upsert of the same hour.

CREATE TABLE kpi_hourly (
    hour            timestamptz NOT NULL PRIMARY KEY,
    created         bigint      NOT NULL DEFAULT 0,
    resolved        bigint      NOT NULL DEFAULT 0,
    -- numeric, not float: sums of added and subtracted seconds stay exact.
    resolve_seconds numeric     NOT NULL DEFAULT 0,
    within_sla      bigint      NOT NULL DEFAULT 0
);

CREATE TABLE kpi_open_due_hourly (
    hour       timestamptz NOT NULL,
    deferred   boolean     NOT NULL,
    open_count bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, deferred)
);

-- The UTC hour a timestamp falls in, independent of the session's TimeZone.
CREATE FUNCTION kpi_hour(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT date_trunc('hour', t AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
$$;

-- One function for the three events: `delta` is the event's rows signed +1
-- (new image) or -1 (old image), and both summaries are written from it by
-- the same two statements. EXECUTE sees the transition tables (PL/pgSQL
-- registers them for dynamic SQL too). Rows are upserted in key order, so two
-- writers touching the same hours cannot deadlock.
CREATE FUNCTION kpi_buckets_apply() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    cols constant text := 'created_at, resolved_at, sla_due_at, status';
    delta text;
BEGIN
    delta := CASE TG_OP
        WHEN 'INSERT' THEN format('SELECT 1 AS sign, %s FROM new_rows', cols)
        WHEN 'DELETE' THEN format('SELECT -1 AS sign, %s FROM old_rows', cols)
        ELSE format('SELECT 1 AS sign, %1$s FROM new_rows
                     UNION ALL SELECT -1, %1$s FROM old_rows', cols)
    END;
    EXECUTE format($q$
        WITH delta AS (%s)
        INSERT INTO kpi_hourly AS k (hour, created, resolved, resolve_seconds, within_sla)
        SELECT hour, sum(c), sum(r), sum(s), sum(w)
        FROM (
            SELECT kpi_hour(created_at) AS hour, sign AS c, 0 AS r, 0::numeric AS s, 0 AS w
            FROM delta
            UNION ALL
            SELECT kpi_hour(resolved_at), 0, sign,
                   sign * extract(epoch FROM resolved_at - created_at),
                   sign * (resolved_at <= sla_due_at)::int
            FROM delta WHERE resolved_at IS NOT NULL
        ) d
        GROUP BY hour
        HAVING sum(c) <> 0 OR sum(r) <> 0 OR sum(s) <> 0 OR sum(w) <> 0
        ORDER BY hour
        ON CONFLICT (hour) DO UPDATE
        SET created = k.created + excluded.created,
            resolved = k.resolved + excluded.resolved,
            resolve_seconds = k.resolve_seconds + excluded.resolve_seconds,
            within_sla = k.within_sla + excluded.within_sla
    $q$, delta);
    EXECUTE format($q$
        WITH delta AS (%s)
        INSERT INTO kpi_open_due_hourly AS k (hour, deferred, open_count)
        SELECT kpi_hour(sla_due_at), status = 'deferred', sum(sign)
        FROM delta WHERE is_open_status(status)
        GROUP BY 1, 2
        HAVING sum(sign) <> 0
        ORDER BY 1, 2
        ON CONFLICT (hour, deferred) DO UPDATE
        SET open_count = k.open_count + excluded.open_count
    $q$, delta);
    RETURN NULL;
END
$fn$;

CREATE TRIGGER kpi_buckets_insert AFTER INSERT ON bugs
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_buckets_apply();
CREATE TRIGGER kpi_buckets_update AFTER UPDATE ON bugs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_buckets_apply();
CREATE TRIGGER kpi_buckets_delete AFTER DELETE ON bugs
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_buckets_apply();

CREATE FUNCTION kpi_buckets_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM kpi_hourly;
    DELETE FROM kpi_open_due_hourly;
    RETURN NULL;
END
$$;

CREATE TRIGGER kpi_buckets_truncate AFTER TRUNCATE ON bugs
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_buckets_truncate();

-- Written with the rights of the schema's owner, as 0007 made the other
-- summaries' triggers: an editor needs no privilege on these tables and
-- cannot forge their counts. search_path pinned, pg_temp last.
DO $$
DECLARE
    fn text;
BEGIN
    FOREACH fn IN ARRAY ARRAY['kpi_buckets_apply()', 'kpi_buckets_truncate()']
    LOOP
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = %I, pg_temp',
                       fn, current_schema());
    END LOOP;
END
$$;

-- Recomputes both summaries from `bugs`: the backfill below, and after bulk
-- loads that run with triggers off (`ctodash seed`).
CREATE FUNCTION kpi_buckets_rebuild() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM kpi_hourly;
    INSERT INTO kpi_hourly (hour, created, resolved, resolve_seconds, within_sla)
    SELECT hour, sum(c), sum(r), sum(s), sum(w)
    FROM (
        SELECT kpi_hour(created_at) AS hour, 1 AS c, 0 AS r, 0::numeric AS s, 0 AS w
        FROM bugs
        UNION ALL
        SELECT kpi_hour(resolved_at), 0, 1, extract(epoch FROM resolved_at - created_at),
               (resolved_at <= sla_due_at)::int
        FROM bugs WHERE resolved_at IS NOT NULL
    ) d
    GROUP BY hour;
    DELETE FROM kpi_open_due_hourly;
    INSERT INTO kpi_open_due_hourly (hour, deferred, open_count)
    SELECT kpi_hour(sla_due_at), status = 'deferred', count(*)
    FROM bugs WHERE is_open_status(status)
    GROUP BY 1, 2;
$$;

SELECT kpi_buckets_rebuild();
