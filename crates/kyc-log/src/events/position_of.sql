-- The position of one event, found by its stream and sequence (NULL row: no such event).
-- $1 aggregate_type, $2 aggregate_id, $3 sequence.
SELECT global_position
  FROM events
 WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence = $3
