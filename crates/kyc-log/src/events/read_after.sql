-- The commit-order-safe tail read. $1 position already read (exclusive), $2 batch size.
--
-- Only events of transactions older than every still-running transaction are returned:
-- pg_snapshot_xmin of this statement's snapshot is the oldest transaction id still running
-- in the cluster, every transaction below it has finished, and every transaction that can still
-- commit has an id >= it. Positions are (xid << 16) + index, so the bound below never lets a
-- later commit land under a position this reader has already passed. See 0001_event_log.sql.
SELECT global_position, aggregate_type, aggregate_id, sequence, event_type, event_version,
       payload, metadata, recorded_at
  FROM events
 WHERE global_position > $1
   AND global_position < (pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 16)
 ORDER BY global_position
 LIMIT $2
