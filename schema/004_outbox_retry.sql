-- 004_outbox_retry: when an operator last re-queued a row with
-- `paperboy outbox retry`; the give-up clock ([smtp] give_up_after) runs
-- from this time instead of created_at, so a retried row gets a fresh
-- allowance.  NULL = never retried.
ALTER TABLE outbox ADD COLUMN retried_at INTEGER;
