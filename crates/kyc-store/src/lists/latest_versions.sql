-- The newest version of each list, with what it was imported from.
SELECT DISTINCT ON (list) version, list, format, published_on, content_hash, entry_count,
       imported_at
  FROM screening_list_versions
 ORDER BY list, version DESC
