-- Every list: its newest version, how many versions it has, and the latest re-screening of
-- its newest version (NULLs before one ran).
WITH latest AS (
    SELECT DISTINCT ON (list) version, list, format, published_on, content_hash, entry_count,
           imported_at
      FROM screening_list_versions
     ORDER BY list, version DESC
)
SELECT l.version, l.list, l.format, l.published_on, l.content_hash, l.entry_count,
       l.imported_at,
       (SELECT count(*) FROM screening_list_versions v WHERE v.list = l.list) AS versions,
       r.started_at, r.finished_at, r.screened, r.alerted, r.failed
  FROM latest l
  LEFT JOIN LATERAL (
      SELECT started_at, finished_at, screened, alerted, failed
        FROM screening_runs
       WHERE version = l.version
       ORDER BY run_id DESC
       LIMIT 1
  ) r ON true
 ORDER BY l.list
