-- Bug numbers (issue 14): the source product's dated form BUG-202511-0001
-- beside the plain BUG-1001, one sort key for both, and a sequence that hands
-- out numbers for new bugs without a lock held across an import.

ALTER TABLE bugs DROP CONSTRAINT bugs_bug_number_check;
ALTER TABLE bugs ADD CONSTRAINT bugs_bug_number_check
    CHECK (bug_number ~ '^BUG-([0-9]+|[0-9]{1,9}-[0-9]{1,9})$');

-- BUG-1001 → 1001; BUG-202511-0001 → 202511 × 10⁹ + 1, so dated numbers sort by
-- month then counter, after every plain number below 10⁹.
CREATE FUNCTION bug_number_key(n text) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE
        WHEN strpos(substr(n, 5), '-') = 0 THEN substr(n, 5)::bigint
        ELSE split_part(n, '-', 2)::bigint * 1000000000 + split_part(n, '-', 3)::bigint
    END;

DROP INDEX bugs_number_idx;
CREATE INDEX bugs_number_idx ON bugs (bug_number_key(bug_number), id);

-- Numbers for bugs created without one (numberless imports, later `bugs new`):
-- nextval never hands the same value out twice, even to parallel transactions.
CREATE SEQUENCE bug_number_seq;
SELECT setval('bug_number_seq', greatest(1000, coalesce(
    (SELECT max(bug_number_key(bug_number)) FROM bugs WHERE bug_number ~ '^BUG-[0-9]{1,9}$'),
    0)));
