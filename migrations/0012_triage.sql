-- Triage (issue 12): every field of a bug is edited through one audited change,
-- so each of them gets its bug_history row, and bugs get comments.

-- One bug_history row per changed field, whoever writes: the three fields of
-- 0002 plus every field ctodash now edits. CREATE OR REPLACE resets the
-- function to the caller's rights, so it is made to write as the schema's
-- owner again below, as 0007 made it.
CREATE OR REPLACE FUNCTION bugs_log_history() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    actor uuid := current_actor();
BEGIN
    INSERT INTO bug_history (bug_id, field_changed, old_value, new_value, changed_by)
    SELECT NEW.id, c.field, c.old, c.new, actor
    FROM (VALUES
        ('status', OLD.status::text, NEW.status::text),
        ('severity', OLD.severity::text, NEW.severity::text),
        ('assigned_to', OLD.assigned_to::text, NEW.assigned_to::text),
        ('is_blocker', OLD.is_blocker::text, NEW.is_blocker::text),
        ('title', OLD.title, NEW.title),
        ('project_id', OLD.project_id::text, NEW.project_id::text),
        ('estimated_hours', OLD.estimated_hours::text, NEW.estimated_hours::text),
        ('actual_hours', OLD.actual_hours::text, NEW.actual_hours::text),
        ('description', OLD.description, NEW.description)
    ) AS c(field, old, new)
    WHERE c.old IS DISTINCT FROM c.new;
    RETURN NULL;
END
$$;

DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION bugs_log_history() SECURITY DEFINER SET search_path = %I, pg_temp',
                   current_schema());
END
$$;

DROP TRIGGER bugs_log_history ON bugs;
CREATE TRIGGER bugs_log_history
    AFTER UPDATE OF status, severity, assigned_to, is_blocker, title, project_id,
                    estimated_hours, actual_hours, description ON bugs
    FOR EACH ROW EXECUTE FUNCTION bugs_log_history();

-- Comments: who wrote what, when (UTC, set by the database so nobody backdates
-- one). A deleted author leaves the comment, unattributed.
CREATE TABLE bug_comments (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    bug_id     uuid        NOT NULL REFERENCES bugs (id) ON DELETE CASCADE,
    author     uuid        REFERENCES users (id) ON DELETE SET NULL,
    body       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bug_comments_body_check CHECK (btrim(body) <> '')
);

CREATE INDEX bug_comments_bug_id_idx ON bug_comments (bug_id, created_at DESC);
CREATE INDEX bug_comments_author_idx ON bug_comments (author);

-- A comment is a change of its bug for live dashboards: the same NOTIFY and
-- the same replicated counter (the bugs group) as a bug's own writes.
CREATE TRIGGER bug_comments_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bug_comments
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER bug_comments_count_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bug_comments
    FOR EACH STATEMENT EXECUTE FUNCTION change_counters_count('bugs');
