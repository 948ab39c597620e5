-- Writes the documents of the customers a batch touched; one array per column ($1..$10). A
-- document's membership of the queues also follows its customer's state, so a row is
-- rewritten when either changed.
INSERT INTO document_views (document_guid, customer_guid, bank_guid, kind, status, submitted_at,
                            last_position, associate_guid, awaiting_review, expires_on)
SELECT *
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
              $7::bigint[], $8::text[], $9::boolean[], $10::date[])
ON CONFLICT (document_guid) DO UPDATE
    SET status          = excluded.status,
        last_position   = excluded.last_position,
        associate_guid  = excluded.associate_guid,
        awaiting_review = excluded.awaiting_review,
        expires_on      = excluded.expires_on
  WHERE (document_views.status, document_views.associate_guid, document_views.awaiting_review,
         document_views.expires_on)
        IS DISTINCT FROM (excluded.status, excluded.associate_guid, excluded.awaiting_review,
                          excluded.expires_on)
