-- The customers of a tenant whose index holds any of the given (kind, digest) pairs.
-- $1 bank_guid, $2 kinds, $3 digests (pairwise).
SELECT DISTINCT i.kind, i.customer_guid
  FROM customer_blind_index i
  JOIN unnest($2::text[], $3::text[]) AS wanted (kind, digest)
    ON i.kind = wanted.kind AND i.digest = wanted.digest
 WHERE i.bank_guid = $1
