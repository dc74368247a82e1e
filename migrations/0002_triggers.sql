-- Rules the database enforces for every writer (ctodash, psql, other apps).

CREATE FUNCTION sla_hours_for(sev bug_severity) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE sev WHEN 'critical' THEN 4 WHEN 'high' THEN 24 WHEN 'medium' THEN 72 ELSE 720 END
$$;

CREATE FUNCTION is_open_status(st bug_status) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT st NOT IN ('shipped', 'closed')
$$;

-- The priority rule of domain::priority_score, for writers other than ctodash:
-- severity points + min(30, revenue/1000) + 20 if blocker + min(10, days open).
-- A test checks that both implementations agree.
CREATE FUNCTION priority_score_for(sev bug_severity, revenue numeric, blocker boolean,
                                   created timestamptz, at timestamptz) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT least(100, greatest(0,
        CASE sev WHEN 'critical' THEN 40 WHEN 'high' THEN 30 WHEN 'medium' THEN 15 ELSE 5 END
        + least(30, floor(greatest(coalesce(revenue, 0), 0) / 1000))::integer
        + CASE WHEN blocker THEN 20 ELSE 0 END
        + least(10, floor(greatest(extract(epoch FROM at - created), 0) / 86400))::integer))
$$;

-- The actor a writing session declared with
-- `SELECT set_config('ctodash.actor', '<user uuid>', true)`; NULL when undeclared.
CREATE FUNCTION current_actor() RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('ctodash.actor', true), '')::uuid
$$;

CREATE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TRIGGER users_touch BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER projects_touch BEFORE UPDATE ON projects
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- SLA hours from severity, the SLA deadline, resolved_at on resolve/reopen, the
-- priority score, updated_at and the optimistic-concurrency version. The priority
-- is computed when the bug is written (its days-open part as of that moment), so
-- the table can be sorted by an index instead of by an expression over every row.
CREATE FUNCTION bugs_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- An explicit SLA (e.g. from an import) is kept; otherwise severity decides.
        IF NEW.sla_hours IS NULL THEN
            NEW.sla_hours := sla_hours_for(NEW.severity);
        END IF;
        IF is_open_status(NEW.status) THEN
            NEW.resolved_at := NULL;
        ELSIF NEW.resolved_at IS NULL THEN
            NEW.resolved_at := now();
        END IF;
        NEW.priority_score := priority_score_for(NEW.severity, NEW.revenue_impact_daily,
                                                 NEW.is_blocker, NEW.created_at, now());
    ELSE
        IF NEW.severity IS DISTINCT FROM OLD.severity
           OR NEW.revenue_impact_daily IS DISTINCT FROM OLD.revenue_impact_daily
           OR NEW.is_blocker IS DISTINCT FROM OLD.is_blocker THEN
            NEW.priority_score := priority_score_for(NEW.severity, NEW.revenue_impact_daily,
                                                     NEW.is_blocker, NEW.created_at, now());
        END IF;
        IF NEW.severity IS DISTINCT FROM OLD.severity
           AND NEW.sla_hours IS NOT DISTINCT FROM OLD.sla_hours THEN
            NEW.sla_hours := sla_hours_for(NEW.severity);
        END IF;
        IF is_open_status(NEW.status) THEN
            NEW.resolved_at := NULL;
        ELSIF is_open_status(OLD.status)
              AND NEW.resolved_at IS NOT DISTINCT FROM OLD.resolved_at THEN
            NEW.resolved_at := now();
        END IF;
        NEW.updated_at := now();
        NEW.version := OLD.version + 1;
    END IF;
    NEW.sla_due_at := NEW.created_at + make_interval(hours => NEW.sla_hours);
    RETURN NEW;
END
$$;

CREATE TRIGGER bugs_before_write BEFORE INSERT OR UPDATE ON bugs
    FOR EACH ROW EXECUTE FUNCTION bugs_before_write();

-- Exactly one bug_history row per changed field, whoever writes.
CREATE FUNCTION bugs_log_history() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    actor uuid := current_actor();
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO bug_history (bug_id, field_changed, old_value, new_value, changed_by)
        VALUES (NEW.id, 'status', OLD.status::text, NEW.status::text, actor);
    END IF;
    IF NEW.severity IS DISTINCT FROM OLD.severity THEN
        INSERT INTO bug_history (bug_id, field_changed, old_value, new_value, changed_by)
        VALUES (NEW.id, 'severity', OLD.severity::text, NEW.severity::text, actor);
    END IF;
    IF NEW.assigned_to IS DISTINCT FROM OLD.assigned_to THEN
        INSERT INTO bug_history (bug_id, field_changed, old_value, new_value, changed_by)
        VALUES (NEW.id, 'assigned_to', OLD.assigned_to::text, NEW.assigned_to::text, actor);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER bugs_log_history AFTER UPDATE OF status, severity, assigned_to ON bugs
    FOR EACH ROW EXECUTE FUNCTION bugs_log_history();

-- Change notifications for live dashboards: one per statement, and PostgreSQL
-- folds identical payloads within a transaction, so bulk writes stay one message.
CREATE FUNCTION notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ctodash_changes',
                      json_build_object('table', TG_TABLE_NAME, 'op', lower(TG_OP))::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER bugs_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bugs
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER projects_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON projects
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER project_metrics_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON project_metrics
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER users_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
