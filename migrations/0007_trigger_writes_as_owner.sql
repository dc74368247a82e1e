-- Least privilege for editors. The triggers that keep bug_history and the
-- summary tables (bug_stats, bug_resolutions_daily) write them with the rights
-- of the schema's owner, so a role that may change a bug's status needs no
-- INSERT or UPDATE on those tables, and cannot forge history or counters by
-- writing them directly (`ctodash grants --editor ROLE` relies on this).
--
-- search_path is pinned to the schema the tables were created in, with
-- pg_temp last, so no caller can point the functions at objects of its own.
-- Trigger functions cannot be called directly, only fired by their triggers.
DO $$
DECLARE
    fn text;
BEGIN
    FOREACH fn IN ARRAY ARRAY[
        'bugs_log_history()',
        'bug_stats_apply()',
        'bug_stats_truncate()',
        'bug_resolutions_apply_insert()',
        'bug_resolutions_apply_update()',
        'bug_resolutions_apply_delete()',
        'bug_resolutions_truncate()'
    ]
    LOOP
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = %I, pg_temp',
                       fn, current_schema());
    END LOOP;
END
$$;
