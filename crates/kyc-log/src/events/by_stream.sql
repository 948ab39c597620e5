-- Every event of one aggregate type, stream by stream, in sequence order (streamed by the
-- caller, not loaded at once). $1 aggregate_type.
SELECT global_position, aggregate_type, aggregate_id, sequence, event_type, event_version,
       payload, metadata, recorded_at
  FROM events
 WHERE aggregate_type = $1
 ORDER BY aggregate_id, sequence
