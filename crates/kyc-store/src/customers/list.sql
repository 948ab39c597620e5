-- One page of a tenant's customers, newest first, and the number of matches, in one statement
-- (one snapshot, so the total and the page agree).
-- $1 bank_guid, $2 customer_type or NULL, $3 states (empty for any), $4 label or NULL,
-- $5 page size, $6 offset, $7 and $8 identity filters: blind-index kinds and digests (pairwise,
-- empty for none), every one of which a listed customer must hold; $9 verification profile
-- statuses (empty for any).
WITH matching AS (
    SELECT customer_guid, created_at
      FROM customer_views v
     WHERE bank_guid = $1
       AND ($2::text IS NULL OR customer_type = $2)
       AND (cardinality($3::text[]) = 0 OR state = ANY($3::text[]))
       AND ($4::text IS NULL OR labels @> ARRAY[$4::text])
       AND (cardinality($9::text[]) = 0 OR profile_status = ANY($9::text[]))
       AND (cardinality($7::text[]) = 0
            OR (SELECT count(*)
              FROM unnest($7::text[], $8::text[]) AS wanted (kind, digest)
              JOIN customer_blind_index i
                ON i.bank_guid = $1
               AND i.kind = wanted.kind
               AND i.digest = wanted.digest
               AND i.customer_guid = v.customer_guid)
               = cardinality($7::text[]))
),
page AS (
    SELECT customer_guid, created_at
      FROM matching
     ORDER BY created_at DESC, customer_guid DESC
     LIMIT $5 OFFSET $6
)
SELECT (SELECT count(*) FROM matching) AS total,
       coalesce((SELECT json_agg(v.record ORDER BY p.created_at DESC, p.customer_guid DESC)
                   FROM page p
                   JOIN customer_views v USING (customer_guid)),
                '[]'::json) AS records
