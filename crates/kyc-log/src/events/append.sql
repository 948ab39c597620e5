-- Appends a batch of events to one stream, inside the caller's transaction.
-- $1 aggregate_type, $2 aggregate_id, $3 expected last sequence,
-- $4 event_type[], $5 event_version[], $6 payload jsonb[], $7 metadata jsonb[].
--
-- The WHERE guard inserts nothing when the stream's last committed sequence is not $3 (a stale
-- expectation, or one that would leave a gap); two writers that both pass the guard concurrently
-- collide on the primary key, and the second fails once the first commits.
-- Rows are inserted in ordinality order, so the BEFORE INSERT trigger hands out increasing
-- global positions in sequence order.
INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
SELECT $1, $2, $3 + e.ordinality, e.event_type, e.event_version, e.payload, e.metadata
  FROM unnest($4::text[], $5::text[], $6::jsonb[], $7::jsonb[])
           WITH ORDINALITY AS e (event_type, event_version, payload, metadata, ordinality)
 WHERE (SELECT coalesce(max(sequence), 0)
          FROM events
         WHERE aggregate_type = $1 AND aggregate_id = $2) = $3
 ORDER BY e.ordinality
RETURNING sequence, global_position, recorded_at
