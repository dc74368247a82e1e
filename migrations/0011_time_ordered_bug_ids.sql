-- New bugs get time-ordered ids (UUID version 7: 48 bits of Unix milliseconds,
-- then random bits), so an import's rows land at the right-hand end of the
-- primary key and of every (column, id) index instead of on random pages.
--
-- Measured at 1,000,000 bugs (issue 10 item 6; see BENCHMARKS.md "Imports
-- beside a reader"): inserting 20,000 bugs with random ids read ~95,000 and
-- wrote ~85,000 index pages through a 128 MB buffer pool (the primary key and
-- ten (column, id) indexes each dirtied a random leaf per row) and cost ~2.6 s
-- of backend CPU; with time-ordered ids ~6,000 pages were read, ~4,000 written,
-- and the CPU fell by about a third. Existing ids are untouched, and nothing
-- reads meaning into an id's bits: they are only unique and a stable tie-break.

CREATE FUNCTION uuid_time_ordered() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE
RETURN encode(
    set_bit(set_bit(
        overlay(uuid_send(gen_random_uuid())
                PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)
                                  FROM 3)
                FROM 1 FOR 6),
        52, 1), 53, 1),
    'hex')::uuid;

ALTER TABLE bugs ALTER COLUMN id SET DEFAULT uuid_time_ordered();

-- (priority_score DESC) is served by 0004's (priority_score, id), read backwards
-- when descending, which every priority sort and keyset page already uses; the
-- older index only cost each inserted bug one more index entry.
DROP INDEX bugs_priority_score_idx;
