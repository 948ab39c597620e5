-- The event log: the postgres-es 0.5 `events` layout (jsonb) plus a commit-order-safe
-- `global_position`, immutability, and a wake-up notification for tailing readers.

CREATE TABLE events
(
    aggregate_type  text                         NOT NULL,
    aggregate_id    text                         NOT NULL,
    sequence        bigint CHECK (sequence >= 1) NOT NULL,
    event_type      text                         NOT NULL,
    event_version   text                         NOT NULL,
    payload         jsonb                        NOT NULL,
    metadata        jsonb                        NOT NULL,
    -- Assigned by the trigger below; never supplied by writers (postgres-es does not know it).
    global_position bigint                       NOT NULL UNIQUE,
    -- Start time of the writing transaction (now()), not its commit time.
    recorded_at     timestamptz                  NOT NULL DEFAULT now(),
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
);

-- postgres-es compatibility: only used if someone enables its snapshot store.
CREATE TABLE snapshots
(
    aggregate_type   text                                 NOT NULL,
    aggregate_id     text                                 NOT NULL,
    last_sequence    bigint CHECK (last_sequence >= 0)    NOT NULL,
    current_snapshot bigint CHECK (current_snapshot >= 0) NOT NULL,
    payload          jsonb                                NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)
);

-- global_position = (top-level transaction id << 16) + index of the row within its transaction.
--
-- Why not a bigserial: sequence values are drawn at INSERT time but become visible at COMMIT
-- time, so a reader can see position 11 committed while 10 is still in flight; a reader that
-- checkpoints 11 then never sees 10. Serialising writers with a lock would fix that but would
-- make every command of every customer wait for every other one.
--
-- Instead, positions are ordered by transaction id, and readers only return events of
-- transactions whose id is below the xmin of their snapshot (see read_after.sql): every
-- transaction with an id below xmin has finished, and every transaction that has not yet
-- finished, or has not yet started, has an id >= xmin. So once a reader has seen position N,
-- no event below N can appear later, and xmin only grows, so positions are revealed in order.
--
-- Caveats:
--  * xmin is cluster-wide: a long-running transaction that holds a transaction id, in ANY
--    database of this cluster, holds every tailing reader back until it ends (readers are
--    delayed, never wrong). Keep write transactions short; watch pg_stat_activity.
--  * 16 bits are reserved for the in-transaction index: at most 65536 events per transaction.
--    The shifted id must fit in a bigint, i.e. fewer than 2^47 transactions in the cluster's
--    lifetime (epoch-extended xid8, never wraps).
--  * xid8 has no cast to bigint, hence ::text::bigint.
--  * The counter lives in a transaction-local setting: rolled back with its savepoint together
--    with the rows that used it, and reset by every new transaction.
CREATE FUNCTION kyc_events_assign_global_position() RETURNS trigger
    LANGUAGE plpgsql AS
$$
DECLARE
    -- An unset custom setting reads as NULL, one reset at transaction end reads as ''.
    event_index bigint := coalesce(nullif(current_setting('kyc.event_index', true), ''), '0')::bigint;
BEGIN
    IF event_index >= 65536 THEN
        RAISE EXCEPTION 'kyc: more than 65536 events in one transaction'
            USING ERRCODE = 'program_limit_exceeded';
    END IF;
    NEW.global_position := (pg_current_xact_id()::text::bigint << 16) + event_index;
    PERFORM set_config('kyc.event_index', (event_index + 1)::text, true);
    RETURN NEW;
END;
$$;

CREATE TRIGGER events_assign_global_position
    BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION kyc_events_assign_global_position();

-- Events are facts: corrections are new events, never edits.
CREATE FUNCTION kyc_events_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'kyc: events are immutable (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER events_refuse_update_delete
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION kyc_events_refuse_change();

CREATE TRIGGER events_refuse_truncate
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION kyc_events_refuse_change();

-- Wakes tailing readers. Delivered at commit, deduplicated per transaction; it is only a hint:
-- the woken reader may still find nothing below its horizon (an older transaction is running),
-- so tailers must also poll on a timer.
CREATE FUNCTION kyc_events_notify() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM pg_notify('kyc_events', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_notify
    AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION kyc_events_notify();
