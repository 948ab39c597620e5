-- Whether the planner's statistics of `events` are missing or stale: never analyzed, or a
-- tenth of its rows changed since (autovacuum's own default threshold is a tenth).
SELECT coalesce(
           (SELECT (last_analyze IS NULL AND last_autoanalyze IS NULL)
                   OR n_mod_since_analyze > greatest(n_live_tup, 1) / 10
              FROM pg_stat_user_tables
             WHERE relid = 'events'::regclass),
           true)
