-- Scoped by tenant: a bank can never read another bank's document, even knowing its guid.
SELECT document_guid, bank_guid, customer_guid, content, sealed, sha256, content_type, created_at
  FROM document_contents
 WHERE bank_guid = $1 AND document_guid = $2
