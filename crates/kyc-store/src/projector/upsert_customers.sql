-- Writes the new fold of several customers at once. $1 a jsonb array of rows.
INSERT INTO customer_views (customer_guid, bank_guid, customer_type, state, labels, external_id,
                            profile_status, created_at, updated_at, last_sequence, last_position,
                            record)
SELECT r.customer_guid, r.bank_guid, r.customer_type, r.state, r.labels, r.external_id,
       r.profile_status, r.created_at, r.updated_at, r.last_sequence, r.last_position, r.record
  FROM jsonb_to_recordset($1::jsonb) AS r (customer_guid text, bank_guid text, customer_type text,
                                            state text, labels text[], external_id text,
                                            profile_status text, created_at timestamptz,
                                            updated_at timestamptz, last_sequence bigint,
                                            last_position bigint, record jsonb)
ON CONFLICT (customer_guid) DO UPDATE
    SET bank_guid      = excluded.bank_guid,
        customer_type  = excluded.customer_type,
        state          = excluded.state,
        labels         = excluded.labels,
        external_id    = excluded.external_id,
        profile_status = excluded.profile_status,
        created_at     = excluded.created_at,
        updated_at     = excluded.updated_at,
        last_sequence  = excluded.last_sequence,
        last_position  = excluded.last_position,
        record         = excluded.record
