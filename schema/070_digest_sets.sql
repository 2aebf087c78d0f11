-- 070_digest_sets: the papers of a digest are stored once per ranking,
-- not once per digest.  A freeze pass ranks each distinct profile once
-- (same list, keywords, categories, window, papers sent, votes) and many
-- subscriptions share it; each of their digests used to copy the same ten
-- rows into digest_items, two B-tree inserts each.  Now a ranking is one
-- digest_sets row with its items in digest_set_items, and a digest names
-- it (digests.set_id) with how many of its first items are its own
-- (digests.items: readers who asked for 5 and for 20 papers share the
-- ranking of 20).
--
-- digest_items stays, as a view with the same columns, so every reader
-- (rendering, the web view, feeds, the archive, export, the papers
-- already sent) reads what it read.  Writing to it by hand still works
-- (the INSTEAD OF trigger gives the digest a set of its own).
--
-- A set lives as long as a digest names it: deleting the last such digest
-- (erasure, a cascade from subscriptions) deletes it and its items, so
-- nothing derived from an erased reader's keywords (the "why" lines)
-- stays.  ON DELETE CASCADE from papers removes a paper from every set
-- through digest_set_items_paper, as it did from digest_items.
CREATE TABLE digest_sets (
    id            INTEGER PRIMARY KEY
);
CREATE TABLE digest_set_items (
    set_id        INTEGER NOT NULL REFERENCES digest_sets(id) ON DELETE CASCADE,
    rank          INTEGER NOT NULL,            -- 1-based
    paper_id      INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    score         REAL NOT NULL DEFAULT 0,
    why           TEXT NOT NULL DEFAULT '',    -- "matched: kv cache · 87 upvotes"
    PRIMARY KEY (set_id, rank)
) WITHOUT ROWID;
CREATE INDEX digest_set_items_paper ON digest_set_items(paper_id);

ALTER TABLE digests ADD COLUMN set_id INTEGER REFERENCES digest_sets(id);
ALTER TABLE digests ADD COLUMN items INTEGER NOT NULL DEFAULT 0;
CREATE INDEX digests_set ON digests(set_id);

-- every existing digest with items gets a set of its own (same id)
INSERT INTO digest_sets (id) SELECT DISTINCT digest_id FROM digest_items;
INSERT INTO digest_set_items (set_id, rank, paper_id, score, why)
    SELECT digest_id, rank, paper_id, score, why FROM digest_items;
UPDATE digests SET set_id = id,
    items = (SELECT max(rank) FROM digest_items WHERE digest_id = digests.id)
    WHERE id IN (SELECT id FROM digest_sets);
DROP TABLE digest_items;

CREATE VIEW digest_items (digest_id, rank, paper_id, score, why) AS
    SELECT d.id, i.rank, i.paper_id, i.score, i.why
    FROM digests d JOIN digest_set_items i
    ON i.set_id = d.set_id AND i.rank <= d.items;

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
