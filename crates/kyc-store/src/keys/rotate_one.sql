-- Replaces one wrapped key, only if it is still the bytes the rotation read (not destroyed or
-- re-wrapped meanwhile).
UPDATE customer_keys
   SET kek_id = $3, wrapped_key = $4
 WHERE customer_guid = $1 AND wrapped_key = $2
