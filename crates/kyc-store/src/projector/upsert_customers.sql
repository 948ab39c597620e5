-- Writes the new fold of several customers at once; one array per column ($1..$21), unnested
-- row by row. Labels travel as one JSON array per row (UNNEST cannot take a ragged text[][]).
INSERT INTO customer_views (customer_guid, bank_guid, customer_type, state, labels, external_id,
                            profile_status, created_at, updated_at, last_sequence, last_position,
                            record, retention_starts_at, legal_hold, erased, risk_level,
                            awaiting_second_approval_since, first_approver, next_expiry_on,
                            last_reviewed_at, due_since)
SELECT r.customer_guid, r.bank_guid, r.customer_type, r.state,
       ARRAY(SELECT jsonb_array_elements_text(r.labels)), r.external_id,
       r.profile_status, r.created_at, r.updated_at, r.last_sequence, r.last_position, r.record::json,
       r.retention_starts_at, r.legal_hold, r.erased, r.risk_level,
       r.awaiting_second_approval_since, r.first_approver, r.next_expiry_on, r.last_reviewed_at,
       r.due_since
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[],
              $7::text[], $8::timestamptz[], $9::timestamptz[], $10::bigint[], $11::bigint[],
              $12::text[], $13::timestamptz[], $14::boolean[], $15::boolean[], $16::text[],
              $17::timestamptz[], $18::text[], $19::date[], $20::timestamptz[],
              $21::timestamptz[])
           AS r (customer_guid, bank_guid, customer_type, state, labels, external_id,
                 profile_status, created_at, updated_at, last_sequence, last_position, record,
                 retention_starts_at, legal_hold, erased, risk_level,
                 awaiting_second_approval_since, first_approver, next_expiry_on,
                 last_reviewed_at, due_since)
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
        record         = excluded.record,
        retention_starts_at = excluded.retention_starts_at,
        legal_hold     = excluded.legal_hold,
        erased         = excluded.erased,
        risk_level     = excluded.risk_level,
        awaiting_second_approval_since = excluded.awaiting_second_approval_since,
        first_approver = excluded.first_approver,
        next_expiry_on = excluded.next_expiry_on,
        last_reviewed_at = excluded.last_reviewed_at,
        due_since      = excluded.due_since
