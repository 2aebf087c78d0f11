-- 080_digest_sets_autoincrement: digest_sets.id becomes AUTOINCREMENT, so
-- the id of a deleted set is never given to a new one.  A freeze pass
-- keeps a profile's set id from one transaction to the next; if the set
-- went meanwhile (its only reader erased their data) and its id were
-- reused by another profile's new set, a reader of the first profile
-- would be sent the other profile's papers and "why" lines.  The pass
-- looks the set up again in each transaction (digest_pass_set); this
-- makes that look-up conclusive.
--
-- db_migrate() runs this with foreign keys off (the DROP would otherwise
-- cascade into digest_set_items and digests) and checks them before it
-- commits.  Every id and row is kept; digests.set_id and
-- digest_set_items.set_id name the table by name, so they reach the new
-- one.  The triggers that name digest_sets are dropped around the rebuild
-- (a rename checks every trigger against the schema) and made again as
-- 070 made them.
DROP TRIGGER digests_set_gc;
DROP TRIGGER digest_items_insert;

CREATE TABLE digest_sets_080 (
    id            INTEGER PRIMARY KEY AUTOINCREMENT
);
INSERT INTO digest_sets_080 (id) SELECT id FROM digest_sets ORDER BY id;
DROP TABLE digest_sets;
ALTER TABLE digest_sets_080 RENAME TO digest_sets;
-- the next id is past every id in use (inserting them set it already;
-- said here so that it does not rest on that)
DELETE FROM sqlite_sequence WHERE name = 'digest_sets';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'digest_sets', id FROM digest_sets ORDER BY id DESC LIMIT 1;

-- a set no digest names any more goes, with its items
CREATE TRIGGER digests_set_gc AFTER DELETE ON digests
WHEN OLD.set_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM digests WHERE set_id = OLD.set_id)
BEGIN
    DELETE FROM digest_sets WHERE id = OLD.set_id;
END;

-- INSERT INTO digest_items: the row goes into the digest's set, which is
-- made on its first row; a digest that does not exist is refused
CREATE TRIGGER digest_items_insert INSTEAD OF INSERT ON digest_items
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed')
        WHERE NOT EXISTS (SELECT 1 FROM digests WHERE id = NEW.digest_id);
    INSERT INTO digest_sets (id)
        SELECT NULL FROM digests WHERE id = NEW.digest_id AND set_id IS NULL;
    UPDATE digests SET set_id = last_insert_rowid()
        WHERE id = NEW.digest_id AND set_id IS NULL;
    INSERT INTO digest_set_items (set_id, rank, paper_id, score, why)
        SELECT set_id, NEW.rank, NEW.paper_id, coalesce(NEW.score, 0),
               coalesce(NEW.why, '')
        FROM digests WHERE id = NEW.digest_id;
    UPDATE digests SET items = max(items, NEW.rank) WHERE id = NEW.digest_id;
END;
