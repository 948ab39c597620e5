-- A customer's stored fold and the events it does not cover yet. $1 aggregate_type, $2 guid.
--
-- One statement, so the view row and the events come from the same database snapshot: the
-- projector writes a row only after its events committed, so the row can never be ahead of
-- the events read here.
--
-- Rows, in order of `part`, then `sequence`:
--   0  the customer_views row, if any: sequence = last_sequence, body = the record;
--   1  the first event (CustomerCreated), when there is a row: the log's word on the
--      customer's identity, checked against the row;
--   2  the events from the row's last one on (from sequence 1 without a row). The row's own
--      last event comes along for its hash, which the next event chains from.
-- Bodies travel as JSON text (decoded straight into the domain types) and of each event's
-- metadata only the hash is read.
WITH stored_view AS (
    SELECT last_sequence, record
      FROM customer_views
     WHERE customer_guid = $2
)
SELECT 0 AS part, last_sequence AS sequence, record::text AS body, NULL::text AS hash
  FROM stored_view
 UNION ALL
SELECT 1, e.sequence, e.payload::text, e.metadata ->> 'hash'
  FROM events e
 WHERE e.aggregate_type = $1 AND e.aggregate_id = $2 AND e.sequence = 1
   AND EXISTS (SELECT 1 FROM stored_view)
 UNION ALL
SELECT 2, e.sequence, e.payload::text, e.metadata ->> 'hash'
  FROM events e
 WHERE e.aggregate_type = $1 AND e.aggregate_id = $2
   AND e.sequence >= coalesce((SELECT last_sequence FROM stored_view), 1)
 ORDER BY part, sequence
