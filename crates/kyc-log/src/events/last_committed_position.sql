-- The newest committed position, whether or not tailing readers may see it yet: the target a
-- caller waits for to observe its own earlier writes (0 for an empty log).
SELECT coalesce(max(global_position), 0) FROM events
