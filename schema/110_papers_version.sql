-- 110_papers_version: a number that changes whenever a paper row is
-- inserted, changed or deleted.  A delivery worker keeps each paper's
-- rendered fields while this number stays the same, so it does not read
-- the same few hundred paper rows again for every digest it renders
-- (compose_snapshot() in mail/compose.c).  One row; the triggers cost one
-- small UPDATE per paper row written, next to the FTS index's own work.
CREATE TABLE papers_version (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    v   INTEGER NOT NULL
);
INSERT INTO papers_version (id, v) VALUES (1, 0);
CREATE TRIGGER papers_version_ai AFTER INSERT ON papers BEGIN
    UPDATE papers_version SET v = v + 1 WHERE id = 1;
END;
CREATE TRIGGER papers_version_au AFTER UPDATE ON papers BEGIN
    UPDATE papers_version SET v = v + 1 WHERE id = 1;
END;
CREATE TRIGGER papers_version_ad AFTER DELETE ON papers BEGIN
    UPDATE papers_version SET v = v + 1 WHERE id = 1;
END;
