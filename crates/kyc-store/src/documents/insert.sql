INSERT INTO document_contents
    (document_guid, bank_guid, customer_guid, content, sha256, content_type, size_bytes, sealed)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
