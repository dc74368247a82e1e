-- Mean time to resolve over the last 30 days averaged ~130,000 rows per KPI
-- refresh at a million bugs (23 ms). This summary keeps, per UTC day of
-- resolution, how many bugs were resolved and their total time to resolve, so
-- the KPI reads 30 rows plus the two partial days at the window's edges.

CREATE TABLE bug_resolutions_daily (
    day             date             PRIMARY KEY,
    resolved        bigint           NOT NULL DEFAULT 0,
    resolve_seconds double precision NOT NULL DEFAULT 0
);

-- One function per event: each event sees different transition tables.
CREATE FUNCTION bug_resolutions_apply_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bug_resolutions_daily AS d (day, resolved, resolve_seconds)
    SELECT (resolved_at AT TIME ZONE 'UTC')::date, count(*),
           sum(extract(epoch FROM resolved_at - created_at))::float8
    FROM new_rows WHERE resolved_at IS NOT NULL
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (day) DO UPDATE
    SET resolved = d.resolved + excluded.resolved,
        resolve_seconds = d.resolve_seconds + excluded.resolve_seconds;
    RETURN NULL;
END
$$;

CREATE FUNCTION bug_resolutions_apply_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bug_resolutions_daily AS d (day, resolved, resolve_seconds)
    SELECT (resolved_at AT TIME ZONE 'UTC')::date, -count(*),
           -sum(extract(epoch FROM resolved_at - created_at))::float8
    FROM old_rows WHERE resolved_at IS NOT NULL
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (day) DO UPDATE
    SET resolved = d.resolved + excluded.resolved,
        resolve_seconds = d.resolve_seconds + excluded.resolve_seconds;
    RETURN NULL;
END
$$;

CREATE FUNCTION bug_resolutions_apply_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Net old against new, so updates that move no resolution touch nothing.
    INSERT INTO bug_resolutions_daily AS d (day, resolved, resolve_seconds)
    SELECT day, sum(n), sum(secs)
    FROM (
        SELECT (resolved_at AT TIME ZONE 'UTC')::date AS day, 1 AS n,
               extract(epoch FROM resolved_at - created_at)::float8 AS secs
        FROM new_rows WHERE resolved_at IS NOT NULL
        UNION ALL
        SELECT (resolved_at AT TIME ZONE 'UTC')::date, -1,
               -extract(epoch FROM resolved_at - created_at)::float8
        FROM old_rows WHERE resolved_at IS NOT NULL
    ) c
    GROUP BY day
    HAVING sum(n) <> 0 OR abs(sum(secs)) > 1e-6
    ORDER BY day
    ON CONFLICT (day) DO UPDATE
    SET resolved = d.resolved + excluded.resolved,
        resolve_seconds = d.resolve_seconds + excluded.resolve_seconds;
    RETURN NULL;
END
$$;

CREATE TRIGGER bug_resolutions_insert AFTER INSERT ON bugs
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bug_resolutions_apply_insert();
CREATE TRIGGER bug_resolutions_update AFTER UPDATE ON bugs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bug_resolutions_apply_update();
CREATE TRIGGER bug_resolutions_delete AFTER DELETE ON bugs
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bug_resolutions_apply_delete();

CREATE FUNCTION bug_resolutions_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM bug_resolutions_daily;
    RETURN NULL;
END
$$;

CREATE TRIGGER bug_resolutions_truncate AFTER TRUNCATE ON bugs
    FOR EACH STATEMENT EXECUTE FUNCTION bug_resolutions_truncate();

-- Recomputes the summary (after bulk loads that bypass triggers).
CREATE FUNCTION bug_resolutions_rebuild() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM bug_resolutions_daily;
    INSERT INTO bug_resolutions_daily (day, resolved, resolve_seconds)
    SELECT (resolved_at AT TIME ZONE 'UTC')::date, count(*),
           sum(extract(epoch FROM resolved_at - created_at))::float8
    FROM bugs WHERE resolved_at IS NOT NULL GROUP BY 1;
$$;

SELECT bug_resolutions_rebuild();
