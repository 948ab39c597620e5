-- Document rows in COPY's text format (see copy.rs), in this column order.
COPY document_views (document_guid, customer_guid, bank_guid, kind, status, submitted_at,
                     last_position, associate_guid, awaiting_review, expires_on)
FROM STDIN
