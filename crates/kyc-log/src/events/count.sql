-- Every event of the log (for progress bars: an estimate would do, but this is exact).
SELECT count(*) FROM events
