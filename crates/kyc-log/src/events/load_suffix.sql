-- A stream's suffix, for a reader that holds a fold of its first events. $1 aggregate_type,
-- $2 aggregate_id, $3 the first sequence wanted, $4 whether to add the stream's first event.
--
-- Rows, in order of `part`, then `sequence`:
--   1  the first event, when $4: the log's word on the stream's identity, for checking a fold;
--   2  the events from sequence $3 on.
-- Payloads travel as JSON text, and of each event's metadata only the chain link (`hash`).
SELECT 1 AS part, e.sequence, e.payload::text AS body, e.metadata ->> 'hash' AS hash
  FROM events e
 WHERE $4 AND e.aggregate_type = $1 AND e.aggregate_id = $2 AND e.sequence = 1
 UNION ALL
SELECT 2, e.sequence, e.payload::text, e.metadata ->> 'hash'
  FROM events e
 WHERE e.aggregate_type = $1 AND e.aggregate_id = $2 AND e.sequence >= $3
 ORDER BY part, sequence
