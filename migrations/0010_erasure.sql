-- Erasure (issue #12) deletes what is kept of a customer beside its events: document contents
-- and the stored answers (idempotency records) that show the customer. An answer's customer is
-- recorded when it is stored, so erasure finds them by index instead of reading every outcome.
ALTER TABLE idempotency_records ADD COLUMN customer_guid text;

UPDATE idempotency_records
   SET customer_guid = outcome #>> '{Ok,customer,guid}'
 WHERE outcome ? 'Ok';

CREATE INDEX idempotency_records_customer_guid
    ON idempotency_records (customer_guid)
 WHERE customer_guid IS NOT NULL;

CREATE INDEX document_contents_customer_guid ON document_contents (customer_guid);
