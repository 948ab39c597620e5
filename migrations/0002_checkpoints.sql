-- Position in the event log up to which a named consumer (projection, relay) has applied events.
-- Written in the same transaction as the consumer's own rows.
CREATE TABLE checkpoints
(
    name       text        PRIMARY KEY,
    position   bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
