-- Writes the documents of the customers a batch touched; one array per column ($1..$7).
INSERT INTO document_views (document_guid, customer_guid, bank_guid, kind, status, submitted_at,
                            last_position)
SELECT *
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
              $7::bigint[])
ON CONFLICT (document_guid) DO UPDATE
    SET status        = excluded.status,
        last_position = excluded.last_position
  WHERE document_views.status IS DISTINCT FROM excluded.status
