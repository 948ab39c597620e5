-- A stream's events after a stored fold of its first ones, with the fold itself, in one
-- statement so that both come from one snapshot. $1 aggregate_type, $2 aggregate_id. The
-- caller's fold query (inserted below) returns at most one row (last_sequence, body) for $2.
--
-- Rows, in order of `part`, then `sequence`:
--   0  the fold, if any: sequence = last_sequence, body = the caller's serialized fold;
--   1  the first event, when there is a fold: the log's word on the stream's identity;
--   2  the events from the fold's last one on (from sequence 1 without a fold). The fold's own
--      last event comes along for its chain link, which the next event chains from.
-- Payloads travel as JSON text, and of each event's metadata only the chain link (`hash`).
WITH fold AS (
{fold}
)
SELECT 0 AS part, last_sequence AS sequence, body, NULL::text AS hash
  FROM fold
 UNION ALL
SELECT 1, e.sequence, e.payload::text, e.metadata ->> 'hash'
  FROM events e
 WHERE e.aggregate_type = $1 AND e.aggregate_id = $2 AND e.sequence = 1
   AND EXISTS (SELECT 1 FROM fold)
 UNION ALL
SELECT 2, e.sequence, e.payload::text, e.metadata ->> 'hash'
  FROM events e
 WHERE e.aggregate_type = $1 AND e.aggregate_id = $2
   AND e.sequence >= coalesce((SELECT last_sequence FROM fold), 1)
 ORDER BY part, sequence
