-- Every payload as text in position order: the cheapest full read of the log, the baseline a
-- replay is measured against.
SELECT payload::text FROM events ORDER BY global_position
