-- 120_vote_requests: "papers like these" named on the preferences page
-- that are not in the database yet.  The web stores the request (it
-- never fetches); the daemon's scheduler fetches the paper from the
-- arXiv API, stores the vote and deletes the request
-- (collect/likes_fetch.c).  A request arXiv has no paper for, or one
-- that failed too often, stays with state 'failed' and its reason until
-- the reader removes it.  They are the subscriber's data: removed with
-- the subscription (and so with the subscriber), like votes.
CREATE TABLE vote_requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id INTEGER NOT NULL
                    REFERENCES subscriptions(id) ON DELETE CASCADE,
    arxiv_id        TEXT NOT NULL
                    CHECK (length(arxiv_id) BETWEEN 1 AND 47),
    vote            INTEGER NOT NULL DEFAULT 1 CHECK (vote IN (-1, 1)),
    created_at      INTEGER NOT NULL,             -- unix seconds, UTC
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state = 'pending' OR state = 'failed'),
    attempts        INTEGER NOT NULL DEFAULT 0,   -- failed fetches
    next_at         INTEGER NOT NULL,             -- not fetched before
    last_error      TEXT CHECK (last_error IS NULL
                                OR length(last_error) <= 200),
    UNIQUE (subscription_id, arxiv_id)
);
CREATE INDEX vote_requests_due ON vote_requests(next_at)
    WHERE state = 'pending';
CREATE INDEX vote_requests_arxiv ON vote_requests(arxiv_id);
