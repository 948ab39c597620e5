-- One keyset page of a bulk rebuild: only what a fold needs, in log order.
-- $1 aggregate_type, $2 position already read (exclusive), $3 last position of the range
-- (inclusive; below the reader horizon when the range was chosen), $4 page size.
SELECT aggregate_id, sequence, global_position, payload
  FROM events
 WHERE aggregate_type = $1
   AND global_position > $2
   AND global_position <= $3
 ORDER BY global_position
 LIMIT $4
