-- 030_votes: what a reader told us about papers: "more like this" (1) and
-- "less like this" (-1), from the links in the mail, the preferences page
-- ("papers like these") or `paperboy subscriber like`.  One vote per
-- subscription and paper; a new vote replaces the old one, taking it back
-- deletes the row.  The digest ranks with them (rank_index.h, the
-- reader's profile).  They are the subscriber's data: removed with the
-- subscription (and so with the subscriber).
CREATE TABLE votes (
    subscription_id INTEGER NOT NULL
                    REFERENCES subscriptions(id) ON DELETE CASCADE,
    paper_id        INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    vote            INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    source          TEXT NOT NULL
                    CHECK (source IN ('mail', 'preferences', 'cli')),
    created_at      INTEGER NOT NULL,             -- unix seconds, UTC
    PRIMARY KEY (subscription_id, paper_id)
) WITHOUT ROWID;
CREATE INDEX votes_paper ON votes(paper_id);
