-- A customer's index entries. $1 bank_guid, $2 customer_guid, $3 kinds, $4 digests (pairwise).
INSERT INTO customer_blind_index (bank_guid, kind, digest, customer_guid)
SELECT $1, kind, digest, $2
  FROM unnest($3::text[], $4::text[]) AS new (kind, digest)
ON CONFLICT DO NOTHING
