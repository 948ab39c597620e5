-- Exactly-once command execution: the first request with a key claims it inside the command's
-- transaction and stores its answer there; duplicates replay that answer.
-- scope = tenant (bank guid) + principal, so keys of different callers never collide.
CREATE TABLE idempotency_records
(
    scope           text        NOT NULL,
    key             text        NOT NULL,
    request_hash    text        NOT NULL,
    response_status int,
    response_body   jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
