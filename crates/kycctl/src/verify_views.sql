-- The customer projection in the order of verify_streams.sql, with the columns lists and queues
-- filter on (an absent value as '', a time as RFC 3339 in UTC to the microsecond).
SELECT customer_guid, last_sequence, record, bank_guid, customer_type, state, profile_status,
       array_to_string(labels, ',') AS labels,
       coalesce(risk_level, '') AS risk_level,
       coalesce(to_char(awaiting_second_approval_since AT TIME ZONE 'UTC',
                        'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '') AS awaiting_second_approval_since,
       coalesce(first_approver, '') AS first_approver
  FROM customer_views
 ORDER BY customer_guid
