-- Writes the documents of the customers a batch touched. $1 a jsonb array of rows.
INSERT INTO document_views (document_guid, customer_guid, bank_guid, kind, status, submitted_at,
                            last_position)
SELECT r.document_guid, r.customer_guid, r.bank_guid, r.kind, r.status, r.submitted_at,
       r.last_position
  FROM jsonb_to_recordset($1::jsonb) AS r (document_guid text, customer_guid text, bank_guid text,
                                            kind text, status text, submitted_at timestamptz,
                                            last_position bigint)
ON CONFLICT (document_guid) DO UPDATE
    SET status        = excluded.status,
        last_position = excluded.last_position
  WHERE document_views.status IS DISTINCT FROM excluded.status
