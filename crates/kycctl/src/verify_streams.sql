-- Every event, stream by stream, for `kycctl verify` (streamed, not loaded at once).
SELECT aggregate_id, sequence, global_position, event_type, event_version, payload, metadata
  FROM events
 WHERE aggregate_type = 'Customer'
 ORDER BY aggregate_id, sequence
