-- Positions must follow each customer's sequence order, not only commit visibility.
--
-- A position is drawn from the writing transaction's id, and a transaction gets its id at its
-- first write. If a transaction wrote something else first (an idempotency claim, say), took
-- its id, and only then loaded a stream that another, younger transaction had just extended,
-- its event (the stream's next sequence) would get a LOWER position than the event it follows,
-- and tailing readers would see sequence 2 before sequence 1.
--
-- When the events are the transaction's first write, the id is taken at the insert itself,
-- after the stream was read: every event already in the stream came from a transaction that
-- got its id earlier, so positions within a stream rise with the sequence. This trigger
-- refuses any other order, so no writer can break that by accident.
CREATE OR REPLACE FUNCTION kyc_events_assign_global_position() RETURNS trigger
    LANGUAGE plpgsql AS
$$
DECLARE
    -- An unset custom setting reads as NULL, one reset at transaction end reads as ''.
    event_index bigint := coalesce(nullif(current_setting('kyc.event_index', true), ''), '0')::bigint;
BEGIN
    IF event_index = 0 AND pg_current_xact_id_if_assigned() IS NOT NULL THEN
        RAISE EXCEPTION 'kyc: events must be the first write of their transaction'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'append the events before writing idempotency records, documents or views';
    END IF;
    IF event_index >= 65536 THEN
        RAISE EXCEPTION 'kyc: more than 65536 events in one transaction'
            USING ERRCODE = 'program_limit_exceeded';
    END IF;
    NEW.global_position := (pg_current_xact_id()::text::bigint << 16) + event_index;
    PERFORM set_config('kyc.event_index', (event_index + 1)::text, true);
    RETURN NEW;
END;
$$;
