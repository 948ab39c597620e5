-- The highest position a tailing reader can currently reach (0 for an empty log),
-- under the same horizon as read_after.sql.
SELECT coalesce(max(global_position), 0)
  FROM events
 WHERE global_position < (pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 16)
