-- The last event of one stream: its sequence and the hash-chain link in its metadata.
-- $1 aggregate_type, $2 aggregate_id.
SELECT sequence, metadata ->> 'hash' AS hash
  FROM events
 WHERE aggregate_type = $1 AND aggregate_id = $2
 ORDER BY sequence DESC
 LIMIT 1
