-- A new list version. $1 list, $2 format, $3 published_on, $4 content_hash, $5 entry_count,
-- $6 imported_at.
INSERT INTO screening_list_versions (list, format, published_on, content_hash, entry_count,
                                     imported_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING version
