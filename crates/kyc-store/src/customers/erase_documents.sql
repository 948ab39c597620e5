-- Erasure: the customer's document contents.
DELETE FROM document_contents WHERE bank_guid = $1 AND customer_guid = $2
