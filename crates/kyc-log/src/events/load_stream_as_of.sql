-- One stream in sequence order, cut at a global position ($3) or a recorded_at instant ($4);
-- the unused bound is NULL.
SELECT global_position, aggregate_type, aggregate_id, sequence, event_type, event_version,
       payload, metadata, recorded_at
  FROM events
 WHERE aggregate_type = $1 AND aggregate_id = $2
   AND ($3::bigint IS NULL OR global_position <= $3)
   AND ($4::timestamptz IS NULL OR recorded_at <= $4)
 ORDER BY sequence
