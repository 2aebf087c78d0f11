-- 008_digest_items_clustered: digest_items becomes a WITHOUT ROWID table
-- clustered on its primary key (digest_id, rank).  Every row used to cost
-- three B-tree inserts (the rowid table, the primary key's index and
-- digest_items_paper); now it costs two.  Every query still uses an index:
-- a digest's items by (digest_id, rank), the papers a subscription was sent
-- through digests -> (digest_id), ON DELETE CASCADE from papers through
-- digest_items_paper, from digests through the primary key.
CREATE TABLE digest_items_008 (
    digest_id     INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
    rank          INTEGER NOT NULL,            -- 1-based
    paper_id      INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    score         REAL NOT NULL DEFAULT 0,
    why           TEXT NOT NULL DEFAULT '',    -- "matched: kv cache · 87 upvotes"
    PRIMARY KEY (digest_id, rank)
) WITHOUT ROWID;
INSERT INTO digest_items_008 (digest_id, rank, paper_id, score, why)
    SELECT digest_id, rank, paper_id, score, why FROM digest_items;
DROP TABLE digest_items;
ALTER TABLE digest_items_008 RENAME TO digest_items;
CREATE INDEX digest_items_paper ON digest_items(paper_id);
