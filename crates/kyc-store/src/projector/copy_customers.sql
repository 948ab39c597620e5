-- Customer rows in COPY's text format (see copy.rs), in this column order.
COPY customer_views (customer_guid, bank_guid, customer_type, state, labels, external_id,
                     profile_status, created_at, updated_at, last_sequence, last_position, record,
                     retention_starts_at, legal_hold, erased, risk_level,
                     awaiting_second_approval_since, first_approver, next_expiry_on,
                     last_reviewed_at, due_since)
FROM STDIN
