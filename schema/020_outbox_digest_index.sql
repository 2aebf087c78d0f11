-- 020_outbox_digest_index: outbox.digest_id gets an index.  Queueing a
-- digest checks that no row names it yet (NOT EXISTS ... o.digest_id =
-- d.id), and ON DELETE CASCADE from digests looks for the rows naming the
-- digest; without the index both scanned the whole outbox, once per
-- subscriber, so a day's queueing was quadratic in the number of
-- subscribers.
CREATE INDEX outbox_digest ON outbox(digest_id);
