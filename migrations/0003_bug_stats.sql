-- A trigger-maintained summary of bugs, one row per severity x status x blocker,
-- so the KPI engine reads ~48 rows instead of scanning a million bugs. Many small
-- rows rather than one hot counter row: concurrent writers on different buckets
-- never wait for each other.

CREATE TABLE bug_stats (
    severity             bug_severity NOT NULL,
    status               bug_status   NOT NULL,
    is_blocker           boolean      NOT NULL,
    bug_count            bigint       NOT NULL DEFAULT 0,
    revenue_impact_daily numeric      NOT NULL DEFAULT 0,
    actual_hours         numeric      NOT NULL DEFAULT 0,
    PRIMARY KEY (severity, status, is_blocker)
);

-- Statement-level with transition tables: a 100,000-row import costs one
-- aggregate, not 100,000 counter updates.
CREATE FUNCTION bug_stats_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO bug_stats AS s (severity, status, is_blocker, bug_count,
                                    revenue_impact_daily, actual_hours)
        SELECT severity, status, is_blocker, count(*),
               coalesce(sum(revenue_impact_daily), 0), coalesce(sum(actual_hours), 0)
        FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (severity, status, is_blocker) DO UPDATE
        SET bug_count = s.bug_count + excluded.bug_count,
            revenue_impact_daily = s.revenue_impact_daily + excluded.revenue_impact_daily,
            actual_hours = s.actual_hours + excluded.actual_hours;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO bug_stats AS s (severity, status, is_blocker, bug_count,
                                    revenue_impact_daily, actual_hours)
        SELECT severity, status, is_blocker, -count(*),
               -coalesce(sum(revenue_impact_daily), 0), -coalesce(sum(actual_hours), 0)
        FROM old_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (severity, status, is_blocker) DO UPDATE
        SET bug_count = s.bug_count + excluded.bug_count,
            revenue_impact_daily = s.revenue_impact_daily + excluded.revenue_impact_daily,
            actual_hours = s.actual_hours + excluded.actual_hours;
    ELSE
        -- Net the old and new images so an update that moves nothing (a title
        -- edit) touches no counter row at all.
        INSERT INTO bug_stats AS s (severity, status, is_blocker, bug_count,
                                    revenue_impact_daily, actual_hours)
        SELECT severity, status, is_blocker, sum(n), sum(r), sum(h)
        FROM (
            SELECT severity, status, is_blocker, 1 AS n,
                   coalesce(revenue_impact_daily, 0) AS r, coalesce(actual_hours, 0) AS h
            FROM new_rows
            UNION ALL
            SELECT severity, status, is_blocker, -1,
                   -coalesce(revenue_impact_daily, 0), -coalesce(actual_hours, 0)
            FROM old_rows
        ) d
        GROUP BY 1, 2, 3
        HAVING sum(n) <> 0 OR sum(r) <> 0 OR sum(h) <> 0
        ORDER BY 1, 2, 3
        ON CONFLICT (severity, status, is_blocker) DO UPDATE
        SET bug_count = s.bug_count + excluded.bug_count,
            revenue_impact_daily = s.revenue_impact_daily + excluded.revenue_impact_daily,
            actual_hours = s.actual_hours + excluded.actual_hours;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER bug_stats_insert AFTER INSERT ON bugs
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bug_stats_apply();
CREATE TRIGGER bug_stats_update AFTER UPDATE ON bugs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bug_stats_apply();
CREATE TRIGGER bug_stats_delete AFTER DELETE ON bugs
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bug_stats_apply();

-- Recomputes the summary from scratch: used after bulk loads that bypass triggers,
-- and by `ctodash doctor` to prove the counters agree with the table.
CREATE FUNCTION bug_stats_rebuild() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM bug_stats;
    INSERT INTO bug_stats (severity, status, is_blocker, bug_count, revenue_impact_daily, actual_hours)
    SELECT severity, status, is_blocker, count(*),
           coalesce(sum(revenue_impact_daily), 0), coalesce(sum(actual_hours), 0)
    FROM bugs GROUP BY 1, 2, 3;
$$;

CREATE FUNCTION bug_stats_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM bug_stats;
    RETURN NULL;
END
$$;

CREATE TRIGGER bug_stats_truncate AFTER TRUNCATE ON bugs
    FOR EACH STATEMENT EXECUTE FUNCTION bug_stats_truncate();

SELECT bug_stats_rebuild();
