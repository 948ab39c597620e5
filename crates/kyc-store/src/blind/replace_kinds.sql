-- Forgets a customer's index entries of some kinds (before writing their new values).
-- $1 bank_guid, $2 customer_guid, $3 kinds.
DELETE FROM customer_blind_index
 WHERE bank_guid = $1 AND customer_guid = $2 AND kind = ANY($3::text[])
